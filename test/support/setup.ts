/** Runs before every test file: whatever a file started and did not stop (a failed hook, a failed test) is stopped when it ends. */
import { afterAll } from 'vitest';
import { stopStartedProcesses } from './processes.js';

afterAll(stopStartedProcesses);
