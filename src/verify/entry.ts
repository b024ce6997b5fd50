/**
 * What the verifier keeps per Account SID: everything a decision needs, prepared once on a cache miss so a hit
 * does no parsing and no I/O. Entries are kept small (the cache holds 100k+ of them): strings that repeat
 * across tokens (scope ids, kinds, states, account ids, whole scope lists) are shared, and rarely used
 * structures are made only when needed.
 */
import type { Catalog, RateLimitRule } from '../domain/catalog.js';
import { type Cidr, parseCidr } from '../domain/cidr.js';
import { TOKEN_KINDS, type TokenKind } from '../domain/token.js';
import { TOKEN_STATES, type TokenState } from '../domain/filters.js';
import type { VerifiableToken } from './repository.js';

/** One rate-limit counter: `key` names it (on this node and in Redis), `tokenId` groups a token's counters. */
export interface RateBucket {
  key: string;
  tokenId: string;
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

/**
 * A cached token. It is its own rate-limit bucket (`key` and `tokenId` are its id, `limit`/`windowSeconds` its
 * rule), and the identity reported in answers is built from it per answer: both save an object per entry.
 */
export interface CachedToken extends RateBucket, TokenIdentity {
  readonly negative: false;
  /** Only for long scope lists; short ones are searched directly (a Set costs more memory than it saves time). */
  readonly scopeSet: ReadonlySet<string> | undefined;
  readonly state: TokenState;
  /**
   * HMAC-SHA256 of the current Auth Token under the server's hash key, as a 32-character latin1 string: a
   * string costs a third of a Buffer's memory here, and compares in constant time just as well (constantTimeEqual).
   */
  readonly secretHash: string;
  /** The secret replaced by a reset with a grace window, valid until `previousSecretExpiresAt`. */
  readonly previousSecretHash: string | null;
  readonly previousSecretExpiresAt: number;
  readonly expiresAt: number | null;
  readonly notBefore: number | null;
  readonly allowedCidrs: readonly Cidr[];
  readonly apiAccessEnabled: boolean;
  /** `[this]`: the buckets of a request to an endpoint without a limit of its own, with no array made per request. */
  tokenBuckets: readonly RateBucket[];
  /** Per-scope buckets, made on first use of a scope that declares a limit. */
  scopeBuckets: Map<string, RateBucket> | undefined;
  /**
   * The last Auth Token that matched `secretHash`. A repeat request is then accepted by a constant-time
   * comparison with it instead of a fresh HMAC (~3 µs, the largest cost of a warm verification). It lives
   * only as long as this entry: a reset, edit or lost notification drops the entry and the memo with it.
   */
  acceptedAuthToken: string | undefined;
  /** When the cache must reload this entry even without a change notification (the safety TTL; cache-relative ms). */
  staleAt: number;
  /** When the cache last moved this entry to the recent end of its LRU order (cache-relative ms). */
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

const SCOPE_SET_THRESHOLD = 16;
const NO_CIDRS: readonly Cidr[] = Object.freeze([]);
const NO_BUCKETS: readonly RateBucket[] = Object.freeze([]);

/** Shares equal strings and scope lists between entries (bounded: past the bound, values are kept as they are). */
class Interner {
  private readonly strings = new Map<string, string>();
  private readonly lists = new Map<string, readonly string[]>();
  constructor(private readonly bound = 50_000) {}

  string(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size < this.bound) this.strings.set(value, value);
    return value;
  }

  list(values: readonly string[]): readonly string[] {
    const key = values.join('\u0000');
    const known = this.lists.get(key);
    if (known) return known;
    const list = Object.freeze(values.map((v) => this.string(v)));
    if (this.lists.size < this.bound) this.lists.set(key, list);
    return list;
  }
}

/** Makes cache entries from stored tokens, sharing what repeats. */
export class EntryFactory {
  private readonly interner = new Interner();

  constructor(private readonly catalog: Catalog) {
    for (const id of this.catalog.scopesById.keys()) this.interner.string(id);
    for (const value of [...TOKEN_KINDS, ...TOKEN_STATES]) this.interner.string(value);
  }

  make(row: VerifiableToken): CachedToken {
    const rule: RateLimitRule = row.rateLimit ?? this.catalog.defaultRateLimit;
    const scopes = this.interner.list(row.scopes);
    const cidrs = row.allowedCidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
    const entry: CachedToken = {
      negative: false,
      id: row.id,
      accountId: this.interner.string(row.accountId),
      accountSid: row.accountSid,
      name: row.name,
      kind: this.interner.string(row.kind) as TokenKind,
      apiVersion: row.apiVersion,
      scopes,
      key: row.id,
      tokenId: row.id,
      limit: rule.limit,
      windowSeconds: rule.windowSeconds,
      scopeSet: scopes.length > SCOPE_SET_THRESHOLD ? new Set(scopes) : undefined,
      state: this.interner.string(row.state) as TokenState,
      secretHash: hexToLatin1(row.secretHash),
      previousSecretHash: row.previousSecretHash ? hexToLatin1(row.previousSecretHash) : null,
      previousSecretExpiresAt: row.previousSecretExpiresAt ?? 0,
      expiresAt: row.expiresAt,
      notBefore: row.notBefore,
      allowedCidrs: cidrs.length > 0 ? cidrs : NO_CIDRS,
      apiAccessEnabled: row.apiAccessEnabled,
      tokenBuckets: NO_BUCKETS,
      scopeBuckets: undefined,
      acceptedAuthToken: undefined,
      staleAt: 0,
      touchedAt: 0,
    };
    entry.tokenBuckets = [entry];
    return entry;
  }
}

/** What answers report about a token: a fresh object, so nothing of the cache entry (hashes, memo) leaks out. */
export function identityOf(entry: CachedToken): TokenIdentity {
  return { id: entry.id, accountId: entry.accountId, accountSid: entry.accountSid, name: entry.name, kind: entry.kind, apiVersion: entry.apiVersion, scopes: entry.scopes };
}

const hexToLatin1 = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');

/** A flat copy of a string: a substring of a request would keep the whole request text alive in the cache. */
export const detachedCopy = (value: string) => Buffer.from(value, 'latin1').toString('latin1');

export function negativeEntry(accountSid: string): NegativeEntry {
  return { negative: true, accountSid, staleAt: 0, touchedAt: 0 };
}

export function hasScope(entry: CachedToken, scopeId: string): boolean {
  return entry.scopeSet ? entry.scopeSet.has(scopeId) : entry.scopes.includes(scopeId);
}

/** The bucket for a scope's own limit (impact.com: ReportExport 100/day), or undefined when it declares none. */
export function scopeBucket(entry: CachedToken, scopeId: string, rule: RateLimitRule | undefined): RateBucket | undefined {
  if (!rule) return undefined;
  entry.scopeBuckets ??= new Map();
  let bucket = entry.scopeBuckets.get(scopeId);
  if (!bucket) {
    const tokenId = entry.id;
    bucket = { key: `${tokenId}:${scopeId}`, tokenId, limit: rule.limit, windowSeconds: rule.windowSeconds };
    entry.scopeBuckets.set(scopeId, bucket);
  }
  return bucket;
}
