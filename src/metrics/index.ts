/**
 * The node's Prometheus metrics (GET /metrics, README "Metrics"): the only module that knows prom-client.
 *
 * Two kinds of numbers:
 * - counted as they happen, through what is handed out here: verification answers per entrance and code, with
 *   their latency, in plain numbers (the hot path adds to an array; a prom-client child would hash its labels on
 *   every call), and management requests per route template and status;
 * - read at scrape time from what the services already keep (cache sizes and lookups, the change feed's lag,
 *   the usage recorder, the database pool, the optional connections), so they cost nothing between scrapes.
 *
 * Each app has its own registry: several apps in one process (the tests) never mix their numbers.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Freshness } from '../changes/freshness.js';
import type { ChangeTailer } from '../changes/tailer.js';
import { andThen } from '../domain/now-or-later.js';
import { VERIFICATION_CODES } from '../domain/verification-answers.js';
import type { Store } from '../store/database.js';
import type { UsageRecorder } from '../verify/usage.js';
import type { VerificationRuntime } from '../verify/runtime.js';
import type { VerificationResult, Verifier } from '../verify/verifier.js';

/** Where a verification came in: GET /v1/auth (forward auth), POST /v1/verify, or the built-in gateway. */
type Entrance = 'auth' | 'verify' | 'gateway';
const ENTRANCES: readonly Entrance[] = ['auth', 'verify', 'gateway'];

/** Latency buckets, in seconds: a cache hit answers in microseconds, a database read within its deadline. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** What the scrape-time gauges read. */
export interface MetricSources {
  verifier: Pick<Verifier, 'cache' | 'cacheLookups'>;
  freshness: Pick<Freshness, 'confirmedAt' | 'boundMs'>;
  tailer: Pick<ChangeTailer, 'sequence'>;
  usage: Pick<UsageRecorder, 'pending' | 'lastFlushedAt' | 'failedFlushes'>;
  connections: VerificationRuntime['connections'];
  store: Pick<Store, 'dialect' | 'poolState'>;
  now?: () => number;
}

type VerifyFunction = Pick<Verifier, 'verify'>;

export interface Metrics {
  /** `verifier` with each answer counted by code and timed, for one entrance. */
  instrument(entrance: Entrance, verifier: VerifyFunction): VerifyFunction;
  /** One finished management request: its route template (never the raw URL), method and status. */
  recordManagementRequest(method: string, route: string, status: number): void;
  /** The exposition's Content-Type. */
  readonly contentType: string;
  /** Every metric, in the Prometheus text format. */
  render(): Promise<string>;
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  const now = sources.now ?? Date.now;
  collectDefaultMetrics({ register: registry });

