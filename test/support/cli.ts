/**
 * The CLI as scripts use it: `node bin/sidekey.js …` in a child process with only the environment a test
 * gives it (PATH and HOME, LOG_LEVEL silent), stdin closed after `stdin` is written. Each command is a fresh
 * Node process (~1–2 s, far more on a loaded machine), so tests that run it take `CLI_TEST_TIMEOUT_MS`.
 * The exit code is the process's (1 when it was killed).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createContext } from '../../src/app/context.js';
import { testConfig, type TestDatabase } from './databases.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const CLI_TEST_TIMEOUT_MS = 180_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  env?: NodeJS.ProcessEnv;
  stdin?: string;
}

export function runCli(args: readonly string[], { env = {}, stdin = '' }: CliRun = {}): Promise<CliResult> {
  return converse(process.execPath, ['bin/sidekey.js', ...args], env, async (input) => {
    input.end(stdin);
  });
}

/**
 * Runs `command` (the CLI, or a wrapper such as `script` that gives it a terminal) with `feed` writing to its
 * stdin as it answers prompts, given what it has printed so far; killed after 90 s.
 */
export function converse(command: string, args: readonly string[], env: NodeJS.ProcessEnv, feed: (stdin: NodeJS.WritableStream, output: () => string) => Promise<void>): Promise<CliResult> {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent' };
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    void feed(child.stdin, () => stdout + stderr);
  });
}

/** The environment that points the CLI at a test database (DATA_DIR, and DATABASE_URL for PostgreSQL). */
export const databaseEnv = (db: TestDatabase): NodeJS.ProcessEnv => ({ DATA_DIR: db.dataDir, ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}) });

/** Runs `fn` with a service context on the CLI's database, to check what the commands did. */
export async function inspectDatabase<T>(db: TestDatabase, fn: (context: Awaited<ReturnType<typeof createContext>>) => Promise<T>): Promise<T> {
  const context = await createContext(testConfig(db));
  try {
    return await fn(context);
  } finally {
    await context.close();
  }
}
