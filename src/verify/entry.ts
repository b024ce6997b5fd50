/**
 * What the verifier keeps per Account SID: everything a decision needs, prepared once on a cache miss so a hit
 * does no parsing and no I/O. Entries are kept small (a node may cache a million): what repeats across tokens
 * (the grant: account, kind, version, scopes, state, IP allow-list, rate rule) is one shared frozen object,
 * rarely used parts are made only when a token has them, and the secret's hash gives way to the memo.
 */
import type { Catalog, RateLimitRule } from '../domain/catalog.js';
import { type Cidr, parseCidr } from '../domain/cidr.js';
import { TOKEN_KINDS, type TokenKind } from '../domain/token.js';
import { TOKEN_STATES, type TokenState } from '../domain/filters.js';
import type { VerifiableToken } from './repository.js';

/** A SHA-256 digest as a latin1 string. */
const SECRET_HASH_CHARS = 32;

/** One rate-limit counter: `key` names it (on this node and in Redis), `tokenId` groups a token's counters. */
export interface RateBucket {
  readonly key: string;
  readonly tokenId: string;
  readonly limit: number;
  readonly windowSeconds: number;
}

/** Who the token is, as the answers report it. */
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
 * What the decision reads of a token besides its identity and secrets, immutable and shared by every entry with
 * the same values: a million tokens of a few shapes cost a few grants. A change to any of it reloads the entry,
 * which then gets the grant of its new values.
 */
export interface Grant {
  readonly accountId: string;
  /**
   * The cache's mark for the account's entries (cache.ts), the one mutable part: every grant of the account holds
   * it, and an account change drops it, so every entry of the account is a miss at once. A grant made after
   * that holds the account's new mark: an interned grant with a dropped mark is made again.
   */
  readonly account: AccountMark;
  readonly kind: TokenKind;
  readonly apiVersion: number;
  readonly scopes: readonly string[];
  /** Only for long scope lists; short ones are searched directly (a Set costs more memory than it saves time). */
  readonly scopeSet: ReadonlySet<string> | undefined;
  readonly state: TokenState;
  readonly allowedCidrs: readonly Cidr[];
  readonly apiAccessEnabled: boolean;
  /** The token's rate-limit rule. */
  readonly limit: number;
  readonly windowSeconds: number;
}

/** What few entries have: a validity window, a grace secret after a reset, buckets of scopes with their own limit. */
interface RareParts {
  readonly expiresAt: number | null;
  readonly notBefore: number | null;
  readonly previousSecretHash: string | null;
  readonly previousSecretExpiresAt: number;
  /** Made on first use of a scope that declares a limit. */
  scopeBuckets: Map<string, RateBucket> | undefined;
}

/**
 * Marks the entries the cache holds for one account, through their grants: an account change sets `dropped`, and
 * every entry of the account is then a miss at once, with no index of the account's SIDs to keep (see cache.ts).
 */
export interface AccountMark {
  dropped: boolean;
}

/**
 * What the decision reads of a cached token (decision.ts): the identity, the grant's rules, the secrets. A
 * `CachedToken` answers it from its compact parts.
 */
export interface TokenFacts extends TokenIdentity {
  readonly scopeSet: ReadonlySet<string> | undefined;
  readonly state: TokenState;
  readonly expiresAt: number | null;
  readonly notBefore: number | null;
  readonly allowedCidrs: readonly Cidr[];
  readonly apiAccessEnabled: boolean;
  readonly secretHash: string | undefined;
  readonly acceptedAuthToken: string | undefined;
  readonly previousSecretHash: string | null;
  readonly previousSecretExpiresAt: number;
}

/**
 * A cached token, kept small (a node may hold a million): identity strings, the shared grant, the secret, the
 * rare parts only when there are any, and the cache's bookkeeping. It is its own rate-limit bucket (`key` and
 * `tokenId` are its id, `limit`/`windowSeconds` its grant's rule); what it shares is read through getters, so
 * the decision reads one object.
 */
