/**
 * Fault injection for the tests: a TCP proxy the test controls (pass, refuse, reset, blackhole) to put between a
 * node and PostgreSQL or Redis; a redis-server the test owns on a free port and may SIGSTOP / SIGCONT; and
 * `pg_terminate_backend` on the test's own database. Everything here is started by the test and stopped by it.
 */
import { type Server, type Socket, createConnection, createServer } from 'node:net';
import pg from 'pg';
import { type OwnedProcess, startProcess } from './processes.js';

export type ProxyMode = 'pass' | 'refuse' | 'reset' | 'blackhole';

interface Link {
  client: Socket;
  upstream: Socket | undefined;
}

/**
 * A TCP proxy on 127.0.0.1:port to `target`.
 *   pass       forwards both ways (connections held during a blackhole are connected and resumed)
 *   refuse     nothing listens: new connections are refused; open ones are closed (FIN)
 *   reset      open and new connections are reset (RST)
 *   blackhole  nothing flows either way and nothing is answered, as in a network partition; TCP holds the data,
 *              which flows again once the mode is back to pass
 */
export class FaultProxy {
  private mode: ProxyMode = 'pass';
  private readonly links = new Set<Link>();
  private server: Server | undefined;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    public port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const proxy = new FaultProxy(target.host, target.port, 0);
    await proxy.listen();
    return proxy;
  }

  /** `url` with its host and port replaced by this proxy's. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get connections(): number {
    return this.links.size;
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    const link: Link = { client, upstream: undefined };
    this.links.add(link);
    client.on('error', () => {});
    client.on('close', () => {
      this.links.delete(link);
      link.upstream?.destroy();
    });
    if (this.mode === 'reset') return void client.resetAndDestroy();
    if (this.mode === 'blackhole') return void client.pause();
    this.connectUpstream(link);
  }

  private connectUpstream(link: Link): void {
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    link.upstream = upstream;
    upstream.on('error', () => link.client.destroy());
    upstream.on('close', () => link.client.destroy());
    link.client.pipe(upstream);
    upstream.pipe(link.client);
    link.client.resume();
  }

  async set(mode: ProxyMode): Promise<void> {
    const previous = this.mode;
    this.mode = mode;
    if (mode === 'refuse' && this.server) {
      const server = this.server;
      this.server = undefined;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const link of this.links) {
        link.client.end();
        link.upstream?.end();
      }
      await closed;
    }
    if (mode !== 'refuse' && !this.server) await this.listen();
    if (mode === 'reset') {
      for (const link of this.links) {
        link.upstream?.resetAndDestroy();
        link.client.resetAndDestroy();
      }
    }
    if (mode === 'blackhole') {
      for (const link of this.links) {
        link.client.pause();
        link.upstream?.pause();
      }
    }
    if (mode === 'pass' && previous === 'blackhole') {
      for (const link of this.links) {
        if (link.upstream) {
          link.client.resume();
          link.upstream.resume();
        } else this.connectUpstream(link);
      }
    }
  }

  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export interface OwnedRedis extends OwnedProcess {
  port: number;
  url: string;
  /** SIGSTOP: the process holds its connections open and answers nothing, as a hung Redis does. */
  pause(): void;
  resume(): void;
}

/** A redis-server of the test's own on `port` (a free one by default), with persistence off; `stop()` kills it outright. */
export async function startRedisServer(port?: number): Promise<OwnedRedis> {
  const listenOn = port ?? (await freeLoopbackPort());
  const redis = await startProcess({
    name: 'redis-server',
    command: 'redis-server',
    args: ['--port', String(listenOn), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    ready: { log: /Ready to accept connections/i },
    deadlineMs: 10_000,
    stopSignal: 'SIGKILL',
  });
  return Object.assign(redis, {
    port: listenOn,
    url: `redis://127.0.0.1:${listenOn}`,
    pause: () => redis.signal('SIGSTOP'),
    resume: () => redis.signal('SIGCONT'),
  });
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Terminates every backend connected to the database of `databaseUrl` except this call's own; returns how many. */
export async function terminateBackends(databaseUrl: string, where: { applicationName?: string } = {}): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query(
      `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and ($1::text is null or application_name = $1)`,
      [where.applicationName ?? null],
    );
    return rows[0].n;
  } finally {
    await client.end();
  }
}

/**
 * Polls `probe` until it reports a refusal, for at most `deadlineMs`; returns when it first refused, and fails if
 * the probe was still accepted past the deadline. "Refused within the bound" is a behavioural contract.
 */
export async function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, deadlineMs: number, label: string): Promise<{ value: T; afterMs: number }> {
  const started = performance.now();
  for (;;) {
    const value = await probe();
    const afterMs = performance.now() - started;
    if (done(value)) return { value, afterMs };
    if (afterMs > deadlineMs) throw new Error(`${label}: still ${JSON.stringify(value)} after ${Math.round(afterMs)} ms (deadline ${deadlineMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
