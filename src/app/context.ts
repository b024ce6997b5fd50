/**
 * Composition root: builds every service from the configuration, once, for `serve`, the CLI and tests.
 * Nothing else constructs services, so all three run the same code paths.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { type Store, openStore } from '../store/database.js';
import { type Catalog, parseCatalog } from '../domain/catalog.js';
import { type KeyRing, loadKeyRing } from '../secrets/keys.js';
import { AccountService } from '../accounts/service.js';
import { TokenService } from '../tokens/service.js';
import { AuditLog } from '../audit/index.js';
import pino from 'pino';
import { ChangeFeed } from '../changes/feed.js';
import { ChangeLog } from '../changes/log.js';
import { type VerificationOptions, type VerificationRuntime, startVerification } from '../verify/runtime.js';
import type { Verifier } from '../verify/verifier.js';
import type { UsageRecorder } from '../verify/usage.js';

export interface Context {
  config: Config;
  store: Store;
  catalog: Catalog;
  keys: KeyRing;
  keySource: string;
  changes: ChangeFeed;
  changeLog: ChangeLog;
  audit: AuditLog;
  accounts: AccountService;
  tokens: TokenService;
  /** The hot path: answers "may these credentials call this endpoint" (cache, rate limits, usage counters). */
  verifier: Verifier;
  usage: UsageRecorder;
  /** The node's view of the change log: its freshness, its tailer, and its readiness. */
  verification: VerificationRuntime;
  /** Closes what was opened, in reverse order; registered by each part that holds a resource. */
  onClose: (fn: () => Promise<void> | void) => void;
  close: () => Promise<void>;
}

export function loadCatalog(path: string): Catalog {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the scope catalog at ${path} (CATALOG_PATH): ${(error as Error).message}`);
  }
  return parseCatalog(raw);
}

export async function createContext(config: Config, options: { migrate?: boolean; now?: () => number; verification?: VerificationOptions } = {}): Promise<Context> {
  const catalog = loadCatalog(config.catalogPath);
  const { ring: keys, source: keySource } = loadKeyRing({ dataDir: config.dataDir, masterKey: config.masterKey, previousMasterKeys: config.previousMasterKeys, hashKey: config.hashKey });
  const log = pino({ level: config.logLevel, name: 'sidekey.store' });
  let lastConnectionReport = 0;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    migrate: options.migrate,
    timeoutMs: config.databaseTimeoutMs,
    onConnectionError: (err) => {
      if (Date.now() - lastConnectionReport < 10_000) return;
      lastConnectionReport = Date.now();
      log.warn({ err }, 'a database connection failed; it is replaced on the next query');
    },
  });
  const changes = new ChangeFeed();
  const changeLog = new ChangeLog(store.dialect);
  const audit = new AuditLog({ db: store.db });
  const accounts = new AccountService({ store, audit, sessionTtlSeconds: config.sessionTtlSeconds, now: options.now });
  const tokens = new TokenService({ store, catalog, keys, accounts, audit, changes, changeLog, sidPrefix: config.sidPrefix, revealMode: config.revealMode, now: options.now });
  const closers: (() => Promise<void> | void)[] = [async () => store.close()];
  const verification = await startVerification({
    config,
    store,
    catalog,
    hashKey: keys.hashKey,
    changes,
    changeLog,
    now: options.now,
    options: { redisKeyPrefix: config.redisKeyPrefix, ...options.verification },
  });
  closers.push(() => verification.close()); // runs before the store closes: the last usage counters are written
  return {
    config,
    store,
    catalog,
    keys,
    keySource,
    changes,
    changeLog,
    audit,
    accounts,
    tokens,
    verifier: verification.verifier,
    usage: verification.usage,
    verification,
    onClose: (fn) => closers.push(fn),
    close: async () => {
      for (const fn of closers.reverse()) await fn();
    },
  };
}
