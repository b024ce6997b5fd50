/**
 * Leak reports from GitHub's secret scanning (POST /v1/leaks): only a report signed by a configured key over its exact
 * bytes is read; a real Auth Token is disabled at once (the verifier refuses it), its exposure recorded, audited and
 * raised as `token.exposed` in one transaction, and a webhook receives it; anything else changes nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { createContext, type Context } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { generateAccountSid, generateAuthToken } from '../../src/domain/credentials.js';
import type { LifecycleEvent } from '../../src/domain/lifecycle-events.js';
import { createTestDatabase, describeEachDialect, testConfig, type TestDatabase } from '../support/databases.js';
import { TEST_PASSWORD, createBrand, type Brand } from '../support/fixtures.js';
import { GitHubReporter, leak, type LeakItem } from '../support/github-reporter.js';
import { login, startHttpApp, type Session } from '../support/http.js';
import { issueToken, type Issued } from '../verify/helpers.js';
import { Receiver } from '../webhooks/receiver.js';

const START = Date.UTC(2026, 8, 1, 12);

describeEachDialect('leak reports', (dialect) => {
  let db: TestDatabase;
  let context: Context;
  let app: FastifyInstance;
  let brand: Brand;
  let admin: Session;
  let receiver: Receiver;
  const github = new GitHubReporter();
  const stranger = new GitHubReporter();
  let clock = START;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    const keys = loadConfig({ LEAK_REPORT_PUBLIC_KEYS: github.publicKeys() }).leakReportPublicKeys;
    context = await createContext(testConfig(db, { leakReportPublicKeys: keys, webhookAllowedPrivateTargets: ['loopback'], webhookTimeoutMs: 2_000 }), { now: () => clock });
    brand = await createBrand(context);
    ({ app } = await startHttpApp(context));
    admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await app?.close();
    await context?.close();
    await db?.drop();
  });

  const report = (items: LeakItem[], options: { by?: GitHubReporter; body?: string; headers?: Record<string, string> } = {}) => {
    const body = options.body ?? JSON.stringify(items);
    const headers = { ...(options.by ?? github).headers(JSON.stringify(items)), ...options.headers };
    return app.inject({ method: 'POST', url: '/v1/leaks', payload: body, headers });
  };
  const verify = async (issued: Issued) => {
    const response = await app.inject({ method: 'POST', url: '/v1/verify', payload: { accountSid: issued.accountSid, authToken: issued.authToken, method: 'GET', path: `/Advertisers/${issued.accountSid}/Actions` } });
    return response.json().code as string;
  };
  /** Every row a report could write: tokens, exposures, audit events, outbox events and change-log rows. */
  const snapshot = async () => {
    const { db: q } = context.store;
    return {
      tokens: await q.selectFrom('tokens').select(['id', 'state', 'revision']).orderBy('id').execute(),
      exposures: await q.selectFrom('token_exposures').selectAll().orderBy('id').execute(),
      audit: await q.selectFrom('audit_events').select('id').orderBy('id').execute(),
      outbox: await q.selectFrom('lifecycle_events').select('id').orderBy('id').execute(),
      changes: await q.selectFrom('change_log').select('seq').orderBy('seq').execute(),
    };
  };
  const auditOf = async (tokenId: string) => (await context.store.db.selectFrom('audit_events').select(['action', 'details', 'at']).where('token_id', '=', tokenId).orderBy('id').execute()).map((r) => ({ ...r, details: JSON.parse(r.details) }));
  const outboxOf = async (tokenId: string) => (await context.store.db.selectFrom('lifecycle_events').select('payload').where('token_id', '=', tokenId).orderBy('id').execute()).map((r) => JSON.parse(r.payload) as LifecycleEvent);

  it('a real, enabled Auth Token is disabled at once, its exposure recorded, audited and raised as token.exposed', async () => {
    const issued = await issueToken(context, brand);
    expect(await verify(issued)).toBe('ALLOWED');
    clock += 60_000;
    const item = leak(issued.authToken);
    const response = await report([item]);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual([{ token_raw: issued.authToken, token_type: 'sidekey_auth_token', label: 'true_positive' }]);
    // This node's verifier forgot the token before the answer was sent.
    expect(await verify(issued)).toBe('TOKEN_DISABLED');
    expect((await context.tokens.get(brand.admin, brand.accountId, issued.tokenId)).state).toBe('disabled');

    const [exposure] = await context.tokens.exposures(brand.admin, brand.accountId, issued.tokenId);
    expect(exposure).toEqual({ id: expect.stringMatching(/^exp_/), tokenId: issued.tokenId, reporter: 'github', reportType: 'sidekey_auth_token', source: 'commit', url: item.url, reportedAt: clock, action: 'disabled' });
    const audit = (await auditOf(issued.tokenId)).slice(-2);
    expect(audit).toEqual([
      { action: 'token.disable', at: clock, details: { from: 'enabled', to: 'disabled', reason: 'exposed', via: 'leak-report:github' } },
      { action: 'token.expose', at: clock, details: { exposureId: exposure.id, reporter: 'github', reportType: 'sidekey_auth_token', source: 'commit', url: item.url, action: 'disabled', via: 'leak-report:github' } },
    ]);
    const events = (await outboxOf(issued.tokenId)).slice(-2);
    expect(events.map((e) => e.type)).toEqual(['token.disabled', 'token.exposed']);
    expect(events[1]).toMatchObject({ accountId: brand.accountId, occurredAt: new Date(clock).toISOString(), actor: { kind: 'operator', via: 'leak-report:github' }, token: { id: issued.tokenId, accountSid: issued.accountSid } });
    expect(events[1].data).toEqual({ exposureId: exposure.id, reporter: 'github', reportType: 'sidekey_auth_token', source: 'commit', url: item.url, action: 'disabled' });
    // The secret appears in no stored row but the token's own (as its keyed hash and ciphertext).
    const stored = JSON.stringify([await context.store.db.selectFrom('lifecycle_events').selectAll().execute(), await context.store.db.selectFrom('audit_events').selectAll().execute(), await context.store.db.selectFrom('token_exposures').select(['id', 'url', 'source', 'action']).execute()]);
    expect(stored).not.toContain(issued.authToken);
  });

  it('the management API shows the exposure on the token and in the account list, never the secret or its hash', async () => {
    const issued = await issueToken(context, brand);
    const item = leak(issued.authToken, 'https://gist.github.com/octocat/1234');
    expect((await report([{ ...item, source: 'gist' }])).statusCode).toBe(200);
    const onToken = await admin.get(`/api/v1/accounts/${brand.accountId}/tokens/${issued.tokenId}/exposures`);
    expect(onToken.statusCode).toBe(200);
    expect(onToken.json().items).toEqual([{ id: expect.any(String), tokenId: issued.tokenId, reporter: 'github', reportType: 'sidekey_auth_token', source: 'gist', url: item.url, reportedAt: new Date(clock).toISOString(), action: 'disabled' }]);
    const listed = await admin.get(`/api/v1/accounts/${brand.accountId}/exposures`);
    expect(listed.json().items.map((e: { tokenId: string }) => e.tokenId)).toContain(issued.tokenId);
    const { secret_hash } = await context.store.db.selectFrom('token_exposures').select('secret_hash').where('token_id', '=', issued.tokenId).executeTakeFirstOrThrow();
    for (const body of [onToken.body, listed.body]) {
      expect(body).not.toContain(secret_hash);
      expect(body).not.toContain(issued.authToken);
    }
  });

  it('a webhook subscribed to token.exposed receives the event, signed', async () => {
    await context.lifecycle.dispatcher.runOnce(); // the earlier tests' events go out before the endpoint exists
    const created = await admin.post(`/api/v1/accounts/${brand.accountId}/webhooks`, { url: receiver.url, events: ['token.exposed'] });
    expect(created.statusCode, created.body).toBe(201);
    receiver.secrets = [created.json().secret];
    const issued = await issueToken(context, brand);
    expect((await report([leak(issued.authToken)])).json()[0].label).toBe('true_positive');
    await context.lifecycle.dispatcher.runOnce();
    await context.lifecycle.deliveries.runOnce();
    const delivered = receiver.received.map((r) => ({ verified: r.verified, event: JSON.parse(r.body) as LifecycleEvent }));
    expect(delivered).toEqual([{ verified: true, event: expect.objectContaining({ type: 'token.exposed', token: expect.objectContaining({ id: issued.tokenId }), data: expect.objectContaining({ action: 'disabled', source: 'commit' }) }) }]);
    expect(receiver.received[0].body).not.toContain(issued.authToken);
    await admin.delete(`/api/v1/accounts/${brand.accountId}/webhooks/${created.json().webhook.id}`);
  });

  it('the same report again changes nothing and answers the same', async () => {
    const issued = await issueToken(context, brand);
    const first = await report([leak(issued.authToken)]);
    const before = await snapshot();
    clock += 1000;
    const again = await report([leak(issued.authToken), leak(issued.authToken)]);
    expect(again.json()).toEqual([first.json()[0], first.json()[0]]);
    expect(await snapshot()).toEqual(before);
  });

  it('an already disabled token stays as it is: no disable, the exposure recorded so whoever enables it is warned', async () => {
    const issued = await issueToken(context, brand);
    await context.tokens.setState(brand.admin, brand.accountId, issued.tokenId, 'disabled');
    const token = await context.tokens.get(brand.admin, brand.accountId, issued.tokenId);
    const changesBefore = (await snapshot()).changes;
    const response = await report([leak(issued.authToken)]);
    expect(response.json()[0].label).toBe('true_positive');
    expect(await context.tokens.get(brand.admin, brand.accountId, issued.tokenId)).toEqual(token);
    expect((await snapshot()).changes).toEqual(changesBefore); // nothing for the verifiers to learn
    expect((await auditOf(issued.tokenId)).map((a) => a.action)).toEqual(['token.create', 'token.disable', 'token.expose']);
    expect((await outboxOf(issued.tokenId)).map((e) => [e.type, e.type === 'token.exposed' ? e.data.action : null])).toEqual([['token.created', null], ['token.disabled', null], ['token.exposed', 'already_disabled']]);
    expect((await context.tokens.exposures(brand.admin, brand.accountId, issued.tokenId)).map((e) => e.action)).toEqual(['already_disabled']);
  });

  it('a leaked canary stays armed: its exposure is recorded and raised, and any use of it still alerts', async () => {
    const canary = await context.tokens.create(brand.admin, brand.accountId, { kind: 'canary', name: 'Decoy in a repository' });
    const response = await report([leak(canary.authToken)]);
    expect(response.json()[0].label).toBe('true_positive');
    expect(await context.tokens.get(brand.admin, brand.accountId, canary.token.id)).toMatchObject({ kind: 'canary', state: 'enabled' });
    expect((await auditOf(canary.token.id)).map((a) => a.action)).toEqual(['token.create', 'token.expose']);
    expect((await outboxOf(canary.token.id)).map((e) => [e.type, e.type === 'token.exposed' ? e.data.action : null])).toEqual([['token.created', null], ['token.exposed', 'canary_kept']]);
  });

  it('anything that is not a current secret of this Sidekey is false_positive and changes nothing', async () => {
    const issued = await issueToken(context, brand);
    const reset = await context.tokens.reset(brand.admin, brand.accountId, issued.tokenId); // no grace: the old secret is dead
    const wellFormedUnknown = generateAuthToken();
    const badChecksum = `${issued.authToken.slice(0, -1)}${issued.authToken.endsWith('A') ? 'B' : 'A'}`;
    const before = await snapshot();
    const items = [wellFormedUnknown, badChecksum, issued.accountSid, generateAccountSid('IR'), issued.authToken, `${reset.authToken}x`, reset.authToken.toUpperCase(), ''].map((token) => leak(token));
    const response = await report(items);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(items.map((i) => ({ token_raw: i.token, token_type: 'sidekey_auth_token', label: 'false_positive' })));
    expect(await snapshot()).toEqual(before);
    expect(await verify({ ...issued, authToken: reset.authToken })).toBe('ALLOWED');
  });

  it("a previous secret still in its grace period is live: its report disables the token", async () => {
    const issued = await issueToken(context, brand);
    await context.tokens.reset(brand.admin, brand.accountId, issued.tokenId, { graceSeconds: 3600 });
    expect(await verify(issued)).toBe('ALLOWED');
    expect((await report([leak(issued.authToken)])).json()[0].label).toBe('true_positive');
    expect(await verify(issued)).toBe('TOKEN_DISABLED');
  });

  it('a tampered body, a wrong or missing key id, a signature by another key: 401, nothing read, nothing changed', async () => {
    const issued = await issueToken(context, brand);
    const items = [leak(issued.authToken)];
    const body = JSON.stringify(items);
    const before = await snapshot();
    const refusals = [
      await report(items, { body: body.replace('commit', 'commiT') }),
      await report(items, { body: `${body} ` }), // the same JSON, other bytes: the signature is over the bytes
      await report(items, { headers: { 'github-public-key-identifier': stranger.keyIdentifier } }),
      await report(items, { by: stranger }),
      await report(items, { headers: { 'github-public-key-signature': github.signature(`${body}x`) } }),
      await report(items, { headers: { 'github-public-key-signature': 'not base64 at all!' } }),
      await app.inject({ method: 'POST', url: '/v1/leaks', payload: body, headers: { 'content-type': 'application/json' } }),
      // A signed-in administrator's session and CSRF token are no substitute: the route reads neither.
      await admin.post('/v1/leaks', items),
    ];
    for (const response of refusals) {
      expect(response.statusCode, response.body).toBe(401);
      expect(response.json()).toMatchObject({ Status: 'ERROR', Code: 'LEAK_REPORT_SIGNATURE_INVALID' });
    }
    expect(refusals.map((r) => r.json().Errors[0].Field)).toEqual(['Github-Public-Key-Signature', 'Github-Public-Key-Signature', 'Github-Public-Key-Identifier', 'Github-Public-Key-Identifier', 'Github-Public-Key-Signature', 'Github-Public-Key-Signature', 'Github-Public-Key-Signature', 'Github-Public-Key-Signature']);
    expect(await snapshot()).toEqual(before);
    expect(await verify(issued)).toBe('ALLOWED');
  });

  it('a signed body that is not a report is a 400 and changes nothing', async () => {
    const before = await snapshot();
    for (const body of ['{"token":"skt_x"}', '[{"token":{"value":"skt_x"},"type":"t","url":"","source":"commit"}]', 'not json']) {
      const response = await app.inject({ method: 'POST', url: '/v1/leaks', payload: body, headers: { 'content-type': 'application/json', 'github-public-key-identifier': github.keyIdentifier, 'github-public-key-signature': github.signature(body) } });
      expect(response.statusCode, body).toBe(400);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('the disable, the exposure, both audit events and the outbox event are one transaction', async () => {
    const issued = await issueToken(context, brand);
    const before = await snapshot();
    if (dialect === 'sqlite') await sql`create trigger outbox_down before insert on lifecycle_events begin select raise(abort, 'outbox down'); end`.execute(context.store.db);
    else await sql`alter table lifecycle_events add constraint outbox_down check (false) not valid`.execute(context.store.db);
    try {
      expect((await report([leak(issued.authToken)])).statusCode).toBe(500);
    } finally {
      if (dialect === 'sqlite') await sql`drop trigger outbox_down`.execute(context.store.db);
      else await sql`alter table lifecycle_events drop constraint outbox_down`.execute(context.store.db);
    }
    expect(await snapshot()).toEqual(before);
    expect(await verify(issued)).toBe('ALLOWED');
    // GitHub retries; the retry is the first report that lands.
    expect((await report([leak(issued.authToken)])).json()[0].label).toBe('true_positive');
    expect(await verify(issued)).toBe('TOKEN_DISABLED');
  });
});

describeEachDialect('leak reports without LEAK_REPORT_PUBLIC_KEYS', (dialect) => {
  it('every report is refused, saying why', async () => {
    const db = await createTestDatabase(dialect);
    const context = await createContext(testConfig(db));
    const { app } = await startHttpApp(context);
    try {
      const brand = await createBrand(context);
      const issued = await issueToken(context, brand);
      const body = JSON.stringify([leak(issued.authToken)]);
      const response = await app.inject({ method: 'POST', url: '/v1/leaks', payload: body, headers: new GitHubReporter().headers(body) });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ Code: 'LEAK_REPORT_SIGNATURE_INVALID', Message: 'This server accepts no leak reports: LEAK_REPORT_PUBLIC_KEYS is unset.' });
      expect((await context.tokens.get(brand.admin, brand.accountId, issued.tokenId)).state).toBe('enabled');
    } finally {
      await app.close();
      await context.close();
      await db.drop();
    }
  });
});
