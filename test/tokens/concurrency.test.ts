/**
 * Concurrent operations on one token never lose an update: every write lands on the revision it read
 * (re-reading and re-applying otherwise), so the final row carries every change.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashSecret } from '../../src/domain/credentials.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';

const N = 12;

describeEachDialect('concurrent changes to one token', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  beforeAll(async () => {
    t = await createTestContext(dialect);
    brand = await createBrand(t.context);
  });
  afterAll(() => t.close());

  const row = (id: string) => t.context.store.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const hashOf = (authToken: string) => hashSecret(authToken, t.context.keys.hashKey);

  it(`${N} parallel resets all succeed with distinct secrets, and only the last one written matches the stored hash`, async () => {
    const { token, authToken: original } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Raced' });
    const results = await Promise.all(Array.from({ length: N }, (_, i) => t.context.tokens.reset(i % 2 ? brand.admin : brand.users.implementation_specialist, brand.accountId, token.id)));
    const secrets = results.map((r) => r.authToken);
    expect(new Set([...secrets, original]).size).toBe(N + 1);
    // Every reset wrote its own revision: 2 … N+1, each exactly once.
    expect(results.map((r) => r.token.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 2));
    const stored = await row(token.id);
    expect(stored.revision).toBe(1 + N);
    const last = results.find((r) => r.token.revision === N + 1)!;
    expect(stored.secret_hash).toBe(hashOf(last.authToken));
    for (const r of results.filter((x) => x !== last)) expect(stored.secret_hash).not.toBe(hashOf(r.authToken));
    expect((await t.context.tokens.revealCredentials(brand.admin, brand.accountId, token.id)).authToken).toBe(last.authToken);
    const resets = (await t.context.tokens.events(brand.admin, brand.accountId, token.id)).filter((e) => e.action === 'token.reset');
    expect(resets).toHaveLength(N);
  });

  it('parallel edits of different fields all land: the final token has every edit and revision = 1 + writes', async () => {
    const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Edited by many' });
    const edits = [
      { name: 'Renamed' },
      { description: 'New description' },
      { developerEmails: ['dev@acme.test'] },
      { allowedCidrs: ['10.0.0.0/8'] },
      { rateLimit: { limit: 77, windowSeconds: 60 } },
      { scopes: ['listActions'] },
      { primaryContactUserId: brand.users.finance.userId },
      { expiresAt: '2099-01-01T00:00:00.000Z' },
      { notBefore: '2098-01-01T00:00:00.000Z' },
    ];
    const results = await Promise.allSettled([
      ...edits.map((edit) => t.context.tokens.update(brand.admin, brand.accountId, token.id, edit)),
      t.context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled'),
      t.context.tokens.reset(brand.admin, brand.accountId, token.id),
    ]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const final = await t.context.tokens.get(brand.admin, brand.accountId, token.id);
    expect(final).toMatchObject({
      name: 'Renamed',
      description: 'New description',
      developerEmails: ['dev@acme.test'],
      allowedCidrs: ['10.0.0.0/8'],
      rateLimit: { limit: 77, windowSeconds: 60 },
      scopes: ['listActions'],
      primaryContactUserId: brand.users.finance.userId,
      expiresAt: Date.parse('2099-01-01T00:00:00.000Z'),
      notBefore: Date.parse('2098-01-01T00:00:00.000Z'),
      state: 'disabled',
      revision: 1 + edits.length + 2,
    });
    const events = await t.context.tokens.events(brand.admin, brand.accountId, token.id);
    expect(events).toHaveLength(1 + edits.length + 2);
  });

  it('enabling legacy tokens twice at once (a double click) still creates one pair', async () => {
    const own = await createBrand(t.context);
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => t.context.tokens.enableLegacyTokens(i % 2 ? own.admin : own.users.implementation_specialist, own.accountId)));
    expect(results).toEqual(results.map(() => ({ apiAccessEnabled: true, legacyTokensEnabled: true })));
    const items = (await t.context.tokens.list(own.admin, own.accountId, {})).items;
    expect(items.map((i) => i.kind).sort()).toEqual(['legacy_ro', 'legacy_rw']);
    const events = await t.context.store.db.selectFrom('audit_events').select('action').where('account_id', '=', own.accountId).where('action', 'in', ['account.legacy_tokens_enable', 'account.api_access_enable']).execute();
    expect(events.map((e) => e.action).sort()).toEqual(['account.api_access_enable', 'account.legacy_tokens_enable']);
  });

  it('enabling API access twice at once records it once', async () => {
    const own = await createBrand(t.context, { apiAccess: false });
    await Promise.all([t.context.tokens.enableApiAccess(own.admin, own.accountId), t.context.tokens.enableApiAccess(own.users.implementation_specialist, own.accountId)]);
    const events = await t.context.store.db.selectFrom('audit_events').select('action').where('account_id', '=', own.accountId).where('action', '=', 'account.api_access_enable').execute();
    expect(events).toHaveLength(1);
  });

  it('a reset racing a delete either lands before it or finds the token gone; nothing is half-written', async () => {
    const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Going away' });
    const [reset, removed] = await Promise.allSettled([t.context.tokens.reset(brand.admin, brand.accountId, token.id), t.context.tokens.delete(brand.admin, brand.accountId, token.id)]);
    expect(removed.status).toBe('fulfilled');
    if (reset.status === 'rejected') expect(reset.reason).toMatchObject({ status: 404 });
    expect(await t.context.store.db.selectFrom('tokens').select('id').where('id', '=', token.id).executeTakeFirst()).toBeUndefined();
  });
});
