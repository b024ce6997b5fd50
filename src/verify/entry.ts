/**
 * What the verifier keeps per Account SID: everything a decision needs, prepared once on a cache miss so a hit
 * does no parsing, no allocation beyond the answer, and no I/O.
 */
import type { Catalog, RateLimitRule } from '../domain/catalog.js';
import { type Cidr, parseCidr } from '../domain/cidr.js';
import type { TokenKind } from '../domain/token.js';
import type { TokenState } from '../domain/filters.js';
import type { StoredToken } from '../tokens/store.js';

/** One rate-limit counter: a key that names it across nodes, and its rule. */
export interface RateBucket {
  key: string;
  limit: number;
  windowSeconds: number;
}

/** Who the token is, as the answers report it (made once per cache entry, shared by every answer). */
export interface TokenIdentity {
  readonly id: string;
  readonly accountId: string;
  readonly accountSid: string;
  readonly name: string;
  readonly kind: TokenKind;
  readonly apiVersion: number;
  readonly scopes: readonly string[];
}

export interface CachedToken {
  readonly negative: false;
  readonly identity: TokenIdentity;
  readonly tokenId: string;
  readonly accountId: string;
  readonly accountSid: string;
  readonly name: string;
  readonly kind: TokenKind;
  readonly apiVersion: number;
  readonly scopes: readonly string[];
  /** Scope ids for the membership test; the catalog's per-version matchers say which id a request needs. */
  readonly scopeIds: ReadonlySet<string>;
  readonly state: TokenState;
  /** HMAC-SHA256 of the current Auth Token under the server's hash key. */
  readonly secretHash: Buffer;
  /** The secret replaced by a reset with a grace window, valid until `previousSecretExpiresAt`. */
  readonly previousSecretHash: Buffer | null;
  readonly previousSecretExpiresAt: number;
  readonly expiresAt: number | null;
  readonly notBefore: number | null;
  readonly allowedCidrs: readonly Cidr[];
  readonly apiAccessEnabled: boolean;
  /** The token's own limit (or the catalog default): counted for every allowed request. */
  readonly tokenBucket: RateBucket;
  /** `[tokenBucket]`, kept so the common request (no per-scope limit) allocates no array. */
  readonly tokenBuckets: readonly RateBucket[];
  /** Per-scope buckets, made on first use of a scope that declares a limit. */
  readonly scopeBuckets: Map<string, RateBucket>;
  /**
   * The last Auth Token that matched `secretHash`. A repeat request is then accepted by a constant-time
   * comparison with it instead of a fresh HMAC (~3 µs, the largest cost of a warm verification). It lives
   * only as long as this entry: a reset, edit or lost notification drops the entry and the memo with it.
   */
  acceptedAuthToken: Buffer | undefined;
  /** When the cache must reload this entry even without a change notification (the safety TTL). */
  staleAt: number;
  /** When the cache last moved this entry to the recent end of its LRU order. */
  touchedAt: number;
}

/** An Account SID the database does not know: remembered briefly so a flood of guesses stays off the database. */
export interface NegativeEntry {
  readonly negative: true;
  readonly accountSid: string;
  staleAt: number;
  touchedAt: number;
}

export type CacheEntry = CachedToken | NegativeEntry;

export function toCachedToken(row: StoredToken & { apiAccessEnabled: boolean }, catalog: Catalog, staleAt: number): CachedToken {
  const rule: RateLimitRule = row.rateLimit ?? catalog.defaultRateLimit;
  const tokenBucket: RateBucket = { key: `{${row.id}}:token`, limit: rule.limit, windowSeconds: rule.windowSeconds };
  return {
    negative: false,
    identity: Object.freeze({ id: row.id, accountId: row.accountId, accountSid: row.accountSid, name: row.name, kind: row.kind, apiVersion: row.apiVersion, scopes: Object.freeze([...row.scopes]) }),
    tokenId: row.id,
    accountId: row.accountId,
    accountSid: row.accountSid,
    name: row.name,
    kind: row.kind,
    apiVersion: row.apiVersion,
    scopes: row.scopes,
    scopeIds: new Set(row.scopes),
    state: row.state,
    secretHash: Buffer.from(row.secretHash, 'hex'),
    previousSecretHash: row.previousSecretHash ? Buffer.from(row.previousSecretHash, 'hex') : null,
    previousSecretExpiresAt: row.previousSecretExpiresAt ?? 0,
    expiresAt: row.expiresAt,
    notBefore: row.notBefore,
    allowedCidrs: row.allowedCidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined),
    apiAccessEnabled: row.apiAccessEnabled,
    tokenBucket,
    tokenBuckets: [tokenBucket],
    scopeBuckets: new Map(),
    acceptedAuthToken: undefined,
    staleAt,
    touchedAt: 0,
  };
}

export function negativeEntry(accountSid: string, staleAt: number): NegativeEntry {
  return { negative: true, accountSid, staleAt, touchedAt: 0 };
}

/** The bucket for a scope's own limit (impact.com: ReportExport 100/day), or undefined when it declares none. */
export function scopeBucket(entry: CachedToken, scopeId: string, rule: RateLimitRule | undefined): RateBucket | undefined {
  if (!rule) return undefined;
  let bucket = entry.scopeBuckets.get(scopeId);
  if (!bucket) {
    // The hash tag {tokenId} keeps all of a token's keys in one Redis Cluster slot, so one script can touch them.
    bucket = { key: `{${entry.tokenId}}:scope:${scopeId}`, limit: rule.limit, windowSeconds: rule.windowSeconds };
    entry.scopeBuckets.set(scopeId, bucket);
  }
  return bucket;
}
