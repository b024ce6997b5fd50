/** Configuration from the environment (and CLI flags that override it), validated once at start-up. */
import { resolve } from 'node:path';

export type RevealMode = 'retrievable' | 'once';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  catalogPath: string;
  sidPrefix: string;
  revealMode: RevealMode;
  masterKey?: string;
  previousMasterKeys: string[];
  hashKey?: string;
  redisUrl?: string;
  redisKeyPrefix: string;
  upstreamUrl?: string;
  trustedProxies: string[];
  verifyKey?: string;
  publicUrl?: string;
  logLevel: string;
  sessionTtlSeconds: number;
  /** How long a node may answer from its cache without confirming it is current; past it, it reads or fails closed. */
  maxStalenessMs: number;
  /** The deadline of one database call (connect or query). */
  databaseTimeoutMs: number;
  /** How often usage counters are written; a kill -9 loses at most this much of them. */
  usageFlushIntervalMs: number;
}

export const DEFAULT_MAX_STALENESS_MS = 1_500;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be 0-65535, got "${env.PORT}"`);
  const sidPrefix = env.SID_PREFIX ?? 'IR';
  if (!/^[A-Z]{2}$/.test(sidPrefix)) problems.push(`SID_PREFIX must be two capital letters, got "${sidPrefix}"`);
  const revealMode = (env.SIDEKEY_REVEAL ?? 'retrievable') as RevealMode;
  if (revealMode !== 'retrievable' && revealMode !== 'once') problems.push(`SIDEKEY_REVEAL must be "retrievable" or "once", got "${env.SIDEKEY_REVEAL}"`);
  const sessionTtlSeconds = Number(env.SESSION_TTL_SECONDS ?? 12 * 3600);
  if (!Number.isInteger(sessionTtlSeconds) || sessionTtlSeconds < 60) problems.push(`SESSION_TTL_SECONDS must be a whole number of seconds ≥ 60, got "${env.SESSION_TTL_SECONDS}"`);
  const wholeMs = (name: string, fallback: number, min: number, max: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} must be a whole number of milliseconds from ${min} to ${max}, got "${env[name]}"`);
    return value;
  };
  const maxStalenessMs = wholeMs('SIDEKEY_MAX_STALENESS_MS', DEFAULT_MAX_STALENESS_MS, 200, 60_000);
  const databaseTimeoutMs = wholeMs('DATABASE_TIMEOUT_MS', 1_000, 100, 60_000);
  const usageFlushIntervalMs = wholeMs('USAGE_FLUSH_INTERVAL_MS', 5_000, 100, 3_600_000);
  if (problems.length > 0) throw new Error(`Configuration problems:\n  ${problems.join('\n  ')}`);
  const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(env.DATA_DIR ?? 'data'),
    databaseUrl: env.DATABASE_URL || undefined,
    catalogPath: resolve(env.CATALOG_PATH ?? new URL('../catalog/brand.json', import.meta.url).pathname),
    sidPrefix,
    revealMode,
    masterKey: env.SIDEKEY_MASTER_KEY || undefined,
    previousMasterKeys: list(env.SIDEKEY_PREVIOUS_MASTER_KEYS),
    hashKey: env.SIDEKEY_HASH_KEY || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisKeyPrefix: env.REDIS_KEY_PREFIX || 'sidekey:',
    upstreamUrl: env.UPSTREAM_URL || undefined,
    trustedProxies: list(env.TRUSTED_PROXIES),
    verifyKey: env.SIDEKEY_VERIFY_KEY || undefined,
    publicUrl: env.PUBLIC_URL || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    sessionTtlSeconds,
    maxStalenessMs,
    databaseTimeoutMs,
    usageFlushIntervalMs,
    ...overrides,
  };
}
