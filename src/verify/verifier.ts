/**
 * The hot path, shared by POST /v1/verify, GET /v1/auth, the gateway and in-process callers:
 *   parse the request target (refuse an ambiguous one; no I/O) → reject malformed credentials (format, checksum; no I/O) → cache lookup by SID (a miss loads once,
 *   however many requests wait for it) → constant-time secret check → authorize (pure) → rate limit →
 *   count usage in memory → answer.
 * A canary token (domain/canary.ts) leaves that path right after the secret check, with the very answer a wrong
 * secret gets, having only handed its use to the canary reporter (memory; the reporter writes events later).
 * A cache hit makes no database call and no write; with in-memory rate limits it returns synchronously.
 *
 * The cache is trusted only while this node is fresh (its tailer confirmed, within the staleness bound, that it
 * has applied every committed change): one comparison of the clock with `freshness.freshUntil`. Past it, a
 * token's entry is read again from the database on each verification. Every read has a deadline; a read that
 * fails or misses it is answered 503 VERIFIER_UNAVAILABLE: nothing is ever allowed on data that may be stale.
 */
import type { Store } from '../store/database.js';
import type { Catalog, Scope } from '../domain/catalog.js';
import { type RequestTarget, type TargetRefusal, parseRequestTarget } from '../domain/request-target.js';
import { type RateLimitState, type RequiredScope, type VerificationCode, type VerificationStatus, MESSAGE_OF_CODE, STATUS_OF_CODE } from '../domain/verification-answers.js';
import type { ChangeFeed } from '../changes/feed.js';
import type { Freshness } from '../changes/freshness.js';
import { type CacheEntry, type CachedToken, EntryFactory, type RateBucket, type TokenIdentity, identityOf, negativeEntry, scopeBucket } from './entry.js';
import { DEFAULT_CACHE_OPTIONS, TokenCache, type TokenCacheOptions } from './cache.js';
import { type Authorization, type CatalogRules, type RequestFacts, authorize, matchSecret, prepareCatalog } from './decision.js';
import { type Credentials, isWellFormed, parseAuthorization } from './parser.js';
import type { RateLimitOutcome, RateLimitStore } from './rate-limit.js';
import type { UsageRecorder } from './usage.js';
import { type VerifiableToken, findVerifiableToken } from './repository.js';
import { UnknownSidBudget, type UnknownSidBudgetOptions } from './unknown-sids.js';
import { type CanaryUse, canaryUse } from '../domain/canary.js';
import { type NowOrLater, andThen } from '../domain/now-or-later.js';

export interface VerificationRequest extends RequestFacts {
  /** The request target as the API client sent it (path and query)… */
  path?: string;
  /** …or already parsed (the gateway parses it once, to forward the canonical form it was checked as). */
  target?: RequestTarget;
  /** The raw Authorization header value (Basic or Bearer)… */
  authorization?: string;
  /** …or the two parts given separately (POST /v1/verify). */
  accountSid?: string;
  authToken?: string;
  /** The API client's User-Agent, reported by `token.canary_used` (nothing else reads it). */
  userAgent?: string;
}

/** Takes the uses of canary tokens, synchronously and without I/O: it is called on the hot path. */
export interface CanaryReporter {
  report(use: CanaryUse): void;
}

export interface VerificationResult {
  valid: boolean;
  code: VerificationCode;
  status: VerificationStatus;
  message: string;
  /** Present once the credentials authenticated a token. */
  token?: TokenIdentity;
  /** The API version the scope check used (the token's, or the one the request named). */
  apiVersion?: number;
  /** The scope this endpoint needs (always on INSUFFICIENT_SCOPE when the catalog knows the endpoint). */
  requiredScope?: RequiredScope;
  /** What exactly was wrong, for the error envelope's Errors list. */
  detail?: { field: string; message: string };
  /** On every answer that reached a token, except a 401. */
  rateLimit?: RateLimitState;
  /** Seconds, on RATE_LIMITED and VERIFIER_UNAVAILABLE. */
  retryAfter?: number;
}

export type TokenLoader = (accountSid: string) => Promise<VerifiableToken | undefined>;

export interface VerifierOptions {
  store: Store;
  catalog: Catalog;
  hashKey: Buffer;
  sidPrefix: string;
  changes: Pick<ChangeFeed, 'subscribe'>;
  /** Until when this node's cache may be trusted. */
  freshness: Pick<Freshness, 'freshUntil'>;
  /** The deadline of a token read; past it the answer is VERIFIER_UNAVAILABLE. */
  readDeadlineMs: number;
  rateLimits: RateLimitStore;
  usage: UsageRecorder;
  /** Where uses of canary tokens go; without one they are refused all the same, and only counted. */
  canaries?: CanaryReporter;
  cache?: Partial<TokenCacheOptions>;
  /** Per client address: how many unknown Account SIDs may be looked up in the database per window. */
  unknownSids?: UnknownSidBudgetOptions;
  /** How a cache miss reads a token; defaults to one indexed query joining the account's API access flag. */
  loader?: TokenLoader;
  now?: () => number;
}

