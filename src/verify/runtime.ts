/**
 * Assembles the verification side of a node from the configuration: the usage recorder, the rate-limit store
 * (memory, or Redis when REDIS_URL is set), this node's freshness and the tailer that keeps it (polling the
 * change log; woken early by PostgreSQL NOTIFY on PostgreSQL and by Redis pub/sub when REDIS_URL is set), and
 * the verifier subscribed to the ChangeFeed. Nothing here waits for Redis: a node starts, and serves, without it.
 */
import pino from 'pino';
import { sql } from 'kysely';
import type { Config } from '../config.js';
import type { Store } from '../store/database.js';
import type { Catalog } from '../domain/catalog.js';
import { randomOpaqueId } from '../domain/credentials.js';
import type { ChangeFeed } from '../changes/feed.js';
import { Freshness } from '../changes/freshness.js';
import type { ChangeLog } from '../changes/log.js';
import { ChangeTailer } from '../changes/tailer.js';
import { PostgresWakeups } from '../changes/postgres-wakeups.js';
import type { TokenCacheOptions } from './cache.js';
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit.js';
import { UsageRecorder } from './usage.js';
import { type CanaryReporter, Verifier } from './verifier.js';
// The Redis parts are imported only when REDIS_URL is set: ioredis alone adds ~20 MB to every process.
type RedisRateLimitStore = import('./redis-rate-limit.js').RedisRateLimitStore;
type RedisWakeups = import('../changes/redis-wakeups.js').RedisWakeups;

/** Idle poll intervals of the tailer: SQLite's poll is a PRAGMA on the open file, PostgreSQL's a query. */
const POLL_INTERVAL_MS = { sqlite: 50, postgres: 250 } as const;
/** How long a verification waits for a token read before it answers VERIFIER_UNAVAILABLE. */
const READ_DEADLINE_MS = 500;
/** How long start-up waits for Redis before it goes on counting rate limits locally. */
const REDIS_START_WAIT_MS = 1_000;
const REDIS_COMMAND_TIMEOUT_MS = 250;

export interface VerificationOptions {
  /** Prefix of every Redis key and channel (default `sidekey:`): give each deployment, and each test run, its own. */
  redisKeyPrefix?: string;
  usageFlushIntervalMs?: number;
  cache?: Partial<TokenCacheOptions>;
  /** The tailer's idle poll interval (default 50 ms on SQLite, 250 ms on PostgreSQL). */
  pollIntervalMs?: number;
}

/** What /readyz reports. */
export interface Readiness {
  ready: boolean;
  database: { dialect: Store['dialect']; reachable: boolean; latencyMs: number; deadlineMs: number };
  changeFeed: { lagMs: number; boundMs: number; fresh: boolean; sequence: number };
  /** Parts that may be down without making the node wrong (each only when configured): true = degraded. */
  degraded: { redisRateLimits?: boolean; redisNotifications?: boolean; postgresNotifications?: boolean };
}

/** The optional connections, each only when configured: true = up. Read synchronously (readiness, metrics). */
interface ConnectionHealth {
  redisRateLimits?: boolean;
  redisNotifications?: boolean;
  postgresNotifications?: boolean;
}

export interface VerificationRuntime {
  verifier: Verifier;
  usage: UsageRecorder;
  rateLimits: RateLimitStore;
  freshness: Freshness;
  tailer: ChangeTailer;
  nodeId: string;
  readiness(): Promise<Readiness>;
  connections(): ConnectionHealth;
  close(): Promise<void>;
}

/** The part of the configuration verification reads. */
export type VerificationConfig = Pick<Config, 'logLevel' | 'usageFlushIntervalMs' | 'tokenCacheEntries' | 'redisUrl' | 'maxStalenessMs' | 'sidPrefix' | 'databaseUrl'>;

