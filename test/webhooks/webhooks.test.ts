/**
 * Signed webhooks end to end: endpoints managed over the API, events delivered to a real receiver that checks
 * the signature with its own code, retried with back-off for 24 h under a fake clock while it fails, hangs and
 * recovers, redelivered on request, signed by two secrets while a rotation overlaps, never sent to a private
 * address the operator did not allow, and never twice by two nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type Context } from '../../src/app/context.js';
import type { Config } from '../../src/config.js';
import { RETRY } from '../../src/domain/lifecycle-events.js';
import { createTestDatabase, describeEachDialect, runAsNodes, testConfig, type TestDatabase } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { login, startHttpApp, type Session } from '../support/http.js';
import { Receiver } from './receiver.js';

const START = Date.UTC(2026, 8, 1, 8);
// Long enough that an answering receiver is never late on a loaded machine; the hanging one costs this much once.
const ALLOW_LOOPBACK: Partial<Config> = { webhookAllowedPrivateTargets: ['loopback'], webhookTimeoutMs: 2_000 };

describeEachDialect('webhooks', (dialect) => {
  let db: TestDatabase;
  let context: Context;
  let app: FastifyInstance;
  let admin: Session;
  let brand: Brand;
  let receiver: Receiver;
  let clock = START;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    context = await createContext(testConfig(db, ALLOW_LOOPBACK), { now: () => clock });
    brand = await createBrand(context);
    ({ app } = await startHttpApp(context));
    admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    await app.close();
    await context.close();
    await db.drop();
  });

  const base = () => `/api/v1/accounts/${brand.accountId}/webhooks`;
  /** What a node's timers do: hand new events to the channels, then send whatever is due. */
  const pump = async () => {
    await context.lifecycle.dispatcher.runOnce();
    await context.lifecycle.deliveries.runOnce();
  };
  async function addEndpoint(events: string[], url = receiver.url) {
    const response = await admin.post(base(), { url, events, description: 'CRM sync' });
    expect(response.statusCode, response.body).toBe(201);
    const { webhook, secret } = response.json();
    return { id: webhook.id as string, secret: secret as string, webhook };
  }
  const deliveries = async (webhookId: string) => {
    const response = await admin.get(`${base()}/${webhookId}/deliveries`);
    expect(response.statusCode).toBe(200);
    return response.json().items as any[];
  };
  const setEndpointState = (id: string, state: 'enabled' | 'disabled') => admin.request('PATCH', `${base()}/${id}`, { state });

  it('an endpoint is created with a secret shown once; it is kept encrypted and audited without it', async () => {
    const { id, secret, webhook } = await addEndpoint(['token.created', 'token.disabled']);
    expect(secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    expect(webhook).toMatchObject({ url: receiver.url, events: ['token.created', 'token.disabled'], state: 'enabled', description: 'CRM sync', previousSecretExpiresAt: null });
    const listed = await admin.get(base());
    expect(listed.json().items.map((w: { id: string }) => w.id)).toContain(id);
    expect(listed.body + (await admin.get(`${base()}/${id}`)).body).not.toContain(secret);
    const stored = JSON.stringify(await context.store.db.selectFrom('webhook_endpoints').selectAll().execute());
    const audit = JSON.stringify(await context.store.db.selectFrom('audit_events').selectAll().where('account_id', '=', brand.accountId).execute());
    expect(stored).not.toContain(secret);
    expect(audit).toContain('webhook.create');
    expect(audit).not.toContain(secret);
    await setEndpointState(id, 'disabled');
  });

  it('bad input is a 400 naming the field, and stores nothing', async () => {
    const before = (await admin.get(base())).json().items.length;
    for (const [body, field] of [
      [{ url: 'ftp://example.com/', events: ['token.created'] }, 'url'],
      [{ url: 'https://user:pw@example.com/', events: ['token.created'] }, 'url'],
      [{ url: 'https://example.com/#x', events: ['token.created'] }, 'url'],
      [{ url: receiver.url, events: ['token.exploded'] }, 'events'],
      [{ url: receiver.url, events: [] }, 'events'],
    ] as const) {
      const response = await admin.post(base(), body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().Errors.map((e: { Field: string }) => e.Field).join(' ')).toContain(field);
    }
    expect((await admin.get(base())).json().items.length).toBe(before);
  });

  it('each subscribed event reaches the receiver once, signed, with its id; other events do not', async () => {
    const { id, secret } = await addEndpoint(['token.disabled']);
    receiver.secrets = [secret];
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Signed' });
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    const sent = receiver.received.length;
    await pump();
    const mine = receiver.received.slice(sent);
    expect(mine).toHaveLength(1);
    const [request] = mine;
    expect(request.verified).toBe(true);
    expect(request.timestamp).toBe(Math.floor(clock / 1000));
    const event = JSON.parse(request.body);
    expect(event).toMatchObject({ type: 'token.disabled', accountId: brand.accountId, token: { id: token.id, name: 'Signed', accountSid: token.accountSid } });
    expect(request.headers).toMatchObject({ 'sidekey-event-id': event.id, 'sidekey-event-type': 'token.disabled', 'content-type': 'application/json' });
    const [delivery] = await deliveries(id);
    expect(delivery).toMatchObject({ id: request.headers['sidekey-delivery-id'], eventId: event.id, eventType: 'token.disabled', tokenId: token.id, status: 'delivered', nextAttemptAt: null });
    expect(delivery.attempts).toEqual([{ attempt: 1, at: new Date(clock).toISOString(), statusCode: 204, durationMs: expect.any(Number), error: null }]);
    await pump();
    expect(receiver.received).toHaveLength(sent + 1);
    await setEndpointState(id, 'disabled');
  });

  it('a receiver that fails, then hangs, then recovers gets the event again on the back-off schedule, and applies it once', async () => {
    const { id, secret } = await addEndpoint(['token.enabled']);
    receiver.secrets = [secret];
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Flaky receiver' });
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'enabled');
    const sent = receiver.received.length;

    receiver.behaviour = 'fail';
    await pump();
    let [delivery] = await deliveries(id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: [{ attempt: 1, statusCode: 500, error: 'answered 500' }] });
    const firstRetry = Date.parse(delivery.nextAttemptAt);
    expect(firstRetry - clock).toBeGreaterThanOrEqual(RETRY.firstDelayMs / 2);
    expect(firstRetry - clock).toBeLessThanOrEqual(RETRY.firstDelayMs);
    await pump(); // not due yet: nothing is sent
    expect(receiver.received.length - sent).toBe(1);

    receiver.behaviour = 'hang';
    clock = firstRetry;
    await pump();
    [delivery] = await deliveries(id);
    expect(delivery.attempts[1]).toMatchObject({ attempt: 2, statusCode: null, error: 'no answer within 2000 ms' });
    const secondRetry = Date.parse(delivery.nextAttemptAt);
    expect(secondRetry - clock).toBeGreaterThanOrEqual(RETRY.firstDelayMs);
    expect(secondRetry - clock).toBeLessThanOrEqual(2 * RETRY.firstDelayMs);

    receiver.behaviour = 'ok';
    clock = secondRetry;
    await pump();
    [delivery] = await deliveries(id);
    expect(delivery.status).toBe('delivered');
    expect(delivery.attempts.map((a: { statusCode: number | null }) => a.statusCode)).toEqual([500, null, 204]);
    const mine = receiver.received.slice(sent);
    expect(mine).toHaveLength(3);
    expect(new Set(mine.map((r) => r.headers['sidekey-event-id'])).size).toBe(1);
    expect(mine.every((r) => r.verified && r.body === mine[0].body)).toBe(true);
    expect([...receiver.applied].filter((e) => e === mine[0].headers['sidekey-event-id'])).toHaveLength(1);

    // "Redeliver": a new delivery of the same event, which the idempotent receiver recognises.
    const redelivered = await admin.post(`${base()}/${id}/deliveries/${delivery.id}/redeliver`);
    expect(redelivered.statusCode, redelivered.body).toBe(201);
    expect(redelivered.json()).toMatchObject({ eventId: delivery.eventId, status: 'pending', attempts: [] });
    await pump();
    expect(receiver.received.at(-1)!.headers['sidekey-event-id']).toBe(delivery.eventId);
    expect((await deliveries(id)).map((d) => d.status)).toEqual(['delivered', 'delivered']);

    // The token's Activity: each event with the deliveries it produced, for a token manager too.
    const specialist = await login(app, brand.emails.implementation_specialist, TEST_PASSWORD);
    const activity = await specialist.get(`/api/v1/accounts/${brand.accountId}/tokens/${token.id}/lifecycle-events`);
    expect(activity.statusCode).toBe(200);
    const items = activity.json().items as { event: { type: string; id: string }; deliveries: { id: string; status: string; attempts: unknown[] }[] }[];
    expect(items.map((i) => i.event.type)).toEqual(['token.enabled', 'token.disabled', 'token.created']);
    expect(items[0].deliveries.map((d) => [d.status, d.attempts.length])).toEqual([['delivered', 3], ['delivered', 1]]);
    expect(items[1].deliveries).toEqual([]);
    await setEndpointState(id, 'disabled');
  });

  it('a receiver that never recovers is tried with doubling waits (capped at an hour) for 24 hours, then the delivery gives up', async () => {
    const { id, secret } = await addEndpoint(['token.deleted']);
    receiver.secrets = [secret];
    receiver.behaviour = 'fail';
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Doomed' });
    await context.tokens.delete(brand.admin, brand.accountId, token.id);
    const created = clock;
    await pump();
    // A day passes on this clock, longer than a web session lasts: the log is read through the service here.
    const log = async () => (await context.webhooks.deliveries(brand.admin, brand.accountId, id))[0];
    let delivery = await log();
    while (delivery.status === 'pending') {
      clock = delivery.nextAttemptAt!;
      await pump();
      delivery = await log();
    }
    receiver.behaviour = 'ok';
    admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    expect(delivery.status).toBe('failed');
    expect(delivery.nextAttemptAt).toBeNull();
    const times = delivery.attempts.map((a) => a.at);
    expect(times.at(-1)! - created).toBeLessThanOrEqual(RETRY.windowMs);
    expect(times.at(-1)! - created).toBeGreaterThan(RETRY.windowMs - RETRY.maxDelayMs);
    for (let i = 1; i < times.length; i++) {
      const ceiling = Math.min(RETRY.firstDelayMs * 2 ** (i - 1), RETRY.maxDelayMs);
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(ceiling / 2);
      expect(times[i] - times[i - 1]).toBeLessThanOrEqual(ceiling);
    }
    expect(delivery.attempts.length).toBeGreaterThan(20);
    await setEndpointState(id, 'disabled');
  });

  it('after a rotation both secrets sign until the overlap ends, then only the new one', async () => {
    const { id, secret: old } = await addEndpoint(['token.updated']);
    const rotated = await admin.post(`${base()}/${id}/rotate-secret`, { overlapSeconds: 3600 });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const fresh = rotated.json().secret as string;
    expect(fresh).not.toBe(old);
    expect(rotated.json().webhook.previousSecretExpiresAt).toBe(new Date(clock + 3_600_000).toISOString());
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Rotating' });

    receiver.secrets = [old];
    await context.tokens.update(brand.admin, brand.accountId, token.id, { description: 'during the overlap' });
    await pump();
    expect(receiver.received.at(-1)).toMatchObject({ verified: true, matched: [old], signatures: 2 });
    receiver.secrets = [fresh];
    await context.tokens.update(brand.admin, brand.accountId, token.id, { description: 'still during it' });
    await pump();
    expect(receiver.received.at(-1)).toMatchObject({ verified: true, matched: [fresh], signatures: 2 });

    clock += 3_600_000;
    receiver.secrets = [old];
    await context.tokens.update(brand.admin, brand.accountId, token.id, { description: 'after it' });
    await pump();
    expect(receiver.received.at(-1)).toMatchObject({ verified: false, signatures: 1 });
    receiver.secrets = [fresh];
    await context.lifecycle.deliveries.runOnce(); // not yet due: the refused attempt waits its back-off
    clock += RETRY.firstDelayMs;
    await pump();
    expect(receiver.received.at(-1)).toMatchObject({ verified: true, matched: [fresh], signatures: 1 });
    expect(JSON.stringify(await context.store.db.selectFrom('audit_events').selectAll().where('action', '=', 'webhook.rotate_secret').execute())).not.toContain(fresh);
    await setEndpointState(id, 'disabled');
  });

  describe('private addresses', () => {
    let strict: Context;
    let strictApp: FastifyInstance;
    let strictAdmin: Session;
    beforeAll(async () => {
      // A second node on the same database whose operator allows no private target.
      strict = await createContext(testConfig(db, { webhookTimeoutMs: 2_000 }), { now: () => clock });
      ({ app: strictApp } = await startHttpApp(strict));
      strictAdmin = await login(strictApp, brand.emails.account_administrator, TEST_PASSWORD);
    });
    afterAll(async () => {
      await strictApp.close();
      await strict.close();
    });

    it('an endpoint on loopback, private, link-local or mapped addresses, or on a name that resolves to one, is refused', async () => {
      const port = new URL(receiver.url).port;
      for (const url of [receiver.url, `http://localhost:${port}/`, 'http://[::1]/', 'http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/', 'http://192.168.0.10/', 'http://[::ffff:127.0.0.1]/', 'http://[fd00::1]/', 'http://0.0.0.0/', 'http://100.64.0.1/']) {
        const response = await strictAdmin.post(`/api/v1/accounts/${brand.accountId}/webhooks`, { url, events: ['token.created'] });
        expect(response.statusCode, url).toBe(400);
        expect(response.json().Errors).toEqual([{ Field: 'url', Message: expect.stringContaining('loopback, private or link-local') }]);
      }
    });

    it('a target checked when saved is checked again before each attempt: a node that does not allow it sends nothing', async () => {
      const port = new URL(receiver.url).port;
      // Saved through a node that allows loopback, by a name (which is what a rebinding attack changes).
      const { id, secret } = await addEndpoint(['token.created'], `http://localhost:${port}/hooks/sidekey`);
      receiver.secrets = [secret];
      const sent = receiver.received.length;
      await context.tokens.create(brand.admin, brand.accountId, { name: 'Rebound' });
      await strict.lifecycle.dispatcher.runOnce();
      await strict.lifecycle.deliveries.runOnce();
      expect(receiver.received.length).toBe(sent);
      const [delivery] = await deliveries(id);
      expect(delivery).toMatchObject({ status: 'pending', attempts: [{ attempt: 1, statusCode: null, error: expect.stringMatching(/^refused: it resolves to (127\.0\.0\.1|::1), a loopback/) }] });
      await setEndpointState(id, 'disabled');
    });
  });
});

