/**
 * Cross-node invalidation over PostgreSQL: every node LISTENs on one channel on a dedicated connection (a
 * pooled one would be handed to other queries); changes are sent with pg_notify through the store's pool.
 *
 * If the listening connection is lost (error, end, or a heartbeat that goes unanswered) the node cannot know
 * what it missed: it drops its whole cache (ChangeFeed {kind:'all'}), keeps new entries only briefly while
 * down, reconnects with backoff, and drops everything once more when it is listening again.
 */
import pg from 'pg';
import { sql } from 'kysely';
import type { Store } from '../../store/database.js';
import type { Change, ChangeFeed, ChangeTransport } from '../../tokens/changes.js';
import { type LinkEvents, decodeChange, encodeChange } from './message.js';

export const DEFAULT_CHANNEL = 'sidekey_changes';
/** Names the connection in pg_stat_activity, so operators (and tests) can tell it apart. */
export const LISTENER_APPLICATION_NAME = 'sidekey-listener';

export interface PostgresTransportOptions extends LinkEvents {
  connectionString: string;
  store: Store;
  feed: ChangeFeed;
  nodeId: string;
  channel?: string;
  heartbeatMs?: number;
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

export class PostgresChangeTransport implements ChangeTransport {
  private client: pg.Client | undefined;
  private closing = false;
  private linkUp = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private nextDelay: number;
  private readonly channel: string;

  constructor(private readonly o: PostgresTransportOptions) {
    this.channel = o.channel ?? DEFAULT_CHANNEL;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.channel)) throw new Error(`invalid LISTEN channel name "${this.channel}"`);
    this.nextDelay = o.reconnectDelayMs ?? 100;
  }

  get isListening(): boolean {
    return this.linkUp;
  }

  /** Resolves once LISTEN is active, so changes made after start-up are never missed. */
  async start(): Promise<void> {
    await this.connect();
  }

  async send(change: Change): Promise<void> {
    await sql`select pg_notify(${this.channel}, ${encodeChange(this.o.nodeId, change)})`.execute(this.o.store.db);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.connectionString, keepAlive: true, application_name: LISTENER_APPLICATION_NAME });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel !== this.channel) return;
      const change = decodeChange(message.payload, this.o.nodeId);
      if (change) this.o.feed.deliverLocally(change);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('LISTEN connection ended')));
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    if (this.client !== client || this.closing) return void client.end().catch(() => {});
    this.nextDelay = this.o.reconnectDelayMs ?? 100;
    this.startHeartbeat(client);
    const wasDown = !this.linkUp;
    this.linkUp = true;
    if (wasDown) this.o.onLinkUp?.();
  }

  /** A half-open TCP connection raises no error: a periodic query proves the link is alive. */
  private startHeartbeat(client: pg.Client): void {
    clearInterval(this.heartbeatTimer);
    const every = this.o.heartbeatMs ?? 10_000;
    this.heartbeatTimer = setInterval(() => {
      const timeout = setTimeout(() => this.lost(client, new Error('LISTEN connection heartbeat timed out')), every);
      client.query('select 1').then(
        () => clearTimeout(timeout),
        (error) => {
          clearTimeout(timeout);
          this.lost(client, error);
        },
      );
    }, every);
    this.heartbeatTimer.unref();
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.closing || this.client !== client) return;
    this.client = undefined;
    clearInterval(this.heartbeatTimer);
    client.removeAllListeners('notification');
    client.on('error', () => {}); // the dead client may still emit; nobody is listening any more
    client.end().catch(() => {});
    if (this.linkUp) {
      this.linkUp = false;
      this.o.onLinkDown?.(error);
    }
    this.o.feed.deliverLocally({ kind: 'all' });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer) return;
    const delay = this.nextDelay;
    this.nextDelay = Math.min(delay * 2, this.o.maxReconnectDelayMs ?? 5_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect()
        .then(() => this.o.feed.deliverLocally({ kind: 'all' }))
        .catch((error) => {
          const client = this.client;
          if (client) this.lost(client, error);
          else this.scheduleReconnect();
        });
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