export async function startVerification(input: {
  config: VerificationConfig;
  store: Store;
  catalog: Catalog;
  hashKey: Buffer;
  changes: ChangeFeed;
  changeLog: ChangeLog;
  /** Where the verifier hands uses of canary tokens (the lifecycle's canary alarm). */
  canaries?: CanaryReporter;
  options?: VerificationOptions;
  now?: () => number;
}): Promise<VerificationRuntime> {
  const { config, store, changes, changeLog, options = {} } = input;
  const now = input.now ?? Date.now;
  const log = pino({ level: config.logLevel, name: 'sidekey.verify' });
  const keyPrefix = options.redisKeyPrefix ?? 'sidekey:';
  const nodeId = randomOpaqueId(9);

  const usage = new UsageRecorder({
    store,
    flushIntervalMs: options.usageFlushIntervalMs ?? config.usageFlushIntervalMs,
    onError: (err) => log.error({ err }, 'writing usage counters failed; keeping them for the next flush'),
  });
  let redisRateLimits: RedisRateLimitStore | undefined;
  if (config.redisUrl) {
    const { RedisRateLimitStore } = await import('./redis-rate-limit.js');
    redisRateLimits = new RedisRateLimitStore({ url: config.redisUrl, keyPrefix, commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS, onError: (err) => log.warn({ err }, 'Redis rate-limit store unavailable; counting on this node only') });
    if (!(await redisRateLimits.ready(REDIS_START_WAIT_MS))) log.warn('Redis did not answer at start-up: starting degraded, counting rate limits on this node until it does');
  }
  const rateLimits: RateLimitStore = redisRateLimits ?? new MemoryRateLimitStore();

  const freshness = new Freshness(config.maxStalenessMs);
  const tailer = new ChangeTailer({
    store,
    log: changeLog,
    feed: changes,
    freshness,
    now,
    pollIntervalMs: options.pollIntervalMs ?? POLL_INTERVAL_MS[store.dialect],
    onError: (err) => log.warn({ err }, 'cannot read the change log; past the staleness bound this node reads each token or answers 503'),
    onRecovered: () => log.info('reading the change log again'),
  });
  await tailer.start();
  const verifier = new Verifier({
    store,
    catalog: input.catalog,
    hashKey: input.hashKey,
    sidPrefix: config.sidPrefix,
    changes,
    freshness,
    readDeadlineMs: Math.min(READ_DEADLINE_MS, store.timeoutMs),
    rateLimits,
    usage,
    canaries: input.canaries,
    cache: { maxEntries: config.tokenCacheEntries, ...options.cache },
    now,
  });

  let postgresWakeups: PostgresWakeups | undefined;
  if (store.dialect === 'postgres') {
    postgresWakeups = new PostgresWakeups({
      connectionString: config.databaseUrl!,
      channel: changeLog.channel,
      onWake: () => tailer.wake(),
      connectTimeoutMs: store.timeoutMs,
      onDown: (err) => log.warn({ err }, 'LISTEN connection lost: reading the change log on its interval until it is back'),
      onUp: () => log.info('listening for change notifications'),
    });
    await postgresWakeups.start();
  }
  let redisWakeups: RedisWakeups | undefined;
  if (config.redisUrl) {
    const { RedisWakeups } = await import('../changes/redis-wakeups.js');
    redisWakeups = new RedisWakeups({
      url: config.redisUrl,
      keyPrefix,
      nodeId,
      onWake: () => tailer.wake(),
      commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS,
      onDown: (err) => log.warn({ err }, 'Redis does not answer: change wake-ups go through the database only'),
      onUp: () => log.info('Redis answers: change wake-ups through Redis'),
    });
    redisWakeups.start();
    changes.addAnnouncer(redisWakeups);
  }

  const connections = (): ConnectionHealth => ({
    ...(redisRateLimits ? { redisRateLimits: redisRateLimits.healthy } : {}),
    ...(redisWakeups ? { redisNotifications: redisWakeups.healthy } : {}),
    ...(postgresWakeups ? { postgresNotifications: postgresWakeups.isListening } : {}),
  });

  return {
    verifier,
    usage,
    connections,
    rateLimits,
    freshness,
    tailer,
    nodeId,
    async readiness(): Promise<Readiness> {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const reachable = await Promise.race([
        sql`select 1`.execute(store.db).then(() => true, () => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), store.timeoutMs))),
      ]);
      clearTimeout(timer);
      const lagMs = Math.max(0, Math.round(freshness.lagMs(now())));
      const fresh = lagMs <= freshness.boundMs;
      const degraded = Object.fromEntries(Object.entries(connections()).map(([name, up]) => [name, !up])) as Readiness['degraded'];
      return {
        ready: reachable && fresh,
        database: { dialect: store.dialect, reachable, latencyMs: Math.round(performance.now() - started), deadlineMs: store.timeoutMs },
        changeFeed: { lagMs, boundMs: freshness.boundMs, fresh, sequence: tailer.sequence },
        degraded,
      };
    },
    async close() {
      tailer.close();
      verifier.close();
      redisWakeups?.close();
      await postgresWakeups?.close();
      await usage.close();
      await rateLimits.close();
    },
  };
}
