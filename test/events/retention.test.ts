/**
 * The retention job under a fake clock, with real webhook deliveries to real receivers (one answering, one
 * failing until its delivery gives up): past LIFECYCLE_RETENTION_DAYS, finished deliveries and their attempts go,
 * then the dispatched events no delivery names; whatever is still pending stays, however old.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createContext, type Context } from '../../src/app/context.js';
import { DAY_MS } from '../../src/domain/lifecycle-events.js';
import { createTestDatabase, describeEachDialect, testConfig, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { Receiver } from '../webhooks/receiver.js';

const START = Date.UTC(2026, 2, 1, 6);
const HOUR = 3_600_000;

describeEachDialect('lifecycle retention', (dialect) => {
  let db: TestDatabase;
  let context: Context;
  let brand: Brand;
  let answering: Receiver;
  let failing: Receiver;
  let clock = START;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    context = await createContext(testConfig(db, { webhookAllowedPrivateTargets: ['loopback'], webhookTimeoutMs: 2_000, lifecycleRetentionDays: 30 }), { now: () => clock });
    brand = await createBrand(context);
    answering = await new Receiver().start();
    failing = await new Receiver().start();
    failing.behaviour = 'fail';
    for (const receiver of [answering, failing]) {
      const { secret } = await context.webhooks.create(brand.admin, brand.accountId, { url: receiver.url, events: ['token.created'], description: 'retention' });
      receiver.secrets = [secret];
    }
  });
  afterAll(async () => {
    await answering?.stop();
    await failing?.stop();
    await context?.close();
    await db?.drop();
  });

  const count = async (table: 'lifecycle_events' | 'webhook_deliveries' | 'webhook_attempts') => Number((await context.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const eventOf = (tokenId: string) => context.store.db.selectFrom('lifecycle_events').select(['id', 'dispatched_at']).where('token_id', '=', tokenId).executeTakeFirst();

  it('deletes only what finished before the window: finished deliveries with their attempts, then the events they named', async () => {
    const { token: old } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Delivered long ago' });
    await context.lifecycle.dispatcher.runOnce();
    // The answering receiver takes it at once; the failing one is retried until the 24 h are over and it gives up.
    for (let hour = 0; hour <= 26; hour++) {
      clock = START + hour * HOUR;
      await context.lifecycle.deliveries.runOnce();
    }
    const statuses = await context.store.db.selectFrom('webhook_deliveries').select('status').execute();
    expect(statuses.map((s) => s.status).sort()).toEqual(['delivered', 'failed']);
    expect(await count('webhook_attempts')).toBeGreaterThan(2);
    // Created after the dispatch and never dispatched: pending however old it gets.
    const { token: waiting } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Never dispatched' });

    clock = START + 29 * DAY_MS;
    expect(await context.lifecycle.retention.runOnce()).toEqual({ records: 0, events: 0 });

    clock = START + 31 * DAY_MS + 2 * HOUR;
    const { token: recent } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Recent' });
    await context.lifecycle.dispatcher.runOnce();
    await context.lifecycle.deliveries.runOnce();
    expect(await context.lifecycle.retention.runOnce()).toEqual({ records: 2, events: 1 });
    expect(await eventOf(old.id)).toBeUndefined();
    expect(await eventOf(recent.id)).toBeDefined();
    // The waiting event was dispatched just now (with the recent one): it is young again by its deliveries, and kept.
    expect(await eventOf(waiting.id)).toBeDefined();
    const left = await context.store.db.selectFrom('webhook_deliveries').innerJoin('lifecycle_events', 'lifecycle_events.id', 'webhook_deliveries.event_id').select('lifecycle_events.token_id as tokenId').execute();
    expect(new Set(left.map((r) => r.tokenId))).toEqual(new Set([recent.id, waiting.id]));
    const attemptsOfLeft = await context.store.db.selectFrom('webhook_attempts').innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_attempts.delivery_id').select('webhook_deliveries.id').execute();
    expect(await count('webhook_attempts')).toBe(attemptsOfLeft.length);
    expect(await context.lifecycle.retention.runOnce()).toEqual({ records: 0, events: 0 });
  });

  it('keeps an old event while a redelivery of it is pending, and an undispatched event whatever its age', async () => {
    failing.behaviour = 'ok';
    clock = START + 100 * DAY_MS;
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Redelivered later' });
    await context.lifecycle.dispatcher.runOnce();
    await context.lifecycle.deliveries.runOnce();
    const eventId = (await eventOf(token.id))!.id;
    const [endpoint] = (await context.webhooks.list(brand.admin, brand.accountId)).filter((w) => w.url === answering.url);
    const [delivered] = (await context.webhooks.deliveries(brand.admin, brand.accountId, endpoint.id)).filter((d) => d.eventId === eventId);
    expect(delivered.status).toBe('delivered');
    clock = START + 140 * DAY_MS;
    await context.webhooks.redeliver(brand.admin, brand.accountId, endpoint.id, delivered.id);
    const { token: undispatched } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Still in the outbox' });

    clock = START + 200 * DAY_MS;
    await context.lifecycle.retention.runOnce();
    expect(await eventOf(token.id)).toBeDefined(); // the pending redelivery still names it
    expect(await eventOf(undispatched.id)).toMatchObject({ dispatched_at: null });
    // Once the redelivery is done, it ages out with its event: both go when it is past the window.
    await context.lifecycle.deliveries.runOnce();
    await context.lifecycle.retention.runOnce();
    expect(await eventOf(token.id)).toBeUndefined();
    expect(await eventOf(undispatched.id)).toMatchObject({ dispatched_at: null });
  });
});
