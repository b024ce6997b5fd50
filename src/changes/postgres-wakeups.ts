/**
 * PostgreSQL LISTEN as a wake-up for the tailer: the change log's appends queue a NOTIFY that PostgreSQL sends
 * at commit, and this node polls the log at once instead of at its next interval. The log stays the source of
 * truth: a lost notification or a reconnect only means the next poll (or the one this triggers) catches up.
 *
 * The listening connection is a dedicated client (a pooled one would be handed to other queries). Lost (error,
 * end, or a heartbeat that goes unanswered), it is replaced with backoff; nothing is dropped meanwhile.
 */
import pg from 'pg';

/** Names the connection in pg_stat_activity, so operators (and tests) can tell it apart. */
export const LISTENER_APPLICATION_NAME = 'sidekey-listener';

export interface PostgresWakeupsOptions {
  connectionString: string;
  channel: string;
  /** Called on every notification and after every (re)connect. */
  onWake: () => void;
  connectTimeoutMs: number;
  heartbeatMs?: number;
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  onDown?: (error: unknown) => void;
  onUp?: () => void;
}

export class PostgresWakeups {
  private client: pg.Client | undefined;
  private closing = false;
  private linkUp = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private nextDelay: number;

  constructor(private readonly o: PostgresWakeupsOptions) {
    this.nextDelay = o.reconnectDelayMs ?? 20;
  }

  get isListening(): boolean {
    return this.linkUp;
  }

  /** Resolves after the first attempt to listen, successful or not (a failure is retried in the background). */
  async start(): Promise<void> {
    await this.connect().catch((error) => this.lost(this.client, error));
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.o.connectionString,
      keepAlive: true,
      application_name: LISTENER_APPLICATION_NAME,
      connectionTimeoutMillis: this.o.connectTimeoutMs,
      query_timeout: this.o.connectTimeoutMs,
    });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === this.o.channel) this.o.onWake();
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('LISTEN connection ended')));
    await client.connect();
    await client.query(`LISTEN ${this.o.channel}`);
    if (this.client !== client || this.closing) return void client.end().catch(() => {});
    this.nextDelay = this.o.reconnectDelayMs ?? 20;
    this.startHeartbeat(client);
    this.linkUp = true;
    this.o.onUp?.();
    this.o.onWake(); // whatever was committed while not listening
  }

  /** A half-open TCP connection raises no error: a periodic query proves the link is alive. */
  private startHeartbeat(client: pg.Client): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      client.query('select 1').catch((error) => this.lost(client, error));
    }, this.o.heartbeatMs ?? 5_000);
    this.heartbeatTimer.unref();
  }

  private lost(client: pg.Client | undefined, error: unknown): void {
    if (this.closing || !client || this.client !== client) return;
    this.client = undefined;
    clearInterval(this.heartbeatTimer);
    client.removeAllListeners('notification');
    client.removeAllListeners('end');
    client.end().catch(() => {});
    if (this.linkUp) {
      this.linkUp = false;
      this.o.onDown?.(error);
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer) return;
    const delay = this.nextDelay;
    this.nextDelay = Math.min(delay * 2, this.o.maxReconnectDelayMs ?? 5_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((error) => this.lost(this.client, error));
    }, delay);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    const client = this.client;
    this.client = undefined;
    this.linkUp = false;
    if (client) await client.end().catch(() => {});
  }
}
