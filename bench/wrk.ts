/**
 * Load from Debian's wrk: a C load generator, so the bench measures the server and not a Node client competing
 * with it for the machine's cores. One request shape per run, set by bench/wrk/request.lua from the environment;
 * its done() prints the run's totals and latency percentiles as one JSON line, parsed here.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NGINX_BIN } from '../test/support/servers.js';

const WRK_BIN = process.env.WRK_BIN ?? '/usr/bin/wrk';
const SCRIPT = fileURLToPath(new URL('./wrk/request.lua', import.meta.url));
const run = promisify(execFile);

export interface WrkRequest {
  method?: string;
  /** The request target, e.g. `/v1/auth`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface WrkRun {
  /** The server's origin, e.g. `http://127.0.0.1:4100`. */
  origin: string;
  request: WrkRequest;
  durationSeconds: number;
  connections: number;
  threads?: number;
  /** Each connection waits this long after an answer before its next request (pacing to a fixed rate). */
  delayMs?: number;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Answers with a status of 400 or more: what wrk counts without a Lua callback on every answer. */
  statusErrors: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  latencyMs: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
}

const MARKER = 'WRK_RESULT ';

/** The result line request.lua's done() printed, from wrk's whole output. */
export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout.split('\n').find((l) => l.startsWith(MARKER));
  if (!line) throw new Error(`wrk printed no ${MARKER.trim()} line:\n${stdout}`);
  const raw = JSON.parse(line.slice(MARKER.length)) as {
    durationUs: number;
    requests: number;
    errors: WrkResult['socketErrors'];
    statusErrors: number;
    latencyUs: Record<keyof WrkResult['latencyMs'], number>;
  };
  const seconds = raw.durationUs / 1e6;
  const ms = (us: number) => us / 1000;
  const l = raw.latencyUs;
  return {
    requests: raw.requests,
    seconds,
    requestsPerSecond: raw.requests / seconds,
    statusErrors: raw.statusErrors,
    socketErrors: raw.errors,
    latencyMs: { mean: ms(l.mean), p50: ms(l.p50), p90: ms(l.p90), p99: ms(l.p99), p999: ms(l.p999), max: ms(l.max) },
  };
}

/**
 * Runs wrk to completion. A run with a refused answer measured something else, and throws; so does one that lost
 * more than 1 % of its requests to socket errors (on a shared machine an answer can miss even a 10 s deadline).
 */
export async function runWrk(o: WrkRun): Promise<WrkResult> {
  const args = ['-t', String(o.threads ?? 1), '-c', String(o.connections), '-d', `${o.durationSeconds}s`, '--timeout', '10s', '-s', SCRIPT, o.origin];
  const env = {
    PATH: process.env.PATH,
    WRK_METHOD: o.request.method ?? 'GET',
    WRK_PATH: o.request.path,
    WRK_HEADERS: Object.entries(o.request.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
    ...(o.request.body === undefined ? {} : { WRK_BODY: o.request.body }),
    ...(o.delayMs === undefined ? {} : { WRK_DELAY_MS: String(o.delayMs) }),
  };
  const { stdout } = await run(WRK_BIN, args, { env, timeout: (o.durationSeconds + 30) * 1000 });
  const result = parseWrkOutput(stdout);
  const lost = Object.values(result.socketErrors).reduce((a, b) => a + b, 0);
  if (result.statusErrors > 0 || lost > result.requests / 100) {
    throw new Error(`wrk ${o.request.method ?? 'GET'} ${o.origin}${o.request.path}: ${result.statusErrors} answers ≥ 400 and ${lost} socket errors in ${result.requests} requests`);
  }
  return result;
}

/**
 * wrk and nginx from Debian, installed when missing (the bench runs as root on these machines, as CI does);
 * anywhere else it says what to install.
 */
export function ensureLoadTools(log: (line: string) => void): void {
  const missing = [existsSync(WRK_BIN) ? undefined : 'wrk', existsSync(NGINX_BIN) ? undefined : 'nginx'].filter((p) => p !== undefined);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`the bench needs ${missing.join(' and ')}: apt-get install -y ${missing.join(' ')}`);
  log(`installing ${missing.join(' and ')} from Debian (apt-get install -y ${missing.join(' ')})`);
  const install = () => execFileSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    install();
  }
}
