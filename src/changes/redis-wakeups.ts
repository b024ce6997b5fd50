/**
 * Redis pub/sub as a wake-up between nodes, when REDIS_URL is set: after a mutation commits, this node
 * publishes its id on `${keyPrefix}changes` without waiting; the others poll the change log at once. Redis is
 * never the only path: a node that misses a message still reads the change at its next poll.
 *
 * Neither connection may hold anything up. The publisher has no offline queue and a command timeout (a publish
 * to a stopped or hung Redis fails at once or within the timeout, and nobody waits for it). A periodic PING on
 * it tells whether Redis answers; ioredis reconnects and re-subscribes by itself.
 */
import { Redis } from 'ioredis';
import type { ChangeAnnouncer } from './feed.js';

export interface RedisWakeupsOptions {
  url: string;
  /** The channel is `${keyPrefix}changes`, so deployments (and test runs) sharing a Redis stay apart. */
  keyPrefix: string;
  nodeId: string;
  onWake: () => void;
  commandTimeoutMs: number;
  heartbeatMs?: number;
  /** Redis stopped answering (reported once per outage), and answered again. */
  onDown?: (error: unknown) => void;
  onUp?: () => void;
}

export class RedisWakeups implements ChangeAnnouncer {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly heartbeat: NodeJS.Timeout;
  private answering = false;
  private closing = false;

  constructor(private readonly o: RedisWakeupsOptions) {
    this.channel = `${o.keyPrefix}changes`;
    const common = {
      connectTimeout: o.commandTimeoutMs * 4,
      retryStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, 2_000),
    };
    this.publisher = new Redis(o.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: o.commandTimeoutMs });
    // The subscription waits in ioredis's queue for as long as Redis is away, then subscribes.
    this.subscriber = new Redis(o.url, { ...common, maxRetriesPerRequest: null, connectionName: `${o.keyPrefix}subscriber` });
    this.publisher.on('error', (error) => this.down(error));
    this.subscriber.on('error', (error) => this.down(error));
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel && payload !== o.nodeId) o.onWake();
    });
    this.subscriber.on('ready', () => o.onWake()); // anything published while this node was not subscribed
    this.heartbeat = setInterval(() => this.ping(), o.heartbeatMs ?? 1_000);
    this.heartbeat.unref();
  }

  /** Both connections up and Redis answering. */
  get healthy(): boolean {
    return this.answering && this.subscriber.status === 'ready';
  }

  /** Subscribes in the background: start-up never waits for Redis. */
  start(): void {
    this.subscriber.subscribe(this.channel).catch((error) => this.down(error));
    this.ping();
  }

  announce(): void {
    this.publisher.publish(this.channel, this.o.nodeId).catch((error) => this.down(error));
  }

  private ping(): void {
    this.publisher.ping().then(
      () => this.up(),
      (error) => this.down(error),
    );
  }

  private up(): void {
    if (this.answering || this.closing) return;
    this.answering = true;
    this.o.onUp?.();
  }

  private down(error: unknown): void {
    if (!this.answering || this.closing) return;
    this.answering = false;
    this.o.onDown?.(error);
  }

  close(): void {
    this.closing = true;
    clearInterval(this.heartbeat);
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