export class CachedToken implements RateBucket, TokenFacts {
  declare readonly negative: false;
  /**
   * The current secret, in one field: until the first match, the HMAC-SHA256 of the Auth Token under the server's
   * hash key as a 32-character latin1 string (a third of a Buffer's memory; constantTimeEqual compares it in
   * constant time just as well); after it, the Auth Token that matched (see `rememberSecret`), whose length is
   * never 32. A repeat request is then accepted by a constant-time comparison with it instead of a fresh HMAC
   * (~3 µs, the largest cost of a warm verification). It lives only as long as this entry: a reset, edit or lost
   * notification drops the entry and the memo with it. Read it as `secretHash` and `acceptedAuthToken`.
   */
  secret: string;
  /**
   * When the cache must reload this entry even without a change notification (the safety TTL), and when it last
   * moved the entry to the recent end of its LRU order: cache-relative ms, kept small integers by the cache so
   * they live inside the entry (a fractional or large number would be a separate heap number each).
   */
  staleAt = 0;
  touchedAt = 0;

  constructor(
    readonly id: string,
    readonly accountSid: string,
    readonly name: string,
    readonly grant: Grant,
    secretHash: string,
    /** Undefined for most tokens. */
    public rare: RareParts | undefined,
  ) {
    this.secret = secretHash;
  }

  get secretHash(): string | undefined {
    return this.secret.length === SECRET_HASH_CHARS ? this.secret : undefined;
  }
  get acceptedAuthToken(): string | undefined {
    return this.secret.length === SECRET_HASH_CHARS ? undefined : this.secret;
  }

  get key(): string {
    return this.id;
  }
  get tokenId(): string {
    return this.id;
  }
  get limit(): number {
    return this.grant.limit;
  }
  get windowSeconds(): number {
    return this.grant.windowSeconds;
  }
  get accountId(): string {
    return this.grant.accountId;
  }
  get kind(): TokenKind {
    return this.grant.kind;
  }
  get apiVersion(): number {
    return this.grant.apiVersion;
  }
  get scopes(): readonly string[] {
    return this.grant.scopes;
  }
  get scopeSet(): ReadonlySet<string> | undefined {
    return this.grant.scopeSet;
  }
  get state(): TokenState {
    return this.grant.state;
  }
  get expiresAt(): number | null {
    return this.rare?.expiresAt ?? null;
  }
  get notBefore(): number | null {
    return this.rare?.notBefore ?? null;
  }
  get allowedCidrs(): readonly Cidr[] {
    return this.grant.allowedCidrs;
  }
  get apiAccessEnabled(): boolean {
    return this.grant.apiAccessEnabled;
  }
  /** The secret replaced by a reset with a grace window, valid until `previousSecretExpiresAt`. */
  get previousSecretHash(): string | null {
    return this.rare?.previousSecretHash ?? null;
  }
  get previousSecretExpiresAt(): number {
    return this.rare?.previousSecretExpiresAt ?? 0;
  }

  /**
   * Keeps a flat copy of the Auth Token that matched the current secret in place of its hash. Issued Auth Tokens
   * are never as long as a hash; one that were would not be remembered, and the hash would go on answering.
   */
  rememberSecret(authToken: string): void {
    if (authToken.length !== SECRET_HASH_CHARS) this.secret = detachedCopy(authToken);
  }
}
// On the prototype: the discriminant of CacheEntry costs no slot in each of a million entries.
Object.defineProperty(CachedToken.prototype, 'negative', { value: false });

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
const SEPARATOR = '\u0000';
const LIST_SEPARATOR = '\u0001';

/** Shares equal values between entries (bounded: past the bound, values are kept as they are). */
class Interner<T> {
  private readonly known = new Map<string, T>();
  constructor(private readonly bound: number) {}

  /** The shared value for `key`, made by `make` the first time, and again when `current` says it is not. */
  get(key: string, make: () => T, current: (known: T) => boolean = () => true): T {
    const known = this.known.get(key);
    if (known !== undefined && current(known)) return known;
    const value = make();
    if (known !== undefined || this.known.size < this.bound) this.known.set(key, value);
    return value;
  }
}

const INTERNED = 50_000;

/** Makes cache entries from stored tokens, sharing what repeats. */
export class EntryFactory {
  private readonly strings = new Interner<string>(INTERNED);
  private readonly lists = new Interner<readonly string[]>(INTERNED);
  private readonly grants = new Interner<Grant>(INTERNED);

