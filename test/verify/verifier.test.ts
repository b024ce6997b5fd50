import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyPlugin } from 'kysely';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { generateAccountSid, generateAuthToken } from '../../src/domain/credentials.js';
import { Verifier, type VerificationRequest } from '../../src/verify/verifier.js';
import { MemoryRateLimitStore } from '../../src/verify/rate-limit.js';
import { UsageRecorder } from '../../src/verify/usage.js';
import { findVerifiableToken } from '../../src/verify/repository.js';
import { apiPath, basic, issueToken, type Issued } from './helpers.js';

describeEachDialect('verifier', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  let clock = Date.now();
  beforeAll(async () => {
    t = await createTestContext(dialect, { now: () => clock });
    brand = await createBrand(t.context);
  });
  afterAll(() => t.close());

  const verify = async (issued: Pick<Issued, 'accountSid' | 'authToken'>, rest = '/Actions', extra: Partial<VerificationRequest> = {}) =>
    t.context.verifier.verify({ authorization: basic(issued.accountSid, issued.authToken), method: 'GET', path: apiPath(issued.accountSid, rest), ...extra });

  describe('answers', () => {
    it('allows a granted endpoint and says who the token is, with the rate limit', async () => {
      const issued = await issueToken(t.context, brand, { name: 'Nightly sync' });
      const result = await verify(issued, '/Actions/42');
      expect(result).toMatchObject({
        valid: true,
        code: 'ALLOWED',
        status: 200,
        apiVersion: 14,
        token: { id: issued.tokenId, accountId: brand.accountId, accountSid: issued.accountSid, name: 'Nightly sync', kind: 'scoped', apiVersion: 14, scopes: ['getActionById', 'listActions'] },
        rateLimit: { limit: 1000, remaining: 999 },
      });
    });

    it('accepts Bearer SID:Token and the two parts given separately', async () => {
      const issued = await issueToken(t.context, brand);
      expect((await verify(issued, '/Actions', { authorization: `Bearer ${issued.accountSid}:${issued.authToken}` })).code).toBe('ALLOWED');
      expect((await t.context.verifier.verify({ accountSid: issued.accountSid, authToken: issued.authToken, method: 'GET', path: apiPath(issued.accountSid) })).code).toBe('ALLOWED');
    });

    it('401 for a missing header, a bad checksum, an unknown SID, a wrong secret, and another SID in the path', async () => {
      const issued = await issueToken(t.context, brand);
      const noHeader = await t.context.verifier.verify({ method: 'GET', path: apiPath(issued.accountSid) });
      const badChecksum = await verify({ accountSid: issued.accountSid, authToken: `${issued.authToken.slice(0, -1)}${issued.authToken.endsWith('x') ? 'y' : 'x'}` });
      const unknownSid = await verify({ accountSid: generateAccountSid('IR'), authToken: issued.authToken });
      const wrongSecret = await verify({ accountSid: issued.accountSid, authToken: generateAuthToken() });
      const otherPath = await t.context.verifier.verify({ authorization: issued.authorization, method: 'GET', path: apiPath(generateAccountSid('IR')) });
      for (const result of [noHeader, badChecksum, unknownSid, wrongSecret, otherPath]) {
        expect(result).toMatchObject({ valid: false, code: 'INVALID_CREDENTIALS', status: 401 });
        expect(result.token).toBeUndefined();
        expect(result.rateLimit).toBeUndefined();
      }
    });

    it('403 INSUFFICIENT_SCOPE names the scope, and still reports the rate limit without spending it', async () => {
      const issued = await issueToken(t.context, brand);
      const result = await verify(issued, '/Actions', { method: 'PUT' });
      expect(result).toMatchObject({ code: 'INSUFFICIENT_SCOPE', status: 403, requiredScope: { id: 'updateActionOrItems', name: 'Update action', method: 'PUT', path: '/Advertisers/{AccountSID}/Actions' }, rateLimit: { remaining: 1000 } });
    });

    it('the request may name another API version; the scope check uses that version', async () => {
      const issued = await issueToken(t.context, brand, { scopes: ['acceptContract'] });
      expect((await verify(issued, '/Programs/1/Contracts', { method: 'POST' })).code).toBe('ALLOWED');
      expect(await verify(issued, '/Programs/1/Contracts', { method: 'POST', apiVersion: '12' })).toMatchObject({ code: 'INSUFFICIENT_SCOPE', apiVersion: 12 });
      expect((await verify(issued, '/Programs/1/Contracts', { method: 'POST', apiVersion: '9' })).code).toBe('VERSION_UNSUPPORTED');
    });

    it('IP allow-lists, validity windows', async () => {
      const ipBound = await issueToken(t.context, brand, { allowedCidrs: ['203.0.113.0/24'] });
      expect((await verify(ipBound, '/Actions', { ip: '203.0.113.7' })).code).toBe('ALLOWED');
      expect((await verify(ipBound, '/Actions', { ip: '198.51.100.7' })).code).toBe('IP_NOT_ALLOWED');
      const later = await issueToken(t.context, brand, { notBefore: new Date(clock + 60_000).toISOString(), expiresAt: new Date(clock + 120_000).toISOString() });
      expect((await verify(later)).code).toBe('TOKEN_NOT_YET_VALID');
      clock += 60_000;
      expect((await verify(later)).code).toBe('ALLOWED');
      clock += 60_000;
      expect((await verify(later)).code).toBe('TOKEN_EXPIRED');
    });

    it('429 RATE_LIMITED with Retry-After once the token limit is spent', async () => {
      const issued = await issueToken(t.context, brand, { rateLimit: { limit: 2, windowSeconds: 60 } });
      expect((await verify(issued)).rateLimit).toMatchObject({ limit: 2, remaining: 1 });
      expect((await verify(issued)).rateLimit).toMatchObject({ limit: 2, remaining: 0 });
      const limited = await verify(issued);
      expect(limited).toMatchObject({ valid: false, code: 'RATE_LIMITED', status: 429, rateLimit: { limit: 2, remaining: 0 } });
      expect(limited.retryAfter).toBeGreaterThan(0);
      expect(limited.retryAfter).toBeLessThanOrEqual(60);
    });

    it("a scope's own catalog limit applies on top of the token's (Click Export: 10 a day)", async () => {
      const issued = await issueToken(t.context, brand, { scopes: ['exportClicks', 'listActions'] });
      for (let i = 0; i < 10; i++) expect((await verify(issued, '/Programs/7/ClickExport')).code).toBe('ALLOWED');
      expect(await verify(issued, '/Programs/7/ClickExport')).toMatchObject({ code: 'RATE_LIMITED', rateLimit: { limit: 10, remaining: 0 } });
      expect(await verify(issued, '/Actions')).toMatchObject({ code: 'ALLOWED', rateLimit: { limit: 1000, remaining: 989 } });
    });

    it('legacy tokens: Read/Write reaches every catalog endpoint of its account, Read-Only gets 403 naming the scope for any non-GET', async () => {
      const { operator } = await import('../../src/domain/actor.js');
      const legacyBrand = await createBrand(t.context);
      await t.context.tokens.enableLegacyTokens(operator('test'), legacyBrand.accountId);
      const page = await t.context.tokens.list(legacyBrand.admin, legacyBrand.accountId, {});
      const pair = async (kind: string) => {
        const token = page.items.find((i) => i.kind === kind)!;
        const { authToken } = await t.context.tokens.revealCredentials(legacyBrand.admin, legacyBrand.accountId, token.id);
        return { accountSid: token.accountSid, authToken };
      };
      const rw = await pair('legacy_rw');
      const ro = await pair('legacy_ro');
      expect((await verify(rw, '/Catalogs/1/Items/2', { method: 'DELETE' })).code).toBe('ALLOWED');
      expect((await verify(rw, '/Campaigns/1', { method: 'DELETE' })).code).toBe('INSUFFICIENT_SCOPE');
      expect((await verify(ro, '/Campaigns/1')).code).toBe('ALLOWED');
      expect(await verify(ro, '/Actions', { method: 'PUT' })).toMatchObject({ code: 'INSUFFICIENT_SCOPE', requiredScope: { id: 'updateActionOrItems' } });
    });
  });

  describe('every mutation takes effect before the API call returns', () => {
    it('reset: the old secret fails at once, the new one works', async () => {
      const issued = await issueToken(t.context, brand);
      expect((await verify(issued)).code).toBe('ALLOWED');
      const { authToken } = await t.context.tokens.reset(brand.admin, brand.accountId, issued.tokenId);
      expect((await verify(issued)).code).toBe('INVALID_CREDENTIALS');
      expect((await verify({ accountSid: issued.accountSid, authToken })).code).toBe('ALLOWED');
    });

    it('reset with a grace window: the old secret works until the window ends', async () => {
      const issued = await issueToken(t.context, brand);
      await verify(issued);
      await t.context.tokens.reset(brand.admin, brand.accountId, issued.tokenId, { graceSeconds: 30 });
      expect((await verify(issued)).code).toBe('ALLOWED');
      clock += 30_000;
      expect((await verify(issued)).code).toBe('INVALID_CREDENTIALS');
    });

    it('disable, enable, edit scopes, upgrade, delete', async () => {
      const issued = await issueToken(t.context, brand, { apiVersion: 13, scopes: ['listActions', 'getActionById'] });
      expect((await verify(issued)).code).toBe('ALLOWED');
      await t.context.tokens.setState(brand.admin, brand.accountId, issued.tokenId, 'disabled');
      expect((await verify(issued)).code).toBe('TOKEN_DISABLED');
      await t.context.tokens.setState(brand.admin, brand.accountId, issued.tokenId, 'enabled');
      expect((await verify(issued)).code).toBe('ALLOWED');
      await t.context.tokens.update(brand.admin, brand.accountId, issued.tokenId, { scopes: ['getActionById'] });
      expect(await verify(issued)).toMatchObject({ code: 'INSUFFICIENT_SCOPE', requiredScope: { id: 'listActions' } });
      expect((await verify(issued, '/Actions/1')).apiVersion).toBe(13);
      await t.context.tokens.upgrade(brand.admin, brand.accountId, issued.tokenId, 14);
      expect((await verify(issued, '/Actions/1')).apiVersion).toBe(14);
      await t.context.tokens.update(brand.admin, brand.accountId, issued.tokenId, { expiresAt: new Date(clock + 1000).toISOString() });
      clock += 1000;
      expect((await verify(issued, '/Actions/1')).code).toBe('TOKEN_EXPIRED');
      await t.context.tokens.delete(brand.admin, brand.accountId, issued.tokenId);
      expect((await verify(issued, '/Actions/1')).code).toBe('INVALID_CREDENTIALS');
    });

    it("an account change drops that account's tokens (API access turned off)", async () => {
      const own = await createBrand(t.context);
      const issued = await issueToken(t.context, own);
      expect((await verify(issued)).code).toBe('ALLOWED');
      await t.context.store.db.updateTable('accounts').set({ api_access_enabled: 0 }).where('id', '=', own.accountId).execute();
      await t.context.changes.publish({ kind: 'account', accountId: own.accountId });
      expect((await verify(issued)).code).toBe('API_ACCESS_DISABLED');
    });
  });

  describe('the hot path', () => {
    /** A verifier on the test's database whose every Kysely query is counted. */
    function countedVerifier() {
      let queries = 0;
      let loads = 0;
      // Counted on results, so that precompiled statements are counted too.
      const counter: KyselyPlugin = {
        transformQuery: (args) => args.node,
        transformResult: async (args) => {
          queries++;
          return args.result;
        },
      };
      const store = { ...t.context.store, db: t.context.store.db.withPlugin(counter) };
      const usage = new UsageRecorder({ store, flushIntervalMs: 3_600_000 });
      const verifier = new Verifier({
        store,
        catalog: t.context.catalog,
        hashKey: t.context.keys.hashKey,
        sidPrefix: t.context.config.sidPrefix,
        changes: t.context.changes,
        freshness: t.context.verification.freshness,
        readDeadlineMs: 1_000,
        rateLimits: new MemoryRateLimitStore(),
        usage,
        loader: (sid) => {
          loads++;
          return findVerifiableToken(store.db, sid);
        },
      });
      return { verifier, usage, counts: () => ({ queries, loads }) };
    }

    it('1000 verifications of a warm token make no store call at all (no read, no write)', async () => {
      const issued = await issueToken(t.context, brand, { rateLimit: { limit: 100_000, windowSeconds: 3600 } });
      const { verifier, usage, counts } = countedVerifier();
      const request = { authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid, '/Actions/9') };
      expect((await verifier.verify(request)).code).toBe('ALLOWED');
      expect(counts()).toEqual({ queries: 1, loads: 1 });
      for (let i = 0; i < 1000; i++) {
        const result = verifier.verify(request);
        expect(result).not.toBeInstanceOf(Promise); // answered synchronously from the cache
        expect((result as { code: string }).code).toBe('ALLOWED');
      }
      expect(counts()).toEqual({ queries: 1, loads: 1 });
      expect(usage.pending.counters).toBe(1);
      verifier.close();
      await usage.close();
    });

    it('many concurrent requests for a cold SID share one load; an unknown SID is remembered', async () => {
      const issued = await issueToken(t.context, brand);
      const { verifier, usage, counts } = countedVerifier();
      const request = { authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid) };
      const results = await Promise.all(Array.from({ length: 50 }, () => verifier.verify(request)));
      expect(results.every((r) => r.code === 'ALLOWED')).toBe(true);
      expect(counts().loads).toBe(1);
      const stranger = { authorization: basic(generateAccountSid('IR'), generateAuthToken()), method: 'GET', path: '/Advertisers/x' };
      await verifier.verify(stranger);
      await verifier.verify(stranger);
      expect(counts().loads).toBe(2);
      verifier.close();
      await usage.close();
    });

    it('unknown Account SIDs from one client are bounded before the database; other clients and cached tokens are unaffected', async () => {
      const issued = await issueToken(t.context, brand);
      const { verifier, usage, counts } = countedVerifier();
      const known = { authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid), ip: '198.51.100.1' };
      expect((await verifier.verify(known)).code).toBe('ALLOWED');
      const stranger = (ip: string) => ({ authorization: basic(generateAccountSid('IR'), generateAuthToken()), method: 'GET', path: '/Advertisers/x', ip });
      for (let i = 0; i < 30; i++) expect((await verifier.verify(stranger('198.51.100.1'))).code).toBe('INVALID_CREDENTIALS');
      expect(counts().loads).toBe(31);
      const bounded = await verifier.verify(stranger('198.51.100.1'));
      expect(bounded).toMatchObject({ code: 'RATE_LIMITED', status: 429, detail: { field: 'Authorization' } });
      expect(bounded.retryAfter).toBeGreaterThan(0);
      expect(counts().loads).toBe(31); // refused before the database
      expect((await verifier.verify(known)).code).toBe('ALLOWED');
      expect((await verifier.verify(stranger('203.0.113.9'))).code).toBe('INVALID_CREDENTIALS');
      expect(counts().loads).toBe(32);
      verifier.close();
      await usage.close();
    });

    it('a load that was in flight when the token was reset is not used by later requests', async () => {
      const issued = await issueToken(t.context, brand);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let first = true;
      const usage = new UsageRecorder({ store: t.context.store, flushIntervalMs: 3_600_000 });
      const verifier = new Verifier({
        store: t.context.store,
        catalog: t.context.catalog,
        hashKey: t.context.keys.hashKey,
        sidPrefix: t.context.config.sidPrefix,
        changes: t.context.changes,
        freshness: t.context.verification.freshness,
        readDeadlineMs: 1_000,
        rateLimits: new MemoryRateLimitStore(),
        usage,
        // The first load reads the row, then stalls until released: as if the database were slow.
        loader: async (sid) => {
          const row = await findVerifiableToken(t.context.store.db, sid);
          if (first) {
            first = false;
            await gate;
          }
          return row;
        },
      });
      const request = { authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid) };
      const early = verifier.verify(request);
      await new Promise((r) => setTimeout(r, 50));
      await t.context.tokens.reset(brand.admin, brand.accountId, issued.tokenId);
      const late = verifier.verify(request);
      release();
      // The early request read the row before the reset; the late one must not reuse that read.
      expect((await early).code).toBe('ALLOWED');
      expect((await late).code).toBe('INVALID_CREDENTIALS');
      expect((await verifier.verify(request)).code).toBe('INVALID_CREDENTIALS');
      verifier.close();
      await usage.close();
    });
  });

  describe('usage', () => {
    it('counts per token per day by code and records last use, written in a batch on flush', async () => {
      const issued = await issueToken(t.context, brand);
      await t.context.usage.flush();
      await verify(issued, '/Actions', { ip: '198.51.100.4' });
      await verify(issued, '/Actions', { ip: '198.51.100.4' });
      await verify(issued, '/Actions', { method: 'PUT', ip: '198.51.100.4' });
      await verify({ accountSid: issued.accountSid, authToken: generateAuthToken() });
      const before = await t.context.tokens.usage(brand.admin, brand.accountId, issued.tokenId);
      expect(before.lastUsedAt).toBeNull(); // nothing written on the hot path
      await t.context.usage.flush();
      const after = await t.context.tokens.usage(brand.admin, brand.accountId, issued.tokenId);
      const today = after.days[after.days.length - 1];
      expect(today).toMatchObject({ allowed: 2, denied: { INSUFFICIENT_SCOPE: 1, INVALID_CREDENTIALS: 1 } });
      expect(after.lastUsedIp).toBe('198.51.100.4');
      expect(after.lastUsedAt).toBe(clock);
    });
  });
});

describe('usage recorder', () => {
  it('keeps a batch that failed to write for the next flush', async () => {
    let fail = true;
    const written: unknown[] = [];
    const store = {
      db: {
        transaction: () => ({
          execute: async () => {
            if (fail) throw new Error('database unavailable');
            written.push('batch');
          },
        }),
      },
    } as never;
    const errors: unknown[] = [];
    const usage = new UsageRecorder({ store, flushIntervalMs: 3_600_000, onError: (e) => errors.push(e) });
    usage.count('tok_1', 'ALLOWED', 0);
    usage.markUsed('tok_1', 0, '192.0.2.1');
    await usage.flush();
    expect(errors).toHaveLength(1);
    expect(usage.pending).toEqual({ counters: 1, lastUses: 1 });
    fail = false;
    await usage.close();
    expect(written).toEqual(['batch']);
    expect(usage.pending).toEqual({ counters: 0, lastUses: 0 });
  });
});
