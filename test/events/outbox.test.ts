/**
 * The lifecycle outbox: every audited token change raises its event in the same transaction, with the payload the
 * docs promise and never a secret; time-based events are raised once per token and threshold, on any number of nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createContext, type Context } from '../../src/app/context.js';
import { operator } from '../../src/domain/actor.js';
import { DAY_MS, type LifecycleEvent } from '../../src/domain/lifecycle-events.js';
import { Dispatcher } from '../../src/events/index.js';
import { createTestDatabase, describeEachDialect, runAsNodes, testConfig, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';

const START = Date.UTC(2026, 6, 1, 9);

describeEachDialect('lifecycle outbox', (dialect) => {
  let db: TestDatabase;
  let context: Context;
  let brand: Brand;
  let clock = START;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    context = await createContext(testConfig(db), { now: () => clock });
    brand = await createBrand(context);
  });
  afterAll(async () => {
    await context.close();
    await db.drop();
  });

  const outbox = async (tokenId?: string) => {
    let query = context.store.db.selectFrom('lifecycle_events').selectAll().orderBy('id');
    if (tokenId) query = query.where('token_id', '=', tokenId);
    return (await query.execute()).map((r) => ({ ...r, event: JSON.parse(r.payload) as LifecycleEvent }));
  };
  const types = async (tokenId: string) => (await outbox(tokenId)).map((r) => r.event.type);

  it('each change to a token raises its event, with who did it and what changed', async () => {
    clock += 1000;
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Warehouse sync', scopes: ['listActions'], apiVersion: 12 });
    await context.tokens.update(brand.admin, brand.accountId, token.id, { name: 'Warehouse sync (EU)', developerEmails: ['dev@brand.test'] });
    await context.tokens.update(brand.admin, brand.accountId, token.id, { name: 'Warehouse sync (EU)' }); // changes nothing: no event
    await context.tokens.reset(brand.admin, brand.accountId, token.id, { graceSeconds: 3600 });
    await context.tokens.reset(operator('cli'), brand.accountId, token.id);
    await context.tokens.upgrade(brand.admin, brand.accountId, token.id, 14);
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'enabled');
    await context.tokens.revealCredentials(brand.admin, brand.accountId, token.id); // audited, but not a lifecycle event
    await context.tokens.delete(brand.admin, brand.accountId, token.id);

    const rows = await outbox(token.id);
    expect(rows.map((r) => r.event.type)).toEqual(['token.created', 'token.updated', 'token.reset', 'token.reset', 'token.upgraded', 'token.disabled', 'token.enabled', 'token.deleted']);
    for (const row of rows) {
      expect(row.event).toMatchObject({ id: row.id, accountId: brand.accountId, occurredAt: new Date(clock).toISOString(), token: { id: token.id, accountSid: token.accountSid } });
      expect(row.dispatched_at).toBeNull();
    }
    const [created, updated, graceful, immediate, upgraded] = rows.map((r) => r.event);
    expect(created).toMatchObject({ actor: { kind: 'user', userId: brand.admin.userId }, token: { name: 'Warehouse sync' }, data: { apiVersion: 12, scopes: ['listActions'], duplicateOf: null } });
    expect(updated).toMatchObject({ token: { name: 'Warehouse sync (EU)' }, data: { changes: { name: { from: 'Warehouse sync', to: 'Warehouse sync (EU)' }, developerEmails: { from: [], to: ['dev@brand.test'] } } } });
    expect(Object.keys((updated as Extract<LifecycleEvent, { type: 'token.updated' }>).data.changes).sort()).toEqual(['developerEmails', 'name']);
    expect(graceful.data).toEqual({ graceEndsAt: new Date(clock + 3_600_000).toISOString() });
    expect(immediate).toMatchObject({ actor: { kind: 'operator', via: 'cli' }, data: { graceEndsAt: null } });
    expect(upgraded.data).toEqual({ fromVersion: 12, toVersion: 14, droppedScopes: [] });
    expect(rows.at(-1)!.event.token.name).toBe('Warehouse sync (EU)'); // the row is gone; the event still names it
  });

  it('a duplicate raises token.created for the copy (naming its source) and nothing for the source', async () => {
    const { token: source } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Source' });
    const { token: copy } = await context.tokens.duplicate(brand.admin, brand.accountId, source.id);
    expect(await types(source.id)).toEqual(['token.created']);
    expect((await outbox(copy.id)).map((r) => [r.event.type, r.event.data])).toEqual([['token.created', { apiVersion: null, scopes: [], duplicateOf: source.id }]]);
  });

  it('the legacy pairs raise token.created when legacy tokens are enabled', async () => {
    const legacy = await createBrand(context);
    await context.tokens.enableLegacyTokens(legacy.admin, legacy.accountId);
    const rows = (await outbox()).filter((r) => r.account_id === legacy.accountId);
    expect(rows.map((r) => [r.event.type, r.event.token.name]).sort()).toEqual([['token.created', 'Read-Only'], ['token.created', 'Read/Write']]);
  });

  it('no outbox row ever holds an Auth Token, its hash or its ciphertext', async () => {
    const issued: string[] = [];
    const { token, authToken } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Nightly export', description: 'for the warehouse' });
    issued.push(authToken);
    for (let i = 0; i < 3; i++) issued.push((await context.tokens.reset(brand.admin, brand.accountId, token.id, { graceSeconds: 60 * i })).authToken);
    issued.push((await context.tokens.duplicate(brand.admin, brand.accountId, token.id)).authToken);
    await context.tokens.update(brand.admin, brand.accountId, token.id, { description: 'edited', expiresAt: new Date(clock + 40 * DAY_MS).toISOString() });
    const stored = await context.store.db.selectFrom('tokens').select(['secret_hash', 'secret_ciphertext', 'previous_secret_hash']).execute();
    const secrets = [...issued, ...stored.flatMap((r) => [r.secret_hash, r.secret_ciphertext, r.previous_secret_hash]).filter((s): s is string => !!s)];
    expect(secrets.length).toBeGreaterThan(issued.length);
    const everything = JSON.stringify(await context.store.db.selectFrom('lifecycle_events').selectAll().execute());
    expect(everything).toContain('token.reset');
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('skt_');
    // Times are ISO 8601 throughout a payload, also inside what changed.
    expect((await outbox(token.id)).at(-1)!.event.data).toEqual({ changes: { description: { from: 'for the warehouse', to: 'edited' }, expiresAt: { from: null, to: new Date(clock + 40 * DAY_MS).toISOString() } } });
  });

  it('the event is part of the change: when the outbox cannot be written, the change and its audit event roll back', async () => {
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Atomic' });
    const auditCount = async () => Number((await context.store.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('token_id', '=', token.id).executeTakeFirstOrThrow()).n);
    const auditBefore = await auditCount();
    if (dialect === 'sqlite') await sql`create trigger outbox_down before insert on lifecycle_events begin select raise(abort, 'outbox down'); end`.execute(context.store.db);
    else await sql`alter table lifecycle_events add constraint outbox_down check (false) not valid`.execute(context.store.db);
    try {
      await expect(context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled')).rejects.toThrow();
    } finally {
      if (dialect === 'sqlite') await sql`drop trigger outbox_down`.execute(context.store.db);
      else await sql`alter table lifecycle_events drop constraint outbox_down`.execute(context.store.db);
    }
    expect((await context.tokens.get(brand.admin, brand.accountId, token.id)).state).toBe('enabled');
    expect(await auditCount()).toBe(auditBefore);
    expect(await types(token.id)).toEqual(['token.created']);
  });

  describe('expiry notices under a fake clock', () => {
    it('30, 7 and 1 days before, and at expiry: each once, however often the scheduler runs', async () => {
      const expiresAt = clock + 40 * DAY_MS;
      const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Expiring', expiresAt: new Date(expiresAt).toISOString() });
      const scanAt = async (ms: number) => {
        clock = ms;
        await context.lifecycle.scheduler.runOnce();
        await context.lifecycle.scheduler.runOnce();
        return (await outbox(token.id)).filter((r) => r.event.type !== 'token.created').map((r) => r.event);
      };
      expect(await scanAt(expiresAt - 31 * DAY_MS)).toEqual([]);
      expect((await scanAt(expiresAt - 30 * DAY_MS)).map((e) => e.data)).toEqual([{ expiresAt: new Date(expiresAt).toISOString(), daysBefore: 30 }]);
      expect(await scanAt(expiresAt - 8 * DAY_MS)).toHaveLength(1);
      expect((await scanAt(expiresAt - 7 * DAY_MS + 1)).map((e) => e.type === 'token.expiring' && e.data.daysBefore)).toEqual([30, 7]);
      expect((await scanAt(expiresAt - 1)).map((e) => e.type === 'token.expiring' && e.data.daysBefore)).toEqual([30, 7, 1]);
      const events = await scanAt(expiresAt + 5 * DAY_MS);
      expect(events.map((e) => e.type)).toEqual(['token.expiring', 'token.expiring', 'token.expiring', 'token.expired']);
      expect(events.at(-1)).toMatchObject({ actor: { kind: 'system' }, occurredAt: new Date(expiresAt + 5 * DAY_MS).toISOString(), data: { expiresAt: new Date(expiresAt).toISOString() } });
      expect(await scanAt(expiresAt + 6 * DAY_MS)).toHaveLength(4);
    });

    it('a token made 5 days before its expiry gets the 7-day notice only; a new expiry starts the notices afresh', async () => {
      const expiresAt = clock + 5 * DAY_MS;
      const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Short-lived', expiresAt: new Date(expiresAt).toISOString() });
      await context.lifecycle.scheduler.runOnce();
      const notices = async () => (await outbox(token.id)).flatMap((r) => (r.event.type === 'token.expiring' || r.event.type === 'token.expired' ? [[r.event.type, r.event.data.expiresAt, 'daysBefore' in r.event.data ? r.event.data.daysBefore : 0]] : []));
      expect(await notices()).toEqual([['token.expiring', new Date(expiresAt).toISOString(), 7]]);
      const later = expiresAt + 20 * DAY_MS;
      await context.tokens.update(brand.admin, brand.accountId, token.id, { expiresAt: new Date(later).toISOString() });
      await context.lifecycle.scheduler.runOnce();
      expect(await notices()).toEqual([['token.expiring', new Date(expiresAt).toISOString(), 7], ['token.expiring', new Date(later).toISOString(), 30]]);
    });
  });
});

describeEachDialect('lifecycle events on two nodes at once', (dialect) => {
  let db: TestDatabase;
  let nodes: Context[];
  let brand: Brand;
  let clock = START;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    // Custom thresholds, as an operator sets them: LIFECYCLE_EXPIRY_NOTICE_DAYS=14,3.
    const config = testConfig(db, { expiryNoticeDays: [14, 3] });
    nodes = [await createContext(config, { now: () => clock })];
    nodes.push(await createContext(config, { now: () => clock }));
    brand = await createBrand(nodes[0]);
  });
  afterAll(async () => {
    for (const node of nodes) await node.close();
    await db.drop();
  });

  it('both scanning at the same instant raise each notice exactly once, and both dispatching hand each event on exactly once', async () => {
    const expiresAt = clock + 20 * DAY_MS;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await nodes[i % 2].tokens.create(brand.admin, brand.accountId, { name: `Batch ${i}`, expiresAt: new Date(expiresAt + i * 60_000).toISOString() })).token.id);
    const handed: string[] = [];
    const dispatchers = nodes.map((node) => new Dispatcher({ store: node.store, channels: [{ accept: async (_trx, event) => void handed.push(event.id) }], now: () => clock }));
    for (const at of [expiresAt - 14 * DAY_MS + DAY_MS / 2, expiresAt - 3 * DAY_MS + DAY_MS / 2, expiresAt + DAY_MS]) {
      clock = at;
      await runAsNodes(dialect, nodes.flatMap((node) => [() => node.lifecycle.scheduler.runOnce(), () => node.lifecycle.scheduler.runOnce()]));
      await runAsNodes(dialect, [...dispatchers, ...dispatchers].map((d) => () => d.runOnce()));
    }
    const rows = await nodes[0].store.db.selectFrom('lifecycle_events').selectAll().where('token_id', 'in', ids).orderBy('id').execute();
    const timeBased = rows.map((r) => JSON.parse(r.payload) as LifecycleEvent).filter((e) => e.type !== 'token.created');
    expect(timeBased).toHaveLength(ids.length * 3);
    for (const id of ids) expect(timeBased.filter((e) => e.token.id === id).map((e) => (e.type === 'token.expiring' ? e.data.daysBefore : e.type))).toEqual([14, 3, 'token.expired']);
    const all = (await nodes[0].store.db.selectFrom('lifecycle_events').select('id').execute()).map((r) => r.id);
    expect(handed.sort()).toEqual(all.sort());
    expect(await nodes[0].store.db.selectFrom('lifecycle_events').select('id').where('dispatched_at', 'is', null).execute()).toEqual([]);
  });
});