  constructor(private readonly catalog: Catalog) {
    for (const id of this.catalog.scopesById.keys()) this.string(id);
    for (const value of [...TOKEN_KINDS, ...TOKEN_STATES]) this.string(value);
  }

  private string(value: string): string {
    return this.strings.get(value, () => value);
  }

  private list(values: readonly string[]): readonly string[] {
    return this.lists.get(values.join(SEPARATOR), () => Object.freeze(values.map((v) => this.string(v))));
  }

  /** `account`: the cache's current mark for the token's account (TokenCache.markOf). */
  make(row: VerifiableToken, account: AccountMark): CachedToken {
    const rule: RateLimitRule = row.rateLimit ?? this.catalog.defaultRateLimit;
    const { accountId, kind, apiVersion, state, allowedCidrs, apiAccessEnabled, expiresAt, notBefore, previousSecretHash } = row;
    const key = [accountId, kind, apiVersion, row.scopes.join(LIST_SEPARATOR), state, allowedCidrs.join(LIST_SEPARATOR), apiAccessEnabled, rule.limit, rule.windowSeconds].join(SEPARATOR);
    const grant = this.grants.get(key, () => {
      const scopes = this.list(row.scopes);
      const cidrs = allowedCidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
      return Object.freeze({
        accountId: this.string(accountId),
        account,
        kind: this.string(kind) as TokenKind,
        apiVersion,
        scopes,
        scopeSet: scopes.length > SCOPE_SET_THRESHOLD ? new Set(scopes) : undefined,
        state: this.string(state) as TokenState,
        allowedCidrs: cidrs.length > 0 ? Object.freeze(cidrs) : NO_CIDRS,
        apiAccessEnabled,
        limit: rule.limit,
        windowSeconds: rule.windowSeconds,
      });
    }, (known) => known.account === account);
    const rare =
      expiresAt !== null || notBefore !== null || previousSecretHash
        ? { expiresAt, notBefore, previousSecretHash: previousSecretHash ? hexToLatin1(previousSecretHash) : null, previousSecretExpiresAt: row.previousSecretExpiresAt ?? 0, scopeBuckets: undefined }
        : undefined;
    return new CachedToken(row.id, row.accountSid, row.name, grant, hexToLatin1(row.secretHash), rare);
  }
}

/** What answers report about a token: a fresh object, so nothing of the cache entry (hashes, memo) leaks out. */
export function identityOf(entry: TokenIdentity): TokenIdentity {
  return { id: entry.id, accountId: entry.accountId, accountSid: entry.accountSid, name: entry.name, kind: entry.kind, apiVersion: entry.apiVersion, scopes: entry.scopes };
}

const hexToLatin1 = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');

/** A flat copy of a string: a substring of a request would keep the whole request text alive in the cache. */
const detachedCopy = (value: string) => Buffer.from(value, 'latin1').toString('latin1');

export function negativeEntry(accountSid: string): NegativeEntry {
  return { negative: true, accountSid, staleAt: 0, touchedAt: 0 };
}

export function hasScope(entry: TokenFacts, scopeId: string): boolean {
  const { scopeSet } = entry;
  return scopeSet ? scopeSet.has(scopeId) : entry.scopes.includes(scopeId);
}

/** The bucket for a scope's own limit (impact.com: ReportExport 100/day), or undefined when it declares none. */
export function scopeBucket(entry: CachedToken, scopeId: string, rule: RateLimitRule | undefined): RateBucket | undefined {
  if (!rule) return undefined;
  entry.rare ??= { expiresAt: null, notBefore: null, previousSecretHash: null, previousSecretExpiresAt: 0, scopeBuckets: undefined };
  entry.rare.scopeBuckets ??= new Map();
  let bucket = entry.rare.scopeBuckets.get(scopeId);
  if (!bucket) {
    const tokenId = entry.id;
    bucket = { key: `${tokenId}:${scopeId}`, tokenId, limit: rule.limit, windowSeconds: rule.windowSeconds };
    entry.rare.scopeBuckets.set(scopeId, bucket);
  }
  return bucket;
}