  // Verifications are counted in plain numbers per entrance (a prom-client child hashes its labels on every
  // call) and turned into the counter and the histogram when scraped.
  const tallies = new Map(ENTRANCES.map((entrance) => [entrance, new EntranceTally()]));
  new Counter({
    name: 'sidekey_verifications_total',
    help: 'Verification answers, by entrance and answer code (ALLOWED or the refusal).',
    labelNames: ['entrance', 'code'] as const,
    registers: [registry],
    collect() {
      this.reset();
      // Every entrance and code, zeros included, so rate() and absent() work before the first request.
      for (const [entrance, tally] of tallies) for (const [i, code] of VERIFICATION_CODES.entries()) this.labels(entrance, code).inc(tally.byCode[i]);
    },
  });
  registry.registerMetric(latencyHistogram(tallies) as never);
  const management = new Counter({
    name: 'sidekey_management_requests_total',
    help: 'Management API requests, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });

  new Counter({
    name: 'sidekey_token_cache_lookups_total',
    help: 'Token cache lookups of well-formed credentials: hit (answered from memory) or miss (read from the database).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.labels('hit').inc(sources.verifier.cacheLookups.hits);
      this.labels('miss').inc(sources.verifier.cacheLookups.misses);
    },
  });
  new Gauge({
    name: 'sidekey_token_cache_entries',
    help: 'Entries in the token cache: token (a known SID) or unknown (a SID remembered as not existing).',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      const size = sources.verifier.cache.size;
      this.labels('token').set(size.tokens);
      this.labels('unknown').set(size.unknown);
    },
  });
  new Gauge({
    name: 'sidekey_change_feed_lag_seconds',
    help: 'Time since this node last confirmed it had applied every change (past the staleness bound it reads each token or answers 503).',
    registers: [registry],
    collect() {
      const lag = (now() - sources.freshness.confirmedAt) / 1000;
      this.set(Number.isFinite(lag) ? Math.max(0, lag) : Number.POSITIVE_INFINITY);
    },
  });
  new Gauge({
    name: 'sidekey_change_feed_staleness_bound_seconds',
    help: 'SIDEKEY_MAX_STALENESS_MS, in seconds: the lag past which the cache is not trusted.',
    registers: [registry],
    collect() {
      this.set(sources.freshness.boundMs / 1000);
    },
  });
  new Gauge({
    name: 'sidekey_change_feed_sequence',
    help: 'The last change-log sequence number this node applied.',
    registers: [registry],
    collect() {
      this.set(sources.tailer.sequence);
    },
  });
  new Gauge({
    name: 'sidekey_usage_flush_age_seconds',
    help: 'Time since usage counters were last written successfully (or found nothing to write).',
    registers: [registry],
    collect() {
      this.set(Math.max(0, now() - sources.usage.lastFlushedAt) / 1000);
    },
  });
  new Counter({
    name: 'sidekey_usage_flush_failures_total',
    help: 'Usage writes that failed (their counters were kept for the next one).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.usage.failedFlushes);
    },
  });
  new Gauge({
    name: 'sidekey_usage_pending',
    help: 'Usage not yet written: counters (token, day, code) and last-used times.',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      const pending = sources.usage.pending;
      this.labels('counters').set(pending.counters);
      this.labels('last_uses').set(pending.lastUses);
    },
  });
  if (sources.store.poolState) {
    const poolState = sources.store.poolState;
    new Gauge({
      name: 'sidekey_database_pool_connections',
      help: 'PostgreSQL pool connections: total (open) and idle.',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const state = poolState();
        this.labels('total').set(state.total);
        this.labels('idle').set(state.idle);
      },
    });
    new Gauge({
      name: 'sidekey_database_pool_waiting',
      help: 'Callers waiting for a PostgreSQL pool connection.',
      registers: [registry],
      collect() {
        this.set(poolState().waiting);
      },
    });
  }
  new Gauge({
    name: 'sidekey_connection_up',
    help: 'The optional connections this node is configured with: 1 up, 0 down (redis_rate_limits, redis_notifications, postgres_notifications).',
    labelNames: ['connection'] as const,
    registers: [registry],
    collect() {
      for (const [name, up] of Object.entries(sources.connections())) this.labels(snakeCase(name)).set(up ? 1 : 0);
    },
  });

  return {
    instrument(entrance, verifier) {
      const tally = tallies.get(entrance)!;
      const record = (result: VerificationResult, started: number) => {
        tally.add(result.code, (performance.now() - started) / 1000);
        return result;
      };
      return {
        verify(request) {
          const started = performance.now();
          return andThen(verifier.verify(request), (result) => record(result, started));
        },
      };
    },
    recordManagementRequest(method, route, status) {
      management.labels(method, route, String(status)).inc();
    },
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}

const CODE_INDEX = new Map<string, number>(VERIFICATION_CODES.map((code, i) => [code, i]));

/** One entrance's answers by code, and its latency histogram (per bucket, not yet cumulative), as plain numbers. */
class EntranceTally {
  readonly byCode = new Float64Array(VERIFICATION_CODES.length);
  /** `buckets[i]`: answers slower than LATENCY_BUCKETS[i - 1] and at most LATENCY_BUCKETS[i]; the last, slower than all. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  add(code: string, seconds: number): void {
    const index = CODE_INDEX.get(code);
    if (index !== undefined) this.byCode[index] += 1;
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]) bucket += 1;
    this.buckets[bucket] += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

/** sidekey_verification_duration_seconds read from the tallies, in the shape prom-client's registry formats. */
function latencyHistogram(tallies: ReadonlyMap<Entrance, EntranceTally>) {
  const name = 'sidekey_verification_duration_seconds';
  const help = 'Time the verifier took to answer, by entrance (the HTTP framing around it excluded).';
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values = [...tallies].flatMap(([entrance, tally]) => {
        let cumulative = 0;
        const buckets = [...LATENCY_BUCKETS, Number.POSITIVE_INFINITY].map((le, i) => {
          cumulative += tally.buckets[i];
          return { metricName: `${name}_bucket`, labels: { entrance, le: le === Number.POSITIVE_INFINITY ? '+Inf' : le }, value: cumulative };
        });
        return [...buckets, { metricName: `${name}_sum`, labels: { entrance }, value: tally.sum }, { metricName: `${name}_count`, labels: { entrance }, value: tally.count }];
      });
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
}

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
