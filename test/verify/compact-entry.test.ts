/**
 * The compact cache entry answers exactly as the plain one (test/support/reference-entry.ts): the same facts, the
 * same decision for any request, the same secret matches as the memo takes over from the hash, however many
 * tokens share a grant. And the memory levers around it: the configured cache size bounds the cache, an account
 * change drops its entries without an index yet a later load is served, the rate limiter gets the entry itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { generateAccountSid, generateAuthToken, hashSecret } from '../../src/domain/credentials.js';
import { parseRequestTarget } from '../../src/domain/request-target.js';
import { authorize, matchSecret, prepareCatalog } from '../../src/verify/decision.js';
import { EntryFactory, type RateBucket, type TokenFacts, identityOf } from '../../src/verify/entry.js';
import { TokenCache, DEFAULT_CACHE_OPTIONS } from '../../src/verify/cache.js';
import { MemoryRateLimitStore, type RateLimitStore } from '../../src/verify/rate-limit.js';
import { UsageRecorder } from '../../src/verify/usage.js';
import type { VerifiableToken } from '../../src/verify/repository.js';
import { referenceEntry } from '../support/reference-entry.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { type Issued, brandCatalog, issueToken, ownVerifier } from './helpers.js';

const catalog = brandCatalog();
const rules = prepareCatalog(catalog);
const hashKey = randomBytes(32);
const NOW = Date.parse('2026-07-01T12:00:00Z');
const scopeIds = [...catalog.scopesById.keys()];
const scopePaths = [...new Set([...catalog.scopesById.values()].map((scope) => scope.path))];

/** Few values of each, so generated tokens share grants, scope lists and accounts. */
const tokenSpec = fc.record({
  account: fc.constantFrom('acc_1', 'acc_2', 'acc_3'),
  kind: fc.constantFrom('scoped', 'legacy_rw', 'legacy_ro'),
  apiVersion: fc.constantFrom(11, 12, 13, 14),
  scopes: fc.oneof(fc.constantFrom(['listActions', 'getActionById'], ['listActions']), fc.subarray(scopeIds, { maxLength: 24 })),
  state: fc.constantFrom('enabled', 'enabled', 'disabled'),
  expiresAt: fc.option(fc.integer({ min: NOW - 10_000, max: NOW + 10_000 })),
  notBefore: fc.option(fc.integer({ min: NOW - 10_000, max: NOW + 10_000 })),
  allowedCidrs: fc.constantFrom([], ['10.0.0.0/8'], ['203.0.113.0/24', '2001:db8::/32']),
  rateLimit: fc.option(fc.constantFrom({ limit: 5, windowSeconds: 60 }, { limit: 1000, windowSeconds: 3600 })),
  withPrevious: fc.boolean(),
  previousExpiresIn: fc.integer({ min: -5_000, max: 5_000 }),
  apiAccessEnabled: fc.boolean(),
});

const requestSpec = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'get'),
  ownSid: fc.boolean(),
  path: fc.oneof(fc.constantFrom(...scopePaths), fc.constantFrom('/Advertisers/{AccountSID}/Nowhere', '/advertisers/{AccountSID}/actions', '/Elsewhere')),
  apiVersion: fc.option(fc.constantFrom('11', '14', 14, '99', 'x')),
  ip: fc.option(fc.constantFrom('10.1.2.3', '203.0.113.9', '2001:db8::1', '198.51.100.1')),
  at: fc.integer({ min: NOW - 12_000, max: NOW + 12_000 }),
  secret: fc.constantFrom('current', 'previous', 'other'),
});

interface Made {
  row: VerifiableToken;
  current: string;
  previous: string;
}

type TokenSpec = typeof tokenSpec extends fc.Arbitrary<infer T> ? T : never;

function made(spec: TokenSpec): Made {
  const current = generateAuthToken();
  const previous = generateAuthToken();
  const row: VerifiableToken = {
    id: `tok_${generateAuthToken().slice(4, 24)}`,
    accountId: spec.account,
    accountSid: generateAccountSid('IR'),
    name: 'Nightly sync',
    kind: spec.kind as VerifiableToken['kind'],
    apiVersion: spec.apiVersion,
    scopes: [...spec.scopes],
    state: spec.state as VerifiableToken['state'],
    expiresAt: spec.expiresAt,
    notBefore: spec.notBefore,
    allowedCidrs: [...spec.allowedCidrs],
    rateLimit: spec.rateLimit,
    secretHash: hashSecret(current, hashKey),
    previousSecretHash: spec.withPrevious ? hashSecret(previous, hashKey) : null,
    previousSecretExpiresAt: spec.withPrevious ? NOW + spec.previousExpiresIn : null,
    apiAccessEnabled: spec.apiAccessEnabled,
  };
  return { row, current, previous };
}

