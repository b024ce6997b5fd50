/**
 * Real peers as their own processes (see processes.ts): `sidekey serve`, the fixture upstream API, and
 * Debian's nginx and Caddy, each on a loopback port with its own prefix and config (never the system's).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OwnedProcess, ROOT, startProcess } from './processes.js';

export { ROOT };

export interface RunningServer extends OwnedProcess {
  url: string;
  port: number;
}

/** A program that prints the URL it listens on; ready once a line matches `listening` (whose first group is the URL). */
async function startListening(name: string, args: string[], env: NodeJS.ProcessEnv, listening: RegExp, deadlineMs?: number): Promise<RunningServer> {
  const owned = await startProcess({ name, command: process.execPath, args, env: { ...process.env, ...env }, ready: { log: listening }, deadlineMs });
  const url = owned.ready![1];
  return Object.assign(owned, { url, port: Number(new URL(url).port) });
}

/**
 * `sidekey serve` on a free port, on the database that `env` names (DATA_DIR and DATABASE_URL). `env` is set
 * over this process's environment; a key set to undefined is removed.
 */
export function startSidekey(env: NodeJS.ProcessEnv, args: string[] = [], options: { deadlineMs?: number } = {}): Promise<RunningServer> {
  return startListening('sidekey serve', ['bin/sidekey.js', 'serve', '--port', '0', ...args], { LOG_LEVEL: 'warn', ...env }, /listening on (http:\/\/\S+)/, options.deadlineMs);
}

/** The "platform API" behind the gateway or nginx: echoes what reached it (test/integration/upstream.mjs). */
export function startUpstream(): Promise<RunningServer> {
  return startListening('upstream', [join(ROOT, 'test/integration/upstream.mjs')], {}, /upstream listening on (http:\/\/\S+)/);
}

/** bench/servers/trivial.mjs: bare node:http, the ceiling of any Node server and the benchmark's trivial upstream. */
export function startTrivialServer(): Promise<RunningServer> {
  return startListening('trivial server', [join(ROOT, 'bench/servers/trivial.mjs')], {}, /listening on (http:\/\/\S+)/);
}

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
export const nginxAvailable = () => existsSync(NGINX_BIN);

export interface RunningNginx extends OwnedProcess {
  url: string;
  prefix: string;
}

/** nginx in the foreground with its own prefix, pid, logs and temp paths; `http` is the body of its http block. */
export async function startNginx(port: number, http: (prefix: string) => string): Promise<RunningNginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'sidekey-nginx-'));
  for (const dir of ['logs', 'tmp']) mkdirSync(join(prefix, dir));
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
${http(prefix)}
}
`,
  );
  // -e: the error log before the config is read (else nginx opens the system's /var/log/nginx/error.log).
  const nginx = await startProcess({
    name: 'nginx',
    command: NGINX_BIN,
    args: ['-p', prefix, '-c', conf, '-e', `${prefix}/logs/error.log`],
    ready: { ports: [port] },
    deadlineMs: 10_000,
    stopSignal: 'SIGQUIT',
  }).catch((error) => {
    rmSync(prefix, { recursive: true, force: true });
    throw error;
  });
  return withCleanup(nginx, prefix, { url: `http://127.0.0.1:${port}`, prefix });
}

export const CADDY_BIN = process.env.CADDY_BIN ?? '/usr/bin/caddy';
export const caddyAvailable = () => existsSync(CADDY_BIN);

export interface RunningCaddy extends OwnedProcess {
  dir: string;
}

/**
 * Caddy in the foreground with the Caddyfile `caddyfile(dir)` returns, its own config, data and home
 * directories (never the system's), ready once every port in `ports` listens. The Caddyfile should turn
 * the admin API off (`admin off`) and automatic HTTPS off.
 */
export async function startCaddy(ports: number[], caddyfile: (dir: string) => string): Promise<RunningCaddy> {
  const dir = mkdtempSync(join(tmpdir(), 'sidekey-caddy-'));
  const config = join(dir, 'Caddyfile');
  writeFileSync(config, caddyfile(dir));
  const caddy = await startProcess({
    name: 'caddy',
    command: CADDY_BIN,
    args: ['run', '--config', config, '--adapter', 'caddyfile'],
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') },
    ready: { ports },
    deadlineMs: 15_000,
  }).catch((error) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return withCleanup(caddy, dir, { dir });
}

/** `owned` with `extra`, whose stop also removes `dir` once the process has exited. */
function withCleanup<T extends object>(owned: OwnedProcess, dir: string, extra: T): OwnedProcess & T {
  const stop = owned.stop;
  return Object.assign(owned, extra, {
    async stop(signal?: NodeJS.Signals, graceMs?: number) {
      await stop(signal, graceMs);
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