describeEachDialect('webhooks on two nodes at once', (dialect) => {
  let db: TestDatabase;
  let nodes: Context[];
  let brand: Brand;
  let receiver: Receiver;
  const clock = START;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    const config = testConfig(db, { ...ALLOW_LOOPBACK, webhookTimeoutMs: 10_000 });
    nodes = [await createContext(config, { now: () => clock }), await createContext(config, { now: () => clock })];
    brand = await createBrand(nodes[0]);
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    for (const node of nodes) await node.close();
    await db.drop();
  });

  it('every event is delivered exactly once, whichever node dispatches and sends it', async () => {
    const { secret } = await nodes[0].webhooks.create(brand.admin, brand.accountId, { url: receiver.url, events: ['token.created', 'token.disabled'] });
    receiver.secrets = [secret];
    for (let i = 0; i < 10; i++) {
      const { token } = await nodes[i % 2].tokens.create(brand.admin, brand.accountId, { name: `Node token ${i}` });
      await nodes[(i + 1) % 2].tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    }
    for (let round = 0; round < 3; round++) {
      await runAsNodes(dialect, nodes.flatMap((node) => [() => node.lifecycle.dispatcher.runOnce(), () => node.lifecycle.dispatcher.runOnce()]));
      await runAsNodes(dialect, nodes.flatMap((node) => [() => node.lifecycle.deliveries.runOnce(), () => node.lifecycle.deliveries.runOnce()]));
    }
    const log = (await nodes[0].store.db.selectFrom('webhook_attempts').selectAll().execute()).map((a) => ({ statusCode: a.status_code, error: a.error }));
    const ids = receiver.received.map((r) => String(r.headers['sidekey-event-id']));
    expect(log, JSON.stringify(log)).toHaveLength(20);
    expect(log.every((a) => a.statusCode === 204)).toBe(true);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
  });
});
