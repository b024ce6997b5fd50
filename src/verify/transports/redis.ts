/**
 * Cross-node invalidation over Redis pub/sub (used instead of PostgreSQL NOTIFY when REDIS_URL is set).
 * ioredis reconnects and re-subscribes by itself; while the subscriber is down the node drops its whole cache
 * (ChangeFeed {kind:'all'}) and drops it again once subscribed, because messages sent meanwhile are lost.
 */
import { Redis } from 'ioredis';
import type { Change, ChangeFeed, ChangeTransport } from '../../tokens/changes.js';
import { type LinkEvents, decodeChange, encodeChange } from './message.js';

export interface RedisTransportOptions extends LinkEvents {
  url: string;
  feed: ChangeFeed;
  nodeId: string;
  /** The channel is `${keyPrefix}changes`, so deployments (and test runs) sharing a Redis stay apart. */
  keyPrefix: string;
}

export class RedisChangeTransport implements ChangeTransport {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private linkUp = false;
  private started = false;
  private closing = false;

  constructor(private readonly o: RedisTransportOptions) {
    this.channel = `${o.keyPrefix}changes`;
    const options = { maxRetriesPerRequest: 2, retryStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, 5_000) };
    this.publisher = new Redis(o.url, options);
    // Re-subscribing is done here rather than by ioredis, so the link counts as up only once SUBSCRIBE is confirmed.
    this.subscriber = new Redis(o.url, { ...options, autoResubscribe: false, connectionName: `${o.keyPrefix}subscriber` });
    this.publisher.on('error', () => {}); // reported through send()'s rejection
    this.subscriber.on('error', () => {}); // followed by 'close', handled below
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel !== this.channel) return;
      const change = decodeChange(payload, o.nodeId);
      if (change) o.feed.deliverLocally(change);
    });
    this.subscriber.on('close', () => this.down(new Error('Redis subscriber connection closed')));
    this.subscriber.on('ready', () => {
      if (!this.started) return;
      this.subscriber.subscribe(this.channel).then(
        () => this.up(),
        () => this.subscriber.disconnect(true), // try the whole connection again
      );
    });
  }

  get isListening(): boolean {
    return this.linkUp;
  }

  /** Resolves once subscribed. */
  async start(): Promise<void> {
    await this.subscriber.subscribe(this.channel);
    this.started = true;
    this.up();
  }

  async send(change: Change): Promise<void> {
    await this.publisher.publish(this.channel, encodeChange(this.o.nodeId, change));
  }

  private down(error: unknown): void {
    if (this.closing || !this.linkUp) return;
    this.linkUp = false;
    this.o.onLinkDown?.(error);
    this.o.feed.deliverLocally({ kind: 'all' });
  }

  private up(): void {
    if (this.closing || this.linkUp || this.subscriber.status !== 'ready') return;
    this.linkUp = true;
    this.o.onLinkUp?.();
    this.o.feed.deliverLocally({ kind: 'all' });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.linkUp = false;
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
