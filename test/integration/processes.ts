/**
 * Real peers for the integration tests: `sidekey serve` as its own process, a small upstream API process,
 * and Debian's nginx on a free loopback port with its own prefix and config (never the system's).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Spawns a process and resolves when a line of its output matches `ready` (whose first group is the URL). */
function spawnUntil(command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 30_000): Promise<RunningProcess> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (!match) return;
      clearTimeout(timer);
      const url = match[1];
      resolve({ url, port: Number(new URL(url).port), child, output: () => output, stop: () => stopProcess(child) });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

/** `sidekey serve` on a free port, on the database that `env` names (DATA_DIR and DATABASE_URL). */
export function startSidekey(env: NodeJS.ProcessEnv, args: string[] = []): Promise<RunningProcess> {
  return spawnUntil(process.execPath, ['bin/sidekey.js', 'serve', '--port', '0', ...args], { LOG_LEVEL: 'warn', ...env }, /listening on (http:\/\/\S+)/);
}

/** The "platform API" behind the gateway or nginx: echoes what reached it (test/integration/upstream.mjs). */
export function startUpstream(): Promise<RunningProcess> {
  return spawnUntil(process.execPath, [join(ROOT, 'test/integration/upstream.mjs')], {}, /upstream listening on (http:\/\/\S+)/);
}

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
export const nginxAvailable = () => existsSync(NGINX_BIN);

export interface RunningNginx {
  url: string;
  prefix: string;
  stop(): Promise<void>;
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
  const child = spawn(NGINX_BIN, ['-p', prefix, '-c', conf, '-e', `${prefix}/logs/error.log`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const started = Date.now();
  while (!(await isListening(port))) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${output}`);
    if (Date.now() - started > 10_000) throw new Error(`nginx did not listen on ${port}:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    prefix,
    async stop() {
      await stopProcess(child, 'SIGQUIT');
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const CADDY_BIN = process.env.CADDY_BIN ?? '/usr/bin/caddy';
export const caddyAvailable = () => existsSync(CADDY_BIN);

export interface RunningCaddy {
  dir: string;
  output: () => string;
  stop(): Promise<void>;
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
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') };
  const child = spawn(CADDY_BIN, ['run', '--config', config, '--adapter', 'caddyfile'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const started = Date.now();
  for (const port of ports) {
    while (!(await isListening(port))) {
      if (child.exitCode !== null) throw new Error(`caddy exited with ${child.exitCode}:\n${output}`);
      if (Date.now() - started > 15_000) {
        await stopProcess(child);
        throw new Error(`caddy did not listen on ${port}:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    dir,
    output: () => output,
    async stop() {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
