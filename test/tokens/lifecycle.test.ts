import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { operator } from '../../src/domain/actor.js';
import { hashSecret, isWellFormedAccountSid, isWellFormedAuthToken } from '../../src/domain/credentials.js';
import { open } from '../../src/secrets/keys.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { writeCatalog } from '../support/catalogs.js';

const DAY = 86_400_000;

describeEachDialect('token lifecycle', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  let clock = Date.UTC(2026, 6, 15, 12);
  beforeAll(async () => {
    t = await createTestContext(dialect, { now: () => clock });
    brand = await createBrand(t.context);
  });
  afterAll(() => t.close());

  const row = (id: string) => t.context.store.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
  const eventCount = async () => Number((await t.context.store.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const tokenCount = async () => Number((await t.context.store.db.selectFrom('tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const actions = async (tokenId: string) => (await t.context.store.db.selectFrom('audit_events').select(['action', 'at', 'id']).where('token_id', '=', tokenId).execute()).sort((a, b) => Number(a.at) - Number(b.at) || 0).map((e) => e.action);
  const hashOf = (authToken: string) => hashSecret(authToken, t.context.keys.hashKey);
  const tick = () => (clock += 1000);

  it('a created token comes back in the list with its scopes, and its secret is never part of it', async () => {
    const { token, authToken } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Nightly sync', scopes: ['listActions', 'getActionById'] });
    expect(authToken).toMatch(/^skt_[0-9A-Za-z]{36}$/);
    const page = await t.context.tokens.list(brand.admin, brand.accountId, { name: 'NIGHTLY' });
    expect(page.items.map((i) => i.id)).toEqual([token.id]);
    expect(page.items[0].scopes).toEqual(['getActionById', 'listActions']);
    expect(JSON.stringify(page)).not.toContain(authToken);
  });

  describe('create', () => {
    it('defaults: the latest version, the creator as primary contact, enabled, scoped, the default rate limit, a well-formed SID and Auth Token', async () => {
      tick();
      const { token, authToken } = await t.context.tokens.create(brand.users.implementation_specialist, brand.accountId, { name: '  Looker reporting  ' });
      expect(token).toMatchObject({
        accountId: brand.accountId,
        kind: 'scoped',
        name: 'Looker reporting',
        description: '',
        apiVersion: 14,
        primaryContactUserId: brand.users.implementation_specialist.userId,
        createdBy: brand.users.implementation_specialist.userId,
        developerEmails: [],
        scopes: [],
        state: 'enabled',
        createdAt: clock,
        updatedAt: clock,
        lastUsedAt: null,
        expiresAt: null,
        notBefore: null,
        allowedCidrs: [],
        rateLimit: null,
        graceExpiresAt: null,
        revision: 1,
      });
      expect(t.context.catalog.defaultRateLimit).toEqual({ limit: 1000, windowSeconds: 3600 });
      expect(isWellFormedAccountSid(token.accountSid, 'IR')).toBe(true);
      expect(isWellFormedAuthToken(authToken)).toBe(true);
      expect(token).not.toHaveProperty('secretHash');
      expect(token).not.toHaveProperty('secretCiphertext');
      expect(JSON.stringify(await t.context.tokens.get(brand.admin, brand.accountId, token.id))).not.toContain(authToken);
    });

    it('takes every editable field', async () => {
      const { token } = await t.context.tokens.create(brand.admin, brand.accountId, {
        name: 'Partner bot',
        description: 'Creates partners.',
        apiVersion: 12,
        primaryContactUserId: brand.users.analyst.userId,
        developerEmails: ['Dev@Acme.test'],
        scopes: ['listPartners', 'createPartner'],
        expiresAt: new Date(clock + 30 * DAY).toISOString(),
        notBefore: new Date(clock + DAY).toISOString(),
        allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'],
        rateLimit: { limit: 50, windowSeconds: 60 },
      });
      expect(token).toMatchObject({
        apiVersion: 12,
        primaryContactUserId: brand.users.analyst.userId,
        developerEmails: ['dev@acme.test'],
        scopes: ['createPartner', 'listPartners'],
        expiresAt: clock + 30 * DAY,
        notBefore: clock + DAY,
        allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'],
        rateLimit: { limit: 50, windowSeconds: 60 },
      });
      expect(await t.context.tokens.get(brand.admin, brand.accountId, token.id)).toEqual(token);
    });

    it('invalid input names every bad field and changes nothing', async () => {
      const before = { tokens: await tokenCount(), events: await eventCount() };
      const error = await t.context.tokens
        .create(brand.admin, brand.accountId, { name: '', apiVersion: 9, scopes: ['nope'], developerEmails: ['x'], allowedCidrs: ['300.0.0.1'], primaryContactUserId: 'usr_nobody', rateLimit: { limit: -1, windowSeconds: 1 } })
        .catch((e) => e);
      expect(error.status).toBe(400);
      expect(error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['allowedCidrs', 'apiVersion', 'developerEmails', 'name', 'primaryContactUserId', 'rateLimit.limit', 'scopes']);
      expect({ tokens: await tokenCount(), events: await eventCount() }).toEqual(before);
    });

    it('the primary contact must be a user of the same account', async () => {
      const other = await createBrand(t.context);
      await expect(t.context.tokens.create(brand.admin, brand.accountId, { name: 'x', primaryContactUserId: other.admin.userId })).rejects.toMatchObject({ status: 400, fields: [{ field: 'primaryContactUserId', message: 'must be a user of this account' }] });
    });

    it('is refused with 409 until API access is enabled for the account', async () => {
      const off = await createBrand(t.context, { apiAccess: false });
      const before = await tokenCount();
      await expect(t.context.tokens.create(off.admin, off.accountId, { name: 'early' })).rejects.toMatchObject({ status: 409 });
      expect(await tokenCount()).toBe(before);
      expect(await t.context.tokens.apiSettings(off.admin, off.accountId)).toEqual({ apiAccessEnabled: false, legacyTokensEnabled: false });
    });
  });

  describe('edit', () => {
    it('changes the given fields only, bumps revision and updatedAt, and records what changed', async () => {
      const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Editable', description: 'before', scopes: ['listActions'] });
      tick();
      const edited = await t.context.tokens.update(brand.admin, brand.accountId, token.id, { name: 'Edited', scopes: ['listActions', 'listPartners'], developerEmails: ['a@b.co'], primaryContactUserId: brand.users.finance.userId });
      expect(edited).toMatchObject({ name: 'Edited', description: 'before', scopes: ['listActions', 'listPartners'], developerEmails: ['a@b.co'], primaryContactUserId: brand.users.finance.userId, revision: 2, updatedAt: clock, createdAt: token.createdAt, accountSid: token.accountSid });
      const events = await t.context.tokens.events(brand.admin, brand.accountId, token.id);
      expect(events[0]).toMatchObject({ action: 'token.update', actorUserId: brand.admin.userId, actorEmail: brand.emails.account_administrator });
      expect(events[0].details.changes).toEqual({
        name: { from: 'Editable', to: 'Edited' },
        scopes: { from: ['listActions'], to: ['listActions', 'listPartners'] },
        developerEmails: { from: [], to: ['a@b.co'] },
        primaryContactUserId: { from: brand.admin.userId, to: brand.users.finance.userId },
      });
    });

    it('clears optional controls with null', async () => {
      const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Controls', expiresAt: new Date(clock + DAY).toISOString(), rateLimit: { limit: 5, windowSeconds: 5 }, primaryContactUserId: brand.admin.userId });
      const edited = await t.context.tokens.update(brand.admin, brand.accountId, token.id, { expiresAt: null, rateLimit: null, primaryContactUserId: null });
      expect(edited).toMatchObject({ expiresAt: null, rateLimit: null, primaryContactUserId: null });
    });

    it('a bad edit names the fields and leaves the token and its history untouched', async () => {
      const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Stays' });
      const before = { row: await row(token.id), events: await eventCount() };
      await expect(t.context.tokens.update(brand.admin, brand.accountId, token.id, { name: 'x'.repeat(101), scopes: ['nope'] })).rejects.toMatchObject({ status: 400, fields: [{ field: 'name' }, { field: 'scopes' }] });
      await expect(t.context.tokens.update(brand.admin, brand.accountId, token.id, { apiVersion: 13 })).rejects.toMatchObject({ status: 400, fields: [{ field: 'apiVersion' }] });
      await expect(t.context.tokens.update(brand.admin, brand.accountId, token.id, { primaryContactUserId: 'usr_unknown' })).rejects.toMatchObject({ status: 400, fields: [{ field: 'primaryContactUserId' }] });
      expect({ row: await row(token.id), events: await eventCount() }).toEqual(before);
    });

    it('an empty edit, or one that sets every field to what it already is, changes nothing: no audit event, no revision, no updatedAt', async () => {
      const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Unchanged', description: 'same', scopes: ['listActions'], developerEmails: ['a@b.co'], rateLimit: { limit: 5, windowSeconds: 60 } });
      tick();
      const before = { row: await row(token.id), events: await eventCount() };
      let published = 0;
      const unsubscribe = t.context.changes.subscribe(() => {
        published += 1;
      });
      try {
        expect(await t.context.tokens.update(brand.admin, brand.accountId, token.id, {})).toMatchObject({ revision: 1, updatedAt: token.updatedAt });
        const same = { name: ' Unchanged ', description: 'same', scopes: ['listActions', 'listActions'], developerEmails: ['A@b.co'], rateLimit: { limit: 5, windowSeconds: 60 }, allowedCidrs: [], expiresAt: null, notBefore: null, primaryContactUserId: brand.admin.userId };
        expect(await t.context.tokens.update(brand.admin, brand.accountId, token.id, same)).toMatchObject({ revision: 1, name: 'Unchanged' });
      } finally {
        unsubscribe();
      }
      expect({ row: await row(token.id), events: await eventCount() }).toEqual(before);
      expect(published).toBe(0);
      // A real change after them is still one event and one revision.
      expect(await t.context.tokens.update(brand.admin, brand.accountId, token.id, { description: 'changed' })).toMatchObject({ revision: 2 });
      expect(await actions(token.id)).toEqual(['token.create', 'token.update']);
    });

    it('a token of another account is not found', async () => {
      const other = await createBrand(t.context);
      const { token } = await t.context.tokens.create(other.admin, other.accountId, { name: 'Theirs' });
      await expect(t.context.tokens.update(brand.admin, brand.accountId, token.id, { name: 'Mine' })).rejects.toMatchObject({ status: 404 });
      await expect(t.context.tokens.get(brand.admin, brand.accountId, token.id)).rejects.toMatchObject({ status: 404 });
      expect((await row(token.id))!.name).toBe('Theirs');
    });
  });

  describe('duplicate', () => {
    it('makes a new SID and secret with the same access rights and settings, named "Copy of …"', async () => {
      const source = await t.context.tokens.create(brand.admin, brand.accountId, {
        name: 'Shopify order sync',
        description: 'Nightly.',
        apiVersion: 13,
        scopes: ['listActions', 'acceptContract'],
        developerEmails: ['dev@acme.test'],
        allowedCidrs: ['192.0.2.0/24'],
        rateLimit: { limit: 10, windowSeconds: 60 },
        expiresAt: new Date(clock + 10 * DAY).toISOString(),
        primaryContactUserId: brand.users.custom.userId,
      });
      tick();
      const copy = await t.context.tokens.duplicate(brand.users.implementation_specialist, brand.accountId, source.token.id);
      expect(copy.token.id).not.toBe(source.token.id);
      expect(copy.token.accountSid).not.toBe(source.token.accountSid);
      expect(copy.authToken).not.toBe(source.authToken);
      expect(isWellFormedAuthToken(copy.authToken)).toBe(true);
      const same = ['description', 'apiVersion', 'scopes', 'developerEmails', 'allowedCidrs', 'rateLimit', 'expiresAt', 'notBefore', 'primaryContactUserId', 'kind', 'state'] as const;
      for (const key of same) expect(copy.token[key], key).toEqual(source.token[key]);
      expect(copy.token).toMatchObject({ name: 'Copy of Shopify order sync', createdBy: brand.users.implementation_specialist.userId, createdAt: clock, revision: 1 });
      expect((await row(copy.token.id))!.secret_hash).toBe(hashOf(copy.authToken));
      expect((await row(source.token.id))!.secret_hash).toBe(hashOf(source.authToken));
      // Both histories say what happened.
      expect(await actions(copy.token.id)).toEqual(['token.duplicate']);
      expect(await actions(source.token.id)).toEqual(['token.create', 'token.duplicate']);
    });

    it('a copy of a legacy token is a scoped token with the same reach: Read/Write every scope, Read-Only every GET', async () => {
      const own = await createBrand(t.context);
      await t.context.tokens.enableLegacyTokens(own.admin, own.accountId);
      const legacy = (await t.context.tokens.list(own.admin, own.accountId, {})).items;
      const rw = legacy.find((i) => i.kind === 'legacy_rw')!;
      const ro = legacy.find((i) => i.kind === 'legacy_ro')!;
      const rwCopy = await t.context.tokens.duplicate(own.admin, own.accountId, rw.id);
      const roCopy = await t.context.tokens.duplicate(own.admin, own.accountId, ro.id);
      const all = [...t.context.catalog.scopesById.values()];
      expect(rwCopy.token).toMatchObject({ kind: 'scoped', name: 'Copy of Read/Write', apiVersion: 14 });
      expect(rwCopy.token.scopes).toEqual(all.map((s) => s.id).sort());
      expect(roCopy.token.kind).toBe('scoped');
      expect(roCopy.token.scopes).toEqual(all.filter((s) => s.method === 'GET').map((s) => s.id).sort());
      expect(roCopy.token.scopes.length).toBeLessThan(rwCopy.token.scopes.length);
    });
  });

  describe('reset', () => {
    it('issues a new Auth Token; the old hash is gone at once and the new one opens from the ciphertext', async () => {
      const { token, authToken: first } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Resettable' });
      tick();
      const reset = await t.context.tokens.reset(brand.admin, brand.accountId, token.id);
      expect(reset.authToken).not.toBe(first);
      expect(isWellFormedAuthToken(reset.authToken)).toBe(true);
      expect(reset.token).toMatchObject({ id: token.id, accountSid: token.accountSid, revision: 2, graceExpiresAt: null });
      const stored = (await row(token.id))!;
      expect(stored.secret_hash).toBe(hashOf(reset.authToken));
      expect(stored.secret_hash).not.toBe(hashOf(first));
      expect(stored.previous_secret_hash).toBeNull();
      expect(stored.previous_secret_expires_at).toBeNull();
      expect(open(t.context.keys, stored.secret_ciphertext!)).toBe(reset.authToken);
      expect((await t.context.tokens.revealCredentials(brand.admin, brand.accountId, token.id)).authToken).toBe(reset.authToken);
    });

    it('graceSeconds keeps the previous hash until its expiry (Stripe-style roll); a later plain reset drops it', async () => {
      const { token, authToken: first } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Rolling' });
      const rolled = await t.context.tokens.reset(brand.admin, brand.accountId, token.id, { graceSeconds: 3600 });
      let stored = (await row(token.id))!;
      expect(stored.previous_secret_hash).toBe(hashOf(first));
      expect(Number(stored.previous_secret_expires_at)).toBe(clock + 3600_000);
      expect(rolled.token.graceExpiresAt).toBe(clock + 3600_000);
      expect(stored.secret_hash).toBe(hashOf(rolled.authToken));
      await t.context.tokens.reset(brand.admin, brand.accountId, token.id);
      stored = (await row(token.id))!;
      expect(stored.previous_secret_hash).toBeNull();
    });

    it('graceSeconds is 0 to 7 days; anything else is refused and changes nothing', async () => {
      const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Bounded grace' });
      const before = await row(token.id);
      for (const graceSeconds of [-1, 7 * 86_400 + 1, 1.5, Number.NaN]) {
        await expect(t.context.tokens.reset(brand.admin, brand.accountId, token.id, { graceSeconds })).rejects.toMatchObject({ status: 400, fields: [{ field: 'graceSeconds' }] });
      }
      expect(await row(token.id)).toEqual(before);
      const max = await t.context.tokens.reset(brand.admin, brand.accountId, token.id, { graceSeconds: 7 * 86_400 });
      expect(max.token.graceExpiresAt).toBe(clock + 7 * DAY);
    });
  });

  describe('disable, enable, delete', () => {
    it('disable and enable flip the state, each audited', async () => {
      const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Switch' });
      tick();
      expect((await t.context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled')).state).toBe('disabled');
      expect((await row(token.id))!.state).toBe('disabled');
      tick();
      expect((await t.context.tokens.setState(brand.admin, brand.accountId, token.id, 'enabled')).state).toBe('enabled');
      expect(await actions(token.id)).toEqual(['token.create', 'token.disable', 'token.enable']);
    });

    it('delete removes the row; the audit history stays, naming the token', async () => {
      const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Doomed' });
      tick();
      await t.context.tokens.reset(brand.admin, brand.accountId, token.id);
      tick();
      await t.context.tokens.delete(brand.admin, brand.accountId, token.id);
      expect(await row(token.id)).toBeUndefined();
      await expect(t.context.tokens.get(brand.admin, brand.accountId, token.id)).rejects.toMatchObject({ status: 404 });
      await expect(t.context.tokens.delete(brand.admin, brand.accountId, token.id)).rejects.toMatchObject({ status: 404 });
      expect(await actions(token.id)).toEqual(['token.create', 'token.reset', 'token.delete']);
      const deleted = await t.context.store.db.selectFrom('audit_events').select('details').where('token_id', '=', token.id).where('action', '=', 'token.delete').executeTakeFirstOrThrow();
      expect(JSON.parse(deleted.details)).toMatchObject({ name: 'Doomed', accountSid: token.accountSid, kind: 'scoped' });
    });
  });

  describe('reveal', () => {
    it('returns the Account SID and the current Auth Token, and every reveal is audited', async () => {
      const { token, authToken } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Revealable' });
      expect(await t.context.tokens.revealCredentials(brand.users.implementation_specialist, brand.accountId, token.id)).toEqual({ accountSid: token.accountSid, authToken });
      await t.context.tokens.revealCredentials(brand.admin, brand.accountId, token.id);
      const reveals = (await t.context.tokens.events(brand.admin, brand.accountId, token.id)).filter((e) => e.action === 'token.reveal');
      expect(reveals.map((e) => e.actorUserId).sort()).toEqual([brand.admin.userId, brand.users.implementation_specialist.userId].sort());
    });

    it('is refused for roles that may not manage tokens, and that refusal is not audited as a reveal', async () => {
      const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Secret' });
      for (const role of ['analyst', 'finance', 'performance_marketing_manager', 'custom'] as const) {
        await expect(t.context.tokens.revealCredentials(brand.users[role], brand.accountId, token.id)).rejects.toMatchObject({ status: 403 });
      }
      expect(await actions(token.id)).toEqual(['token.create']);
    });
  });

  describe('API access and legacy tokens', () => {
    it('enabling API access is idempotent: one event the first time, none after', async () => {
      const off = await createBrand(t.context, { apiAccess: false });
      const before = await eventCount();
      expect(await t.context.tokens.enableApiAccess(off.admin, off.accountId)).toEqual({ apiAccessEnabled: true, legacyTokensEnabled: false });
      expect(await eventCount()).toBe(before + 1);
      expect(await t.context.tokens.enableApiAccess(off.users.implementation_specialist, off.accountId)).toEqual({ apiAccessEnabled: true, legacyTokensEnabled: false });
      expect(await eventCount()).toBe(before + 1);
    });

    it('legacy tokens need API access first, then create the Read/Write and Read-Only pair exactly once', async () => {
      const off = await createBrand(t.context, { apiAccess: false });
      await expect(t.context.tokens.enableLegacyTokens(off.admin, off.accountId)).rejects.toMatchObject({ status: 409 });
      await t.context.tokens.enableApiAccess(off.admin, off.accountId);
      const before = await eventCount();
      expect(await t.context.tokens.enableLegacyTokens(off.admin, off.accountId)).toEqual({ apiAccessEnabled: true, legacyTokensEnabled: true });
      expect(await eventCount()).toBe(before + 3); // two token.create and one account.legacy_tokens_enable
      const again = await Promise.all([t.context.tokens.enableLegacyTokens(off.admin, off.accountId), t.context.tokens.enableLegacyTokens(off.users.implementation_specialist, off.accountId)]);
      expect(again).toEqual([{ apiAccessEnabled: true, legacyTokensEnabled: true }, { apiAccessEnabled: true, legacyTokensEnabled: true }]);
      expect(await eventCount()).toBe(before + 3);
      const items = (await t.context.tokens.list(off.admin, off.accountId, {})).items;
      expect(items.map((i) => [i.kind, i.name, i.scopes]).sort()).toEqual([
        ['legacy_ro', 'Read-Only', []],
        ['legacy_rw', 'Read/Write', []],
      ]);
      for (const item of items) expect(isWellFormedAccountSid(item.accountSid, 'IR')).toBe(true);
    });

    it('a legacy token may be renamed but never given scopes', async () => {
      const own = await createBrand(t.context);
      await t.context.tokens.enableLegacyTokens(own.admin, own.accountId);
      const rw = (await t.context.tokens.list(own.admin, own.accountId, {})).items.find((i) => i.kind === 'legacy_rw')!;
      await expect(t.context.tokens.update(own.admin, own.accountId, rw.id, { scopes: ['listActions'] })).rejects.toMatchObject({ status: 400, fields: [{ field: 'scopes' }] });
      expect((await t.context.tokens.update(own.admin, own.accountId, rw.id, { description: 'Used by the ERP.' })).description).toBe('Used by the ERP.');
    });
  });

  describe('audit trail', () => {
    it('every mutation writes exactly one event, with its actor; duplicate writes one on each of the two tokens', async () => {
      const own = await createBrand(t.context);
      const run = async (label: string, action: () => Promise<unknown>, expected: Record<string, number>) => {
        const before = await t.context.store.db.selectFrom('audit_events').select(['id']).execute();
        await action();
        const after = await t.context.store.db.selectFrom('audit_events').select(['id', 'action', 'actor_user_id']).where('id', 'not in', before.length ? before.map((e) => e.id) : ['-']).execute();
        const counts: Record<string, number> = {};
        for (const e of after) counts[e.action] = (counts[e.action] ?? 0) + 1;
        expect(counts, label).toEqual(expected);
        for (const e of after) expect(e.actor_user_id, label).toBe(own.admin.userId);
      };
      let id = '';
      await run('create', async () => (id = (await t.context.tokens.create(own.admin, own.accountId, { name: 'Audited' })).token.id), { 'token.create': 1 });
      await run('update', () => t.context.tokens.update(own.admin, own.accountId, id, { name: 'Audited 2' }), { 'token.update': 1 });
      await run('reset', () => t.context.tokens.reset(own.admin, own.accountId, id, { graceSeconds: 60 }), { 'token.reset': 1 });
      await run('upgrade', async () => {
        const old = await t.context.tokens.create(own.admin, own.accountId, { name: 'Old', apiVersion: 11 });
        await t.context.store.db.deleteFrom('audit_events').where('token_id', '=', old.token.id).execute();
        await t.context.tokens.upgrade(own.admin, own.accountId, old.token.id, 12);
      }, { 'token.upgrade': 1 });
      await run('disable', () => t.context.tokens.setState(own.admin, own.accountId, id, 'disabled'), { 'token.disable': 1 });
      await run('enable', () => t.context.tokens.setState(own.admin, own.accountId, id, 'enabled'), { 'token.enable': 1 });
      await run('reveal', () => t.context.tokens.revealCredentials(own.admin, own.accountId, id), { 'token.reveal': 1 });
      await run('duplicate', () => t.context.tokens.duplicate(own.admin, own.accountId, id), { 'token.duplicate': 2 });
      await run('delete', () => t.context.tokens.delete(own.admin, own.accountId, id), { 'token.delete': 1 });
      await run('reads', async () => {
        await t.context.tokens.list(own.admin, own.accountId, {});
        await t.context.tokens.apiSettings(own.admin, own.accountId);
      }, {});
    }, 120_000);

    it('failed mutations write no event', async () => {
      const own = await createBrand(t.context);
      const { token } = await t.context.tokens.create(own.admin, own.accountId, { name: 'Guarded', apiVersion: 13 });
      const before = await eventCount();
      const failures = [
        t.context.tokens.update(own.admin, own.accountId, token.id, { name: '' }),
        t.context.tokens.reset(own.admin, own.accountId, token.id, { graceSeconds: -5 }),
        t.context.tokens.upgrade(own.admin, own.accountId, token.id, 12),
        t.context.tokens.upgrade(own.admin, own.accountId, token.id, 99),
        t.context.tokens.setState(own.users.analyst, own.accountId, token.id, 'disabled'),
        t.context.tokens.delete(own.users.finance, own.accountId, token.id),
        t.context.tokens.delete(own.admin, own.accountId, 'tok_missing'),
        t.context.tokens.duplicate(own.users.custom, own.accountId, token.id),
        t.context.tokens.create(own.admin, own.accountId, { name: 'x', scopes: ['nope'] }),
      ];
      const results = await Promise.allSettled(failures);
      expect(results.map((r) => r.status)).toEqual(failures.map(() => 'rejected'));
      expect(await eventCount()).toBe(before);
    });

    it('the event is written in the same transaction: when it cannot be written, the change is rolled back', async () => {
      const own = await createBrand(t.context);
      const { token } = await t.context.tokens.create(own.admin, own.accountId, { name: 'Atomic' });
      const before = await row(token.id);
      const tokensBefore = await tokenCount();
      await sql`alter table audit_events rename to audit_events_parked`.execute(t.context.store.db);
      try {
        await expect(t.context.tokens.update(own.admin, own.accountId, token.id, { name: 'Not saved' })).rejects.toThrow();
        await expect(t.context.tokens.reset(own.admin, own.accountId, token.id)).rejects.toThrow();
        await expect(t.context.tokens.delete(own.admin, own.accountId, token.id)).rejects.toThrow();
        await expect(t.context.tokens.create(own.admin, own.accountId, { name: 'Not created' })).rejects.toThrow();
        await expect(t.context.tokens.duplicate(own.admin, own.accountId, token.id)).rejects.toThrow();
      } finally {
        await sql`alter table audit_events_parked rename to audit_events`.execute(t.context.store.db);
      }
      expect(await row(token.id)).toEqual(before);
      expect(await tokenCount()).toBe(tokensBefore);
    });

    it('the trail lists newest first with the actor e-mail; the CLI shows as an operator', async () => {
      const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Trail' });
      tick();
      await t.context.tokens.setState(operator('cli'), brand.accountId, token.id, 'disabled');
      const events = await t.context.tokens.events(brand.admin, brand.accountId, token.id);
      expect(events.map((e) => e.action)).toEqual(['token.disable', 'token.create']);
      expect(events[0]).toMatchObject({ actorUserId: null, actorEmail: null, details: { via: 'cli', from: 'enabled', to: 'disabled' } });
      expect(events[1]).toMatchObject({ actorUserId: brand.admin.userId, actorEmail: brand.emails.account_administrator });
    });
  });
});

describeEachDialect('token upgrade', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  // A clock that moves 1 s per reading, so events never share a millisecond (the trail orders by time).
  let clock = Date.UTC(2026, 0, 1);
  beforeAll(async () => {
    t = await createTestContext(dialect, { config: { catalogPath: writeCatalog() }, now: () => (clock += 1000) });
    brand = await createBrand(t.context);
  });
  afterAll(() => t.close());

  it('moves forward and reports the scopes that do not exist in the new version', async () => {
    const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'v1', apiVersion: 1, scopes: ['listItems', 'retired', 'createItem'] });
    const toTwo = await t.context.tokens.upgrade(brand.admin, brand.accountId, token.id, 2);
    expect(toTwo.droppedScopes).toEqual(['retired']);
    expect(toTwo.token).toMatchObject({ apiVersion: 2, scopes: ['createItem', 'listItems'], revision: 2 });
    await t.context.tokens.update(brand.admin, brand.accountId, token.id, { scopes: ['listItems', 'v2only', 'added'] });
    const toThree = await t.context.tokens.upgrade(brand.admin, brand.accountId, token.id, 3);
    expect(toThree.droppedScopes).toEqual(['v2only']);
    expect(toThree.token.scopes).toEqual(['added', 'listItems']);
    const event = (await t.context.tokens.events(brand.admin, brand.accountId, token.id))[0];
    expect(event).toMatchObject({ action: 'token.upgrade', details: { from: 2, to: 3, droppedScopes: ['v2only'] } });
  });

  it('never moves back or sideways, nor to an unknown version, and a refusal changes nothing', async () => {
    const { token } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'v2', apiVersion: 2, scopes: ['added'] });
    for (const target of [1, 2, 4]) {
      await expect(t.context.tokens.upgrade(brand.admin, brand.accountId, token.id, target)).rejects.toMatchObject({ status: 400, fields: [{ field: 'apiVersion' }] });
    }
    expect(await t.context.tokens.get(brand.admin, brand.accountId, token.id)).toMatchObject({ apiVersion: 2, scopes: ['added'], revision: 1 });
  });

  it('create defaults to the latest version of this catalog', async () => {
    expect((await t.context.tokens.create(brand.admin, brand.accountId, { name: 'latest' })).token.apiVersion).toBe(3);
    await expect(t.context.tokens.create(brand.admin, brand.accountId, { name: 'wrong', apiVersion: 1, scopes: ['added'] })).rejects.toMatchObject({ fields: [{ field: 'scopes', message: 'unknown in API version 1: added' }] });
  });
});
