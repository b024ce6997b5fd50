/** The baselines in bench/servers/ as child processes, started and stopped like every other (test/support/processes.ts). */
import { fileURLToPath } from 'node:url';
import { startProcess } from '../../test/support/processes.js';
import type { RunningServer } from '../../test/support/servers.js';

/** `file` (in bench/servers/) with `env` over this process's environment; ready once it prints the URL it listens on. */
export async function startBaseline(file: 'fastify.mjs' | 'proxy.mjs' | 'answer-floor.mjs', env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const owned = await startProcess({
    name: file,
    command: process.execPath,
    args: [fileURLToPath(new URL(file, import.meta.url))],
    env: { ...process.env, ...env },
    ready: { log: /listening on (http:\/\/\S+)/ },
  });
  const url = owned.ready![1];
  return Object.assign(owned, { url, port: Number(new URL(url).port) });
}
