/**
 * Driving real `sidekey serve` processes over HTTP: sign in, call the management API (timing each call), ask
 * /v1/verify, and run the CLI as its own process on the same database.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ROOT } from './processes.js';
import { TEST_PASSWORD } from './brands.js';

export interface NodeSession {
  url: string;
  cookie: string;
  csrf: string;
}

/** The environment every process of one test shares: its database, and fixed keys (no key-file race at start). */
export function sharedEnvironment(db: { dataDir: string; databaseUrl?: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    DATA_DIR: db.dataDir,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    SIDEKEY_MASTER_KEY: randomBytes(32).toString('base64'),
    SIDEKEY_HASH_KEY: randomBytes(32).toString('base64'),
    ...extra,
  };
}

export async function signIn(url: string, email: string): Promise<NodeSession> {
  const response = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: TEST_PASSWORD }) });
  if (response.status !== 200) throw new Error(`sign-in on ${url} failed: ${response.status} ${await response.text()}`);
  return { url, cookie: response.headers.get('set-cookie')!.split(';')[0], csrf: (await response.json()).csrfToken };
}

export interface Managed {
  status: number;
  body: any;
  ms: number;
}

/** One management call; never throws for an HTTP status, and gives up (status 0) after `timeoutMs`. */
export async function manage(session: NodeSession, method: 'POST' | 'PATCH' | 'DELETE' | 'GET', path: string, body?: unknown, timeoutMs = 30_000): Promise<Managed> {
  const started = performance.now();
  try {
    const response = await fetch(`${session.url}/api/v1${path}`, {
      method,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, ms: performance.now() - started };
  } catch {
    return { status: 0, body: undefined, ms: performance.now() - started };
  }
}

export interface VerifyOutcome {
  /** The HTTP status of the verdict (200 allowed, 401, 403, 503…), or 0 when the node did not answer. */
  status: number;
  code: string;
}

/** Asks a node whether the credentials may call the token's endpoint (POST /v1/verify). */
export async function verifyOn(url: string, accountSid: string, authToken: string, timeoutMs = 5_000): Promise<VerifyOutcome> {
  try {
    const response = await fetch(`${url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountSid, authToken, method: 'GET', path: `/Advertisers/${accountSid}/Actions` }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.json();
    return { status: body.status ?? response.status, code: body.code ?? body.Code };
  } catch {
    return { status: 0, code: 'NO_ANSWER' };
  }
}

export const accepted = (outcome: VerifyOutcome) => outcome.status === 200;

export async function readiness(url: string): Promise<{ status: number; body: any }> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.json() };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** `sidekey <args>` as its own process on `env`'s database; resolves with its exit code and output. */
export function runCli(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/sidekey.js', ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
