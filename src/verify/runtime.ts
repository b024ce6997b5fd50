/**
 * Assembles the verification side of a node from the configuration: the usage recorder, the rate-limit store
 * (memory, or Redis when REDIS_URL is set), the verifier subscribed to the ChangeFeed, and the transport that
 * carries changes between nodes (Redis pub/sub when REDIS_URL is set, else PostgreSQL LISTEN/NOTIFY when the
 * store is PostgreSQL, else none: an embedded SQLite store has one node).
 */
import pino from 'pino';
import type { Config } from '../config.js';
import type { Store } from '../store/database.js';
import type { Catalog } from '../domain/catalog.js';
import type { ChangeFeed, ChangeTransport } from '../tokens/changes.js';
import type { TokenCacheOptions } from './cache.js';
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit.js';
import { UsageRecorder } from './usage.js';
import { Verifier } from './verifier.js';
import { newNodeId } from './transports/message.js';
import { PostgresChangeTransport } from './transports/postgres.js';
// The Redis parts are imported only when REDIS_URL is set: ioredis alone adds ~20 MB to every process.
type RedisChangeTransport = import('./transports/redis.js').RedisChangeTransport;

export interface VerificationOptions {
  /** Prefix of every Redis key and channel (default `sidekey:`): give each deployment, and each test run, its own. */
  redisKeyPrefix?: string;
  /** PostgreSQL NOTIFY channel (default `sidekey_changes`). */
  notifyChannel?: string;
  usageFlushIntervalMs?: number;
  cache?: Partial<TokenCacheOptions>;
}

export interface VerificationRuntime {
  verifier: Verifier;
  usage: UsageRecorder;
  rateLimits: RateLimitStore;
  /** The cross-node link, when there is one (tests and /healthz read whether it is up). */
  transport: (ChangeTransport & { isListening: boolean }) | undefined;
  nodeId: string;
  close(): Promise<void>;
}

export async function startVerification(input: {
  config: Config;
  store: Store;
  catalog: Catalog;
  hashKey: Buffer;
  changes: ChangeFeed;
  options?: VerificationOptions;
  now?: () => number;
}): Promise<VerificationRuntime> {
  const { config, store, changes, options = {} } = input;
  const log = pino({ level: config.logLevel, name: 'sidekey.verify' });
  const keyPrefix = options.redisKeyPrefix ?? 'sidekey:';
  const nodeId = newNodeId();

  const usage = new UsageRecorder({ store, flushIntervalMs: options.usageFlushIntervalMs, onError: (err) => log.error({ err }, 'writing usage counters failed; keeping them for the next flush') });
  let rateLimits: RateLimitStore;
  if (config.redisUrl) {
    const { RedisRateLimitStore } = await import('./redis-rate-limit.js');
    const shared = new RedisRateLimitStore({ url: config.redisUrl, keyPrefix, onError: (err) => log.warn({ err }, 'Redis rate-limit store unavailable; counting on this node only') });
    await shared.ready();
    rateLimits = shared;
  } else rateLimits = new MemoryRateLimitStore();
  const verifier = new Verifier({ store, catalog: input.catalog, hashKey: input.hashKey, sidPrefix: config.sidPrefix, changes, rateLimits, usage, cache: options.cache, now: input.now });

  const link = {
    feed: changes,
    nodeId,
    onLinkDown: (err: unknown) => {
      log.warn({ err }, 'change notifications lost: cache dropped, reconnecting');
      verifier.cache.setDegraded(true);
    },
    onLinkUp: () => {
      if (verifier.cache.isDegraded) log.info('change notifications back: cache dropped once more');
      verifier.cache.setDegraded(false);
    },
  };
  let transport: PostgresChangeTransport | RedisChangeTransport | undefined;
  if (config.redisUrl) transport = new (await import('./transports/redis.js')).RedisChangeTransport({ ...link, url: config.redisUrl, keyPrefix });
  else if (store.dialect === 'postgres') transport = new PostgresChangeTransport({ ...link, connectionString: config.databaseUrl!, store, channel: options.notifyChannel });
  if (transport) {
    await transport.start();
    changes.addTransport(transport);
  }
  changes.onTransportError ??= (err) => log.error({ err }, 'sending a change to the other nodes failed; they will catch up within the cache TTL');

  return {
    verifier,
    usage,
    rateLimits,
    transport,
    nodeId,
    async close() {
      verifier.close();
      await transport?.close();
      await usage.close();
      await rateLimits.close();
    },
  };
}
