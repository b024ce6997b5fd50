/**
 * Composition root: builds every service from the configuration, once, for `serve`, the CLI and tests.
 * Nothing else constructs services, so all three run the same code paths.
 *
 * Two sizes: `openServices` opens the database and the management services (what `migrate`, `admin`, `user`,
 * `account` and `tokens` commands need: no Redis, no LISTEN, no change tailer, no usage timer), and
 * `createContext` adds this node's verification runtime on top (what `serve` and most tests need).
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { type Config, publicBaseUrl } from '../config.js';
import { type Store, openStore } from '../store/database.js';
import { type Catalog, parseCatalog } from '../domain/catalog.js';
import { type KeyRing, loadKeyRing } from '../secrets/keys.js';
import { AccountService } from '../accounts/service.js';
import { TokenService } from '../tokens/service.js';
import { AuditLog } from '../audit/index.js';
import { CanaryAlarm, type DeliveryChannel, Dispatcher, ExpiryScheduler, LifecycleEvents, PeriodicRunner, Retention, UnusedScheduler, outboxFollower } from '../events/index.js';
import { ChangeFeed } from '../changes/feed.js';
import { proxyTrust } from '../domain/client-address.js';
import { DeliveryWorker, TargetGuard, WebhookChannel, WebhookService } from '../webhooks/index.js';
import { ChangeLog } from '../changes/log.js';
import { MailChannel, MailService, MailWorker } from '../mail/index.js';
import { type VerificationOptions, type VerificationRuntime, startVerification } from '../verify/runtime.js';
import type { Verifier } from '../verify/verifier.js';
import type { UsageRecorder } from '../verify/usage.js';

export interface Services {
  config: Config;
  store: Store;
  catalog: Catalog;
  keys: KeyRing;
  keySource: string;
  /** This process's change feed; without a verification runtime nothing here listens to it. */
  changes: ChangeFeed;
  /** The durable change log every write appends to, which the other nodes tail. */
  changeLog: ChangeLog;
  audit: AuditLog;
  /** Lifecycle events: the outbox (written by every audited token change), the expiry scheduler and the dispatcher. */
  lifecycle: Lifecycle;
  accounts: AccountService;
  tokens: TokenService;
  webhooks: WebhookService;
  mail: MailService;
  /** Closes what was opened, in reverse order; registered by each part that holds a resource. */
  onClose: (fn: () => Promise<void> | void) => void;
  close: () => Promise<void>;
}

export interface Context extends Services {
  /** The hot path: answers "may these credentials call this endpoint" (cache, rate limits, usage counters). */
  verifier: Verifier;
  usage: UsageRecorder;
  /** The node's view of the change log: its freshness, its tailer, and its readiness. */
  verification: VerificationRuntime;
}

export interface Lifecycle {
  events: LifecycleEvents;
  scheduler: ExpiryScheduler;
  /** `token.unused` notices, when LIFECYCLE_UNUSED_NOTICE_DAYS is set. */
  unused: UnusedScheduler | undefined;
  /** Turns uses of canary tokens (reported by this node's verifier) into `token.canary_used` events. */
  canaries: CanaryAlarm;
  /** Deletes dispatched events and finished deliveries older than LIFECYCLE_RETENTION_DAYS. */
  retention: Retention;
  dispatcher: Dispatcher;
  deliveries: DeliveryWorker;
  /** Sends e-mail notifications; null when this deployment sends none (no SMTP_URL). */
  mail: MailWorker | null;
  /** Starts this node's timers (`serve` does; tests drive the parts themselves, under their own clock). */
  start(): void;
}

/** The deadline of each step of one SMTP exchange: a server slower than this is retried later. */
const SMTP_TIMEOUT_MS = 30_000;
/** How soon a canary's use reaches the outbox (its events are bounded by the alarm's interval, not by this). */
const CANARY_FLUSH_INTERVAL_MS = 1_000;
/** How often each node deletes what is past the retention window (batched: a backlog takes several runs). */
const RETENTION_INTERVAL_MS = 3_600_000;

