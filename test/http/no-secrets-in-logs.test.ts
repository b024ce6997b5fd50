/**
 * Secrets never reach the logs. The app is built with its production logger configuration at level
 * "trace", writing to memory; a whole lifecycle runs over HTTP; then the captured text is searched for every
 * Auth Token issued, every password typed, every session id and every CSRF token.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { loggerOptions } from '../../src/http/logging.js';
import { describeEachDialect, createTestContext, type TestContext } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { login, loginRequest, type Session } from '../support/http.js';

class MemoryLog extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** What a careless handler might do: log whole bodies, headers and response payloads. */
const carelessLogging = fp(async (app: FastifyInstance) => {
  app.addHook('preHandler', async (request) => {
    request.log.info({ body: request.body, headers: request.headers, query: request.query }, 'handling');
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    if (typeof payload === 'string' && payload.startsWith('{')) request.log.info({ payload: JSON.parse(payload) }, 'answering');
    return payload;
  });
});

async function runLifecycle(app: FastifyInstance, t: TestContext, brand: Brand, secrets: Set<string>) {
  const note = (...values: (string | undefined)[]) => values.forEach((v) => v && secrets.add(v));
  const sessions: Session[] = [];
  for (const email of [brand.emails.account_administrator, brand.emails.implementation_specialist, brand.emails.analyst]) {
    const s = await login(app, email, TEST_PASSWORD);
    sessions.push(s);
    note(s.sessionId, s.csrfToken);
  }
  const [admin, specialist, analyst] = sessions;
  note(TEST_PASSWORD);
  const wrongPassword = 'hunter2-but-longer-and-wrong';
  note(wrongPassword);
  expect((await loginRequest(app, brand.emails.finance, wrongPassword)).statusCode).toBe(401);

  const base = `/api/v1/accounts/${brand.accountId}`;
  const ok = (response: { statusCode: number; body: string }, status = 200) => {
    expect(response.statusCode, response.body).toBe(status);
    return response.body ? JSON.parse(response.body) : undefined;
  };
  ok(await admin.get('/api/v1/me'));
  ok(await admin.get('/api/v1/session/csrf'));
  ok(await admin.post(`${base}/api-access`));
  ok(await admin.post(`${base}/legacy-tokens`));
  const created = ok(await admin.post(`${base}/tokens`, { name: 'Logged lifecycle', apiVersion: 12, scopes: ['listActions'], developerEmails: ['dev@acme.test'] }), 201);
  note(created.authToken);
  const id = created.token.id;
  ok(await admin.get(`${base}/tokens?name=logged&createdOn=last7&state=enabled`));
  ok(await admin.get(`${base}/tokens/${id}`));
  note(ok(await specialist.get(`${base}/tokens/${id}/credentials`)).authToken);
  note(ok(await admin.post(`${base}/tokens/${id}/reset`, { graceSeconds: 3600 })).authToken);
  note(ok(await admin.post(`${base}/tokens/${id}/reset`)).authToken);
  note(ok(await admin.get(`${base}/tokens/${id}/credentials`)).authToken);
  const copy = ok(await specialist.post(`${base}/tokens/${id}/duplicate`), 201);
  note(copy.authToken);
  ok(await admin.post(`${base}/tokens/${id}/upgrade`, { apiVersion: 14 }));
  ok(await admin.patch(`${base}/tokens/${id}`, { description: 'edited', allowedCidrs: ['10.0.0.0/8'] }));
  ok(await admin.post(`${base}/tokens/${id}/disable`));
  ok(await admin.post(`${base}/tokens/${id}/enable`));
  ok(await admin.get(`${base}/tokens/${id}/events`));
  ok(await admin.get(`${base}/tokens/${id}/usage`));
  ok(await admin.get(`${base}/users`));
  const legacy = ok(await admin.get(`${base}/tokens`)).items.filter((i: { kind: string }) => i.kind !== 'scoped');
  for (const item of legacy) note(ok(await admin.get(`${base}/tokens/${item.id}/credentials`)).authToken);
  // Refusals and mistakes are logged too: make some.
  expect((await analyst.get(`${base}/tokens/${id}/credentials`)).statusCode).toBe(403);
  expect((await admin.post(`${base}/tokens/${id}/reset`, { graceSeconds: 1 }, { csrf: 'not-the-token' })).statusCode).toBe(403);
  expect((await admin.post(`${base}/tokens`, { name: '' })).statusCode).toBe(400);
  expect((await admin.request('POST', `${base}/tokens`, '{"name": broken', { headers: { 'content-type': 'application/json' } })).statusCode).toBe(400);
  // A client that sends its API credentials to the management API by mistake.
  const basic = Buffer.from(`${copy.token.accountSid}:${copy.authToken}`).toString('base64');
  expect((await app.inject({ method: 'GET', url: `${base}/tokens`, headers: { authorization: `Basic ${basic}` } })).statusCode).toBe(401);
  note(basic);
  ok(await admin.delete(`${base}/tokens/${copy.token.id}`), 204);
  ok(await specialist.delete('/api/v1/session'), 204);
  // And the secrets the store knows, in case anything logged a row.
  const rows = await t.context.store.db.selectFrom('tokens').select(['secret_hash', 'secret_ciphertext']).where('account_id', '=', brand.accountId).execute();
  for (const row of rows) note(row.secret_hash, row.secret_ciphertext ?? undefined);
}

function expectNoSecret(log: string, secrets: Set<string>) {
  const leaked = [...secrets].filter((secret) => log.includes(secret));
  expect(leaked.map((s) => `${s.slice(0, 6)}… (${s.length} chars)`)).toEqual([]);
  // Nothing that looks like an Auth Token at all, not even one this test did not record.
  expect(log.match(/skt_[0-9A-Za-z]{36}/g) ?? []).toEqual([]);
}

describeEachDialect('no secret in logs', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  beforeAll(async () => {
    t = await createTestContext(dialect);
    brand = await createBrand(t.context, { apiAccess: false });
  });
  afterAll(() => t.close());

  it('a full lifecycle over HTTP at log level trace leaves no Auth Token, password, session id or CSRF token in the log', async () => {
    const log = new MemoryLog();
    const app = await buildApp(t.context, { logger: loggerOptions('trace', log) });
    const secrets = new Set<string>();
    try {
      await runLifecycle(app, t, brand, secrets);
    } finally {
      await app.close();
    }
    // The log is real: it saw the requests.
    const lines = log.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.msg === 'incoming request').length).toBeGreaterThan(30);
    expect(log.text).toContain(`/api/v1/accounts/${brand.accountId}/tokens`);
    expect(secrets.size).toBeGreaterThan(15);
    expectNoSecret(log.text, secrets);
  }, 120_000);

  it('even a handler that carelessly logs bodies, headers and responses leaks nothing: the redaction covers them', async () => {
    const log = new MemoryLog();
    const own = await createBrand(t.context, { apiAccess: false });
    const app = await buildApp(t.context, { logger: loggerOptions('trace', log), plugins: [carelessLogging] });
    const secrets = new Set<string>();
    try {
      await runLifecycle(app, t, own, secrets);
    } finally {
      await app.close();
    }
    const lines = log.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.msg === 'handling').length).toBeGreaterThan(20);
    expect(lines.filter((l) => l.msg === 'answering').length).toBeGreaterThan(20);
    expect(log.text).toContain('[redacted]');
    expectNoSecret(log.text, secrets);
  }, 120_000);
});