const NO_BUCKET: RateBucket = Object.freeze({ key: '', tokenId: '', limit: 0, windowSeconds: 1 });
const INVALID: VerificationResult = Object.freeze({ valid: false, code: 'INVALID_CREDENTIALS', status: 401, message: MESSAGE_OF_CODE.INVALID_CREDENTIALS });
const UNAVAILABLE: VerificationResult = Object.freeze({ valid: false, code: 'VERIFIER_UNAVAILABLE', status: 503, message: MESSAGE_OF_CODE.VERIFIER_UNAVAILABLE, retryAfter: 1 });

export class Verifier {
  readonly cache: TokenCache;
  /** Lookups answered from the cache, and those that had to read the database (plain integers: the hot path). */
  readonly cacheLookups = { hits: 0, misses: 0 };
  private readonly rules: CatalogRules;
  private readonly loader: TokenLoader;
  private readonly entries: EntryFactory;
  private readonly inflight = new Map<string, Promise<CacheEntry>>();
  /**
   * The buckets of a request (the token's, and a scope's own when it has one), in arrays reused by every request:
   * the rate-limit store reads them during the call only, so neither a request nor an entry needs one of its own.
   */
  private readonly oneBucket: RateBucket[] = [NO_BUCKET];
  private readonly twoBuckets: RateBucket[] = [NO_BUCKET, NO_BUCKET];
  private readonly unknownSids: UnknownSidBudget;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: VerifierOptions) {
    this.cache = new TokenCache({ ...DEFAULT_CACHE_OPTIONS, ...deps.cache });
    this.rules = prepareCatalog(deps.catalog);
    this.entries = new EntryFactory(deps.catalog);
    this.unknownSids = new UnknownSidBudget(deps.unknownSids);
    this.loader = deps.loader ?? ((sid) => findVerifiableToken(deps.store.db, sid));
    this.now = deps.now ?? Date.now;
    // Runs inside ChangeFeed.publish, which the token service awaits: the entry is gone before the API call returns.
    this.unsubscribe = deps.changes.subscribe((change) => {
      this.cache.invalidate(change);
      // A load that began before the change may have read the old row: later requests must not join it.
      this.inflight.clear();
    });
  }

  /** Synchronous on a warm cache with local rate limits; a Promise when it must load a token or ask Redis. */
  verify(request: VerificationRequest): NowOrLater<VerificationResult> {
    const target = request.target ?? parseRequestTarget(request.path ?? '');
    if (target.refused) return targetRefused(target);
    const credentials = credentialsOf(request);
    if (!credentials || !isWellFormed(credentials, this.deps.sidPrefix)) return INVALID;
    const now = this.now();
    const entry = this.cache.get(credentials.accountSid, now);
    // An unknown SID stays refused however stale the node is; a token is trusted only while the node is fresh.
    if (entry !== undefined && (entry.negative || now <= this.deps.freshness.freshUntil)) {
      this.cacheLookups.hits += 1;
      return this.decide(entry, credentials.authToken, request, target, now);
    }
    this.cacheLookups.misses += 1;
    const retryAfter = this.unknownSids.retryAfter(request.ip, now);
    if (retryAfter > 0) return tooManyUnknownSids(retryAfter);
    return this.load(credentials.accountSid).then(
      (loaded) => {
        if (loaded.negative) this.unknownSids.spend(request.ip, this.now());
        return this.decide(loaded, credentials.authToken, request, target, this.now());
      },
      () => UNAVAILABLE,
    );
  }

  /** Reads a token (one read however many requests wait for it), within the read deadline. */
  private load(accountSid: string): Promise<CacheEntry> {
    const waiting = this.inflight.get(accountSid);
    if (waiting) return waiting;
    const generation = this.cache.generation;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('token read deadline passed')), this.deps.readDeadlineMs);
    });
    const read = this.loader(accountSid).then((row) => {
      const entry: CacheEntry = row ? this.entries.make(row, this.cache.markOf(row.accountId)) : negativeEntry(accountSid);
      this.cache.set(entry, this.now(), generation);
      return entry;
    });
    read.catch(() => {}); // a read that outlives its deadline fails unobserved
    const loading: Promise<CacheEntry> = Promise.race([read, deadline]).finally(() => {
      clearTimeout(timer);
      if (this.inflight.get(accountSid) === loading) this.inflight.delete(accountSid);
    });
    this.inflight.set(accountSid, loading);
    return loading;
  }

  private decide(entry: CacheEntry, authToken: string, request: VerificationRequest, target: RequestTarget, now: number): NowOrLater<VerificationResult> {
    if (entry.negative) return INVALID;
    const match = matchSecret(entry, authToken, this.deps.hashKey, now);
    if (entry.kind === 'canary') return this.canaryUsed(entry, match !== 'none', request, target, now);
    if (match === 'none') {
      this.deps.usage.count(entry.id, 'INVALID_CREDENTIALS', now);
      return INVALID;
    }
    // The memo is only ever the current secret: a reset drops the whole entry, memo included.
    if (match === 'current' && entry.acceptedAuthToken === undefined) entry.rememberSecret(authToken);
    const authorization = authorize(entry, request, target, this.rules, now);
    if (authorization.code === 'INVALID_CREDENTIALS') {
      this.deps.usage.count(entry.id, 'INVALID_CREDENTIALS', now);
      return { ...INVALID, detail: authorization.detail };
    }
    this.deps.usage.markUsed(entry.id, now, request.ip);
    const buckets = this.bucketsFor(entry, authorization.scope);
    // A request refused before the limit is not counted, but its answer still reports the limit.
    return andThen(this.deps.rateLimits.consume(buckets, now, authorization.code !== 'ALLOWED'), (outcome) => this.answer(entry, authorization, outcome, now));
  }

  /**
   * A canary's answer is a wrong secret's: the same frozen INVALID, after the same keyed hash (its secret is never
   * memoised, so every use pays it), counted the same way. A disabled canary is silent: that is how its owner
   * stops the alerts without deleting the trap.
   */
  private canaryUsed(entry: CachedToken, secretMatched: boolean, request: VerificationRequest, target: RequestTarget, now: number): VerificationResult {
    this.deps.usage.count(entry.id, 'INVALID_CREDENTIALS', now);
    if (entry.state === 'enabled' && this.deps.canaries) {
      this.deps.canaries.report(canaryUse({ tokenId: entry.id, at: now, ip: request.ip, method: request.method, path: target.path, userAgent: request.userAgent, secretMatched }));
    }
    return INVALID;
  }

  private bucketsFor(entry: CachedToken, scope: Scope | undefined): readonly RateBucket[] {
    const forScope = scope ? scopeBucket(entry, scope.id, scope.rateLimit) : undefined;
    if (forScope === undefined) {
      this.oneBucket[0] = entry;
      return this.oneBucket;
    }
    this.twoBuckets[0] = entry;
    this.twoBuckets[1] = forScope;
    return this.twoBuckets;
  }

  private answer(entry: CachedToken, authorization: Authorization, outcome: RateLimitOutcome, now: number): VerificationResult {
    const code: VerificationCode = authorization.code === 'ALLOWED' && !outcome.allowed ? 'RATE_LIMITED' : authorization.code;
    this.deps.usage.count(entry.id, code, now);
    const result: VerificationResult = {
      valid: code === 'ALLOWED',
      code,
      status: STATUS_OF_CODE[code],
      message: MESSAGE_OF_CODE[code],
      token: identityOf(entry),
      apiVersion: authorization.apiVersion,
      rateLimit: { limit: outcome.limit, remaining: outcome.remaining, reset: outcome.reset },
    };
    if (authorization.scope && code === 'INSUFFICIENT_SCOPE') {
      const { id, name, method, path } = authorization.scope;
      result.requiredScope = { id, name, method, path };
    }
    if (authorization.detail) result.detail = authorization.detail;
    if (code === 'RATE_LIMITED') result.retryAfter = outcome.retryAfter;
    return result;
  }

  close(): void {
    this.unsubscribe();
  }
}

function tooManyUnknownSids(retryAfter: number): VerificationResult {
  return {
    valid: false,
    code: 'RATE_LIMITED',
    status: 429,
    message: MESSAGE_OF_CODE.RATE_LIMITED,
    detail: { field: 'Authorization', message: 'Too many unknown Account SIDs from this address; retry after the number of seconds in Retry-After.' },
    retryAfter,
  };
}

/** A refused target is answered before the credentials are read: the rules are public, the answer reveals nothing. */
function targetRefused(refusal: TargetRefusal): VerificationResult {
  return { valid: false, code: 'REQUEST_TARGET_REFUSED', status: refusal.status, message: MESSAGE_OF_CODE.REQUEST_TARGET_REFUSED, detail: { field: 'path', message: refusal.reason } };
}

function credentialsOf(request: VerificationRequest): Credentials | undefined {
  if (request.authorization !== undefined) return parseAuthorization(request.authorization);
  if (typeof request.accountSid === 'string' && typeof request.authToken === 'string') return { accountSid: request.accountSid, authToken: request.authToken };
  return undefined;
}