export function loadCatalog(path: string): Catalog {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the scope catalog at ${path} (CATALOG_PATH): ${(error as Error).message}`);
  }
  return parseCatalog(raw);
}

type ServiceDeps = Pick<Services, 'config' | 'store' | 'catalog' | 'keys' | 'audit' | 'changes' | 'changeLog'>;

/**
 * The account and token services over one database, on the clock `now` (the wall clock when unset). The demo
 * builds a second pair on a clock it sets to past moments, so its history is made by the same rules as live use.
 */
export function managementServices(deps: ServiceDeps, now?: () => number): Pick<Services, 'accounts' | 'tokens'> {
  const { config, store, catalog, keys, audit, changes, changeLog } = deps;
  const accounts = new AccountService({ store, audit, sessionTtlSeconds: config.sessionTtlSeconds, now });
  const tokens = new TokenService({ store, catalog, keys, accounts, audit, changes, changeLog, sidPrefix: config.sidPrefix, revealMode: config.revealMode, now });
  return { accounts, tokens };
}

/** The database and the management services, without the verification runtime. */
export async function openServices(config: Config, options: { migrate?: boolean; now?: () => number } = {}): Promise<Services> {
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
  const audit = new AuditLog({ db: store.db, follower: outboxFollower });
  const { accounts, tokens } = managementServices({ config, store, catalog, keys, audit, changes, changeLog }, options.now);
  const guard = new TargetGuard({ allows: proxyTrust(config.webhookAllowedPrivateTargets), timeoutMs: config.webhookTimeoutMs });
  const events = new LifecycleEvents({ db: store.db });
  const channels: DeliveryChannel[] = [new WebhookChannel({ now: options.now }), new MailChannel({ enabled: config.smtpUrl !== undefined, now: options.now })];
  const deliveries = new DeliveryWorker({ store, keys, guard, timeoutMs: config.webhookTimeoutMs, now: options.now });
  const mailWorker =
    config.smtpUrl !== undefined && config.mailFrom !== undefined ? new MailWorker({ store, smtpUrl: config.smtpUrl, from: config.mailFrom, baseUrl: publicBaseUrl(config), timeoutMs: SMTP_TIMEOUT_MS, now: options.now }) : null;
  const scheduler = new ExpiryScheduler({ store, thresholdsDays: config.expiryNoticeDays, now: options.now });
  const unused = config.unusedNoticeDays === undefined ? undefined : new UnusedScheduler({ store, days: config.unusedNoticeDays, now: options.now });
  const canaries = new CanaryAlarm({ store, now: options.now });
  const dispatcher = new Dispatcher({ store, channels, now: options.now });
  const retention = new Retention({ store, channels, days: config.lifecycleRetentionDays, now: options.now });
  const eventsLog = pino({ level: config.logLevel, name: 'sidekey.events' });
  const runner = new PeriodicRunner(
    [
      { name: 'expiry-scan', intervalMs: config.lifecycleScanIntervalMs, run: () => scheduler.runOnce() },
      ...(unused ? [{ name: 'unused-scan', intervalMs: config.lifecycleScanIntervalMs, run: () => unused.runOnce() }] : []),
      { name: 'canary-alerts', intervalMs: CANARY_FLUSH_INTERVAL_MS, run: () => canaries.runOnce() },
      { name: 'retention', intervalMs: RETENTION_INTERVAL_MS, run: () => retention.runOnce() },
      { name: 'dispatch', intervalMs: config.webhookPollIntervalMs, run: () => dispatcher.runOnce() },
      { name: 'webhook-deliveries', intervalMs: config.webhookPollIntervalMs, run: () => deliveries.runOnce() },
      ...(mailWorker ? [{ name: 'mail', intervalMs: config.webhookPollIntervalMs, run: () => mailWorker.runOnce() }] : []),
    ],
    (task, err) => eventsLog.warn({ err, task }, 'a lifecycle task failed; it runs again on its next tick'),
  );
  const lifecycle: Lifecycle = { events, scheduler, unused, canaries, retention, dispatcher, deliveries, mail: mailWorker, start: () => runner.start() };
  const webhooks = new WebhookService({ store, keys, accounts, tokens, audit, events, guard, now: options.now });
  const mail = new MailService({ store, accounts, audit, from: mailWorker ? config.mailFrom! : null, now: options.now });
  // After the timers stop, the canary uses still held go to the database (the store closes last).
  const closers: (() => Promise<void> | void)[] = [
    async () => store.close(),
    () => mailWorker?.close(),
    () => canaries.runOnce({ everything: true }).then(() => undefined, (err) => eventsLog.warn({ err }, 'canary uses could not be written at shutdown')),
    () => runner.stop(),
  ];
  return {
    config,
    store,
    catalog,
    keys,
    keySource,
    changes,
    changeLog,
    audit,
    lifecycle,
    accounts,
    tokens,
    webhooks,
    mail,
    onClose: (fn) => closers.push(fn),
    close: async () => {
      for (const fn of closers.reverse()) await fn();
    },
  };
}

/** The services and this node's verification runtime (verifier, rate limits, usage, change tailer). */
export async function createContext(config: Config, options: { migrate?: boolean; now?: () => number; verification?: VerificationOptions } = {}): Promise<Context> {
  const services = await openServices(config, options);
  const { store, catalog, keys, changes, changeLog } = services;
  try {
    const verification = await startVerification({
      config,
      store,
      catalog,
      hashKey: keys.hashKey,
      changes,
      changeLog,
      canaries: services.lifecycle.canaries,
      now: options.now,
      options: { redisKeyPrefix: config.redisKeyPrefix, ...options.verification },
    });
    services.onClose(() => verification.close()); // runs before the store closes: the last usage counters are written
    return { ...services, verifier: verification.verifier, usage: verification.usage, verification };
  } catch (error) {
    await services.close();
    throw error;
  }
}
