/**
 * Concurrent operations on one token never lose an update: every write lands on the revision it read
 * (re-reading and re-applying otherwise), so the final row carries every change.
 */
import { expect } from 'vitest';
import { hashSecret } from '../../src/domain/credentials.js';
import type { Context } from '../support/databases.js';
import { createBrand, describeEachStore, test } from '../support/fixtures.js';

const N = 12;

describeEachStore('concurrent changes to one token', {}, () => {
  const row = (context: Context, id: string) => context.store.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const hashOf = (context: Context, authToken: string) => hashSecret(authToken, context.keys.hashKey);

  test(`${N} parallel resets all succeed with distinct secrets, and only the last one written matches the stored hash`, async ({ context, brand }) => {
    const { token, authToken: original } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Raced' });
    const results = await Promise.all(Array.from({ length: N }, (_, i) => context.tokens.reset(i % 2 ? brand.admin : brand.users.implementation_specialist, brand.accountId, token.id)));
    const secrets = results.map((r) => r.authToken);
    expect(new Set([...secrets, original]).size).toBe(N + 1);
    // Every reset wrote its own revision: 2 … N+1, each exactly once.
    expect(results.map((r) => r.token.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 2));
    const stored = await row(context, token.id);
    expect(stored.revision).toBe(1 + N);
    const last = results.find((r) => r.token.revision === N + 1)!;
    expect(stored.secret_hash).toBe(hashOf(context, last.authToken));
    for (const r of results.filter((x) => x !== last)) expect(stored.secret_hash).not.toBe(hashOf(context, r.authToken));
    expect((await context.tokens.revealCredentials(brand.admin, brand.accountId, token.id)).authToken).toBe(last.authToken);
    const resets = (await context.tokens.events(brand.admin, brand.accountId, token.id)).filter((e) => e.action === 'token.reset');
    expect(resets).toHaveLength(N);
  });

  test('parallel edits of different fields all land: the final token has every edit and revision = 1 + writes', async ({ context, brand }) => {
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Edited by many' });
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
      ...edits.map((edit) => context.tokens.update(brand.admin, brand.accountId, token.id, edit)),
      context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled'),
      context.tokens.reset(brand.admin, brand.accountId, token.id),
    ]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const final = await context.tokens.get(brand.admin, brand.accountId, token.id);
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
    const events = await context.tokens.events(brand.admin, brand.accountId, token.id);
    expect(events).toHaveLength(1 + edits.length + 2);
  });

  test('enabling legacy tokens twice at once (a double click) still creates one pair', async ({ context }) => {
    const own = await createBrand(context);
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => context.tokens.enableLegacyTokens(i % 2 ? own.admin : own.users.implementation_specialist, own.accountId)));
    expect(results).toEqual(results.map(() => ({ apiAccessEnabled: true, legacyTokensEnabled: true })));
    const items = (await context.tokens.list(own.admin, own.accountId, {})).items;
    expect(items.map((i) => i.kind).sort()).toEqual(['legacy_ro', 'legacy_rw']);
    const events = await context.store.db.selectFrom('audit_events').select('action').where('account_id', '=', own.accountId).where('action', 'in', ['account.legacy_tokens_enable', 'account.api_access_enable']).execute();
    expect(events.map((e) => e.action).sort()).toEqual(['account.api_access_enable', 'account.legacy_tokens_enable']);
  });

  test('enabling API access twice at once records it once', async ({ context }) => {
    const own = await createBrand(context, { apiAccess: false });
    await Promise.all([context.tokens.enableApiAccess(own.admin, own.accountId), context.tokens.enableApiAccess(own.users.implementation_specialist, own.accountId)]);
    const events = await context.store.db.selectFrom('audit_events').select('action').where('account_id', '=', own.accountId).where('action', '=', 'account.api_access_enable').execute();
    expect(events).toHaveLength(1);
  });

  test('a reset racing a delete either lands before it or finds the token gone; nothing is half-written', async ({ context, brand }) => {
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Going away' });
    const [reset, removed] = await Promise.allSettled([context.tokens.reset(brand.admin, brand.accountId, token.id), context.tokens.delete(brand.admin, brand.accountId, token.id)]);
    expect(removed.status).toBe('fulfilled');
    if (reset.status === 'rejected') expect(reset.reason).toMatchObject({ status: 404 });
    expect(await context.store.db.selectFrom('tokens').select('id').where('id', '=', token.id).executeTakeFirst()).toBeUndefined();
  });
});
