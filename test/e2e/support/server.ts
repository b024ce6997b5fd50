/**
 * A real Sidekey for browser tests: the CLI creates an account with an administrator and an analyst in a
 * fresh SQLite DATA_DIR, then `sidekey serve` listens on a free port. Everything goes through the public
 * commands a deployment uses, so the test sees exactly what a user would.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from '../../support/processes.js';
import { startSidekey } from '../../support/servers.js';

const run = promisify(execFile);
export { ROOT };
const CLI = join(ROOT, 'bin', 'sidekey.js');

export const E2E_PASSWORD = 'e2e correct horse battery';

export interface E2eServer {
  baseUrl: string;
  /** The one-time first-run link `serve` prints when the database has no account yet (empty servers only). */
  setupLink: string | null;
  accountId: string;
  /** A second account where the administrator is an Implementation Specialist, for the account switcher. */
  secondAccountId: string;
  admin: { email: string; password: string };
  analyst: { email: string; password: string };
  /** Everything the server printed, for diagnosing a failure. */
  output: () => string;
  stop: () => Promise<void>;
}

async function cli(env: NodeJS.ProcessEnv, args: string[]): Promise<any> {
  const { stdout } = await run(process.execPath, [CLI, ...args, '--json'], { cwd: ROOT, env, timeout: 60_000 });
  return JSON.parse(stdout);
}

/**
 * Builds the UI when it is missing or stale, exactly as `npm install` does. Test files run in parallel, and two
 * builds emptying web/dist at once would break each other: a lock directory (mkdir is atomic) lets one build
 * while the others wait for it.
 */
export async function ensureWebBuilt(): Promise<void> {
  const lock = join(ROOT, 'test-results', '.web-build-lock');
  await mkdir(join(ROOT, 'test-results'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${lock} has been held for 3 minutes; remove it if no test run is building the UI.`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    await run(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.mjs'), 'web'], { cwd: ROOT, timeout: 180_000 });
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

export interface ServerOptions {
  /**
   * `'admin-and-analyst'` (the default) prepares an account with those two users; `'none'` leaves the database
   * empty, so the server prints its first-run setup link instead.
   */
  accounts?: 'admin-and-analyst' | 'none';
  /** Names to show instead of the E2E ones, for screenshots that end up in the documentation. */
  /** Gateway mode: proxy the catalog's API paths to this upstream after verification. */
  upstreamUrl?: string;
  /** Settings for this server (e.g. WEBHOOK_ALLOWED_PRIVATE_TARGETS), over the test environment. */
  env?: NodeJS.ProcessEnv;
  /** The port to listen on, when its address must be known first (PUBLIC_URL); unset, any free one. */
  port?: number;
  names?: { account?: string; secondAccount?: string; admin?: { name: string; email: string }; analyst?: { name: string; email: string } };
}

async function startServer(options: ServerOptions = {}): Promise<E2eServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sidekey-e2e-'));
  // Always the embedded SQLite, and no Redis or upstream unless asked: a stray setting must not point a test at a real service.
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: undefined, REDIS_URL: undefined, UPSTREAM_URL: options.upstreamUrl, ...options.env };

  const names = options.names ?? {};
  const admin = { email: names.admin?.email ?? 'admin@e2e.sidekey.test', password: E2E_PASSWORD };
  const analyst = { email: names.analyst?.email ?? 'analyst@e2e.sidekey.test', password: E2E_PASSWORD };
  let accountId = '';
  let secondAccountId = '';
  if (options.accounts !== 'none') {
    ({ accountId } = await cli(env, ['admin', 'create', '--email', admin.email, '--password', admin.password, '--name', names.admin?.name ?? 'Erin Admin', '--account', names.account ?? 'E2E Outdoor']));
    await cli(env, ['user', 'add', '--account', accountId, '--email', analyst.email, '--password', analyst.password, '--role', 'analyst', '--name', names.analyst?.name ?? 'Andy Analyst']);
    ({ accountId: secondAccountId } = await cli(env, ['account', 'create', '--name', names.secondAccount ?? 'E2E Second Brand']));
    await cli(env, ['user', 'add', '--account', secondAccountId, '--email', admin.email, '--password', admin.password, '--role', 'implementation_specialist']);
  }

  const server = await startSidekey(env, options.port ? ['--port', String(options.port)] : [], { deadlineMs: 60_000 });
  return {
    baseUrl: server.url,
    setupLink: /(http:\/\/\S+\/setup\?token=\S+)/.exec(server.output())?.[1] ?? null,
    accountId,
    secondAccountId,
    admin,
    analyst,
    output: server.output,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface PerFileOptions extends ServerOptions {
  /** What the file's tests need on the server before they start (tokens, endpoints, API access), through its API. */
  setUp?: (server: E2eServer) => Promise<void>;
}

/**
 * A Sidekey for the calling test file, built like launchChromiumPerFile: the UI is built if stale and the server
 * started (then `setUp` run) before the file's tests, and stopped after them, also when one failed. The returned
 * object reads through to the running server, so tests use it as an E2eServer. Options that depend on something
 * an earlier hook starts (an upstream, a mail sink) are given as a function, called when this hook runs: hooks
 * run in the order they are registered and are undone in reverse.
 */
export function startServerPerFile(options: PerFileOptions | (() => PerFileOptions | Promise<PerFileOptions>) = {}, hookTimeoutMs = 240_000): E2eServer {
  let running: E2eServer | undefined;
  beforeAll(async () => {
    await ensureWebBuilt();
    const { setUp, ...serverOptions } = typeof options === 'function' ? await options() : options;
    running = await startServer(serverOptions);
    await setUp?.(running);
  }, hookTimeoutMs);
  afterAll(async () => {
    await running?.stop();
  });
  const started = (): E2eServer => {
    if (!running) throw new Error('The server is not running: startServerPerFile() serves only inside its tests and hooks');
    return running;
  };
  return {
    get baseUrl() { return started().baseUrl; },
    get setupLink() { return started().setupLink; },
    get accountId() { return started().accountId; },
    get secondAccountId() { return started().secondAccountId; },
    get admin() { return started().admin; },
    get analyst() { return started().analyst; },
    output: () => started().output(),
    stop: () => started().stop(),
  };
}