const FACTS: (keyof TokenFacts | keyof RateBucket)[] = [
  'id', 'accountId', 'accountSid', 'name', 'kind', 'apiVersion', 'scopes', 'scopeSet', 'state', 'expiresAt', 'notBefore', 'allowedCidrs', 'apiAccessEnabled', 'previousSecretHash', 'previousSecretExpiresAt', 'key', 'tokenId', 'limit', 'windowSeconds',
];

describe('the compact cache entry answers as the plain one', () => {
  it('the same facts, the same decision and the same secret matches, for generated tokens and requests', () => {
    const entries = new EntryFactory(catalog);
    const cache = new TokenCache();
    fc.assert(
      fc.property(fc.array(fc.tuple(tokenSpec, fc.array(requestSpec, { minLength: 1, maxLength: 8 })), { minLength: 1, maxLength: 6 }), (tokens) => {
        // One factory for all of them: tokens of equal grants share one, and must still answer for themselves.
        const pairs = tokens.map(([spec, requests]) => {
          const token = made(spec);
          return { token, requests, compact: entries.make(token.row, cache.markOf(token.row.accountId)), reference: referenceEntry(token.row, catalog) };
        });
        for (const { token, requests, compact, reference } of pairs) {
          for (const fact of FACTS) expect(compact[fact], fact).toEqual(reference[fact]);
          expect(identityOf(compact)).toEqual(identityOf(reference));
          for (const r of requests) {
            const sid = r.ownSid ? token.row.accountSid : generateAccountSid('IR');
            const target = parseRequestTarget(r.path.replace('{AccountSID}', sid).replace(/\{[^}]+\}/g, '42'));
            const authToken = r.secret === 'current' ? token.current : r.secret === 'previous' ? token.previous : generateAuthToken();
            const match = matchSecret(compact, authToken, hashKey, r.at);
            expect(match).toBe(matchSecret(reference, authToken, hashKey, r.at));
            // As the verifier does: the first match of the current secret becomes the memo.
            if (match === 'current' && compact.acceptedAuthToken === undefined) compact.rememberSecret(authToken);
            if (match === 'current' && reference.acceptedAuthToken === undefined) reference.acceptedAuthToken = authToken;
            if (target.refused) continue;
            const facts = { method: r.method, apiVersion: r.apiVersion ?? undefined, ip: r.ip ?? undefined };
            expect(authorize(compact, facts, target, rules, r.at)).toEqual(authorize(reference, facts, target, rules, r.at));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('once the memo holds the current secret the hash is gone, and only the memo or the grace secret match', () => {
    const current = generateAuthToken();
    const previous = generateAuthToken();
    const entry = new EntryFactory(catalog).make({ ...made(fc.sample(tokenSpec, 1)[0]).row, secretHash: hashSecret(current, hashKey), previousSecretHash: hashSecret(previous, hashKey), previousSecretExpiresAt: NOW + 1000 }, { dropped: false });
    expect(matchSecret(entry, current, hashKey, NOW)).toBe('current');
    entry.rememberSecret(current);
    expect([entry.secretHash, entry.acceptedAuthToken]).toEqual([undefined, current]);
    expect([matchSecret(entry, current, hashKey, NOW), matchSecret(entry, previous, hashKey, NOW), matchSecret(entry, generateAuthToken(), hashKey, NOW)]).toEqual(['current', 'previous', 'none']);
  });

  it('tokens of one account with the same rules share one frozen grant', () => {
    const entries = new EntryFactory(catalog);
    const cache = new TokenCache();
    const make = (row: VerifiableToken) => entries.make(row, cache.markOf(row.accountId));
    const spec = { ...fc.sample(tokenSpec, 1)[0], expiresAt: NOW, notBefore: null };
    const [a, b] = [make(made(spec).row), make(made({ ...spec, expiresAt: NOW + 1 }).row)];
    const other = make(made({ ...spec, account: spec.account === 'acc_1' ? 'acc_2' : 'acc_1' }).row);
    expect(a.grant).toBe(b.grant);
    expect(Object.isFrozen(a.grant)).toBe(true);
    expect(other.grant).not.toBe(a.grant);
    expect([a.expiresAt, b.expiresAt]).toEqual([NOW, NOW + 1]);
  });
});

describe('an account change without an index of SIDs', () => {
  // One factory, as in the verifier: the tokens share a grant, and so the account's mark.
  const entries = new EntryFactory(catalog);
  const spec = fc.sample(tokenSpec, 1)[0];
  let cache: TokenCache;
  const token = (accountSid: string, accountId: string) => entries.make({ ...made(spec).row, accountSid, accountId }, cache.markOf(accountId));

  it('drops every entry of the account at once, and serves what is loaded after it', () => {
    cache = new TokenCache({ ...DEFAULT_CACHE_OPTIONS, maxEntries: 10 });
    const before = [['IR1', 'acc_1'], ['IR2', 'acc_1'], ['IR3', 'acc_2']].map(([sid, account]) => token(sid, account));
    for (const entry of before) cache.set(entry, 0, cache.generation);
    expect(before[0].grant).toBe(before[1].grant);
    cache.invalidate({ kind: 'account', accountId: 'acc_1' });
    expect(['IR1', 'IR2', 'IR3'].map((sid) => cache.get(sid, 1)?.accountSid)).toEqual([undefined, undefined, 'IR3']);
    // The same values as before, but a grant of its own: the interned one holds the dropped mark.
    const reloaded = token('IR1', 'acc_1');
    expect(reloaded.grant).not.toBe(before[0].grant);
    expect(reloaded.grant).toEqual({ ...before[0].grant, account: { dropped: false } });
    expect(token('IR2', 'acc_1').grant).toBe(reloaded.grant);
    expect(cache.set(reloaded, 2, cache.generation)).toBe(true);
    expect(cache.get('IR1', 3)).toBe(reloaded);
    cache.invalidate({ kind: 'all' });
    cache.set(token('IR2', 'acc_1'), 4, cache.generation);
    cache.invalidate({ kind: 'account', accountId: 'acc_1' });
    expect(cache.get('IR2', 5)).toBeUndefined();
  });
});

describeEachDialect('the configured cache size', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  beforeAll(async () => {
    t = await createTestContext(dialect, { config: { tokenCacheEntries: 100 } });
    brand = await createBrand(t.context);
  });
  afterAll(() => t.close());

  it('TOKEN_CACHE_ENTRIES bounds the cache: past it the least recently used token is read again, and still answered right', async () => {
    const issued: Issued[] = [];
    for (let i = 0; i < 103; i++) issued.push(await issueToken(t.context, brand));
    const verify = (token: Issued) => t.context.verifier.verify({ authorization: token.authorization, method: 'GET', path: `/Advertisers/${token.accountSid}/Actions` });
    for (const token of issued) expect((await verify(token)).code).toBe('ALLOWED');
    expect(t.context.verifier.cache.size.tokens).toBe(100);
    const misses = t.context.verifier.cacheLookups.misses;
    expect((await verify(issued[0])).code).toBe('ALLOWED'); // evicted: read again
    expect(t.context.verifier.cacheLookups.misses).toBe(misses + 1);
    expect((await verify(issued[102])).code).toBe('ALLOWED'); // recent: from the cache
    expect(t.context.verifier.cacheLookups.misses).toBe(misses + 1);
  });

  it('the rate limiter gets the cache entry itself as the token bucket, in one array reused by every request', async () => {
    const seen: (readonly RateBucket[])[] = [];
    const memory = new MemoryRateLimitStore();
    const recording: RateLimitStore = {
      consume: (buckets, now, dryRun) => {
        seen.push(buckets);
        return memory.consume(buckets, now, dryRun);
      },
      close: () => memory.close(),
    };
    const usage = new UsageRecorder({ store: t.context.store });
    const verifier = ownVerifier(t.context, { freshness: t.context.verification.freshness, usage, readDeadlineMs: 1000, rateLimits: recording });
    const [a, b] = [await issueToken(t.context, brand), await issueToken(t.context, brand)];
    for (const token of [a, b, a]) await verifier.verify({ authorization: token.authorization, method: 'GET', path: `/Advertisers/${token.accountSid}/Actions` });
    expect(seen.length).toBe(3);
    expect(new Set(seen).size).toBe(1);
    expect(seen[2][0]).toBe(verifier.cache.get(a.accountSid, Date.now()));
    verifier.close();
    await usage.close();
    await recording.close();
  });
});
