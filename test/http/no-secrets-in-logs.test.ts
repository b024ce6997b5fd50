/**
 * Secrets never reach the logs. The app is built with its production logger configuration at level
 * "trace", writing to memory, and listens on a real port; a whole lifecycle runs over HTTP, then requests the
 * HTTP parser refuses are written over a raw socket carrying real credentials; then the captured text (with every
 * logged Buffer or byte array decoded) is searched for every Auth Token issued, every password typed, every
 * session id, CSRF token and setup token.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import net from 'node:net';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { loggerOptions } from '../../src/http/logging.js';
import { describeEachDialect, createTestContext, type TestContext } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { MemoryLog } from '../support/memory-log.js';
import { login, loginRequest, type Session } from '../support/http.js';
import { GitHubReporter, leak } from '../support/github-reporter.js';
import { loadConfig } from '../../src/config.js';

/** GitHub's secret scanning, reporting a token in the lifecycle: the report's body is all secrets. */
const github = new GitHubReporter();


/** What a careless handler might do: log whole bodies, headers and response payloads. */
const carelessLogging = fp(async (app: FastifyInstance) => {
  app.addHook('preHandler', async (request) => {
    request.log.info({ body: request.body, headers: request.headers, query: request.query }, 'handling');
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    if (typeof payload === 'string' && payload.startsWith('{')) {
      request.log.info({ payload: JSON.parse(payload) }, 'answering');
      request.log.debug(`answering ${request.url} with ${payload}`);
    }
    return payload;
  });
});

/** Writes `bytes` on a fresh connection and waits for the server to answer and close (or a second to pass). */
function rawRequest(app: FastifyInstance, bytes: string): Promise<string> {
  const { port } = app.server.address() as net.AddressInfo;
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => socket.destroy(), 1000);
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', () => {});
  });
}

/** Requests Node's HTTP parser refuses, each carrying a session's cookie, its CSRF token and an API credential. */
async function sendMalformed(app: FastifyInstance, session: Session, basic: string, authToken: string) {
  const secrets = `Authorization: Basic ${basic}\r\nProxy-Authorization: Basic ${basic}\r\nCookie: ${session.cookie}\r\nX-CSRF-Token: ${session.csrfToken}\r\nX-Api-Key: ${authToken}\r\n`;
  const head = (method: string) => `${method} /api/v1/accounts/x/tokens?auth=${authToken} HTTP/1.1\r\nHost: sidekey.test\r\n${secrets}`;
  const answers = [
    await rawRequest(app, `${head('POST')}Content-Length: 12abc\r\n\r\n{"name":"x"}`),
    await rawRequest(app, `${head('POST')}Content-Length: 12\r\nContent-Length: 13\r\n\r\n{"name":"x"}`),
    await rawRequest(app, `${head('POST')}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`),
    await rawRequest(app, `${head('GET')}X-Bad: a\u0001b\r\n\r\n`),
    await rawRequest(app, `${head('GET')}Bad Header Name: x\r\n\r\n`),
    await rawRequest(app, `${head('GET')}X-Huge: ${'h'.repeat(20_000)}\r\n\r\n`),
    await rawRequest(app, `${head('GET').replace('HTTP/1.1', 'HTTP/9.9')}\r\n`),
  ];
  for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
}

/** A JSON line, or in a human line every array of numbers, where a logged byte array would be. */
function loggedValues(line: string): unknown[] {
  if (line.startsWith('{')) return [JSON.parse(line)];
  return [...line.matchAll(/\[(?:\d{1,3},)*\d{1,3}\]/g)].map((match) => JSON.parse(match[0]));
}

/** The log text plus the text of every Buffer (`{"type":"Buffer","data":[…]}`) or byte array logged in it. */
function withDecodedBytes(log: string): string {
  const decoded: string[] = [];
  for (const line of log.split('\n').filter(Boolean)) {
    const stack: unknown[] = loggedValues(line);
    while (stack.length > 0) {
      const node = stack.pop();
      if (Array.isArray(node)) {
        if (node.length > 0 && node.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) decoded.push(Buffer.from(node as number[]).toString('latin1'));
        else stack.push(...node);
      } else if (node && typeof node === 'object') stack.push(...Object.values(node));
    }
  }
  return [log, ...decoded].join('\n');
}

async function runLifecycle(app: FastifyInstance, t: TestContext, brand: Brand, secrets: Set<string>) {
  const note = (...values: (string | undefined)[]) => {
    for (const v of values) if (v) secrets.add(v);
  };
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
  // GitHub reports the copy leaked (it is disabled), and a tampered report of it is refused.
  const leakReport = JSON.stringify([leak(copy.authToken)]);
  expect(ok(await app.inject({ method: 'POST', url: '/v1/leaks', payload: leakReport, headers: github.headers(leakReport) }))[0].label).toBe('true_positive');
  expect((await app.inject({ method: 'POST', url: '/v1/leaks', payload: leakReport.replace('commit', 'gist'), headers: github.headers(leakReport) })).statusCode).toBe(401);
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
  await sendMalformed(app, admin, basic, copy.authToken);
  // The first-run setup link: its page and a refused submission.
  const link = await t.context.accounts.createSetupLink();
  note(link.token);
  expect((await app.inject({ method: 'GET', url: `/setup?token=${link.token}` })).statusCode).toBeLessThan(500);
  expect((await app.inject({ method: 'POST', url: '/api/v1/setup', payload: { token: link.token, email: 'x@y.test', password: 'short', accountName: 'X' } })).statusCode).toBe(400);
  ok(await admin.delete(`${base}/tokens/${copy.token.id}`), 204);
  ok(await specialist.delete('/api/v1/session'), 204);
  // And the secrets the store knows, in case anything logged a row.
  const rows = await t.context.store.db.selectFrom('tokens').select(['secret_hash', 'secret_ciphertext']).where('account_id', '=', brand.accountId).execute();
  for (const row of rows) note(row.secret_hash, row.secret_ciphertext ?? undefined);
}

function expectNoSecret(logged: string, secrets: Set<string>) {
  const log = withDecodedBytes(logged);
  const leaked = [...secrets].filter((secret) => log.includes(secret));
  expect(leaked.map((s) => `${s.slice(0, 6)}… (${s.length} chars)`)).toEqual([]);
  // Nothing that looks like an Auth Token at all, not even one this test did not record.
  expect(log.match(/skt_[0-9A-Za-z]{36}/g) ?? []).toEqual([]);
}

describeEachDialect('no secret in logs', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  beforeAll(async () => {
    t = await createTestContext(dialect, { config: { leakReportPublicKeys: loadConfig({ LEAK_REPORT_PUBLIC_KEYS: github.publicKeys() }).leakReportPublicKeys } });
    brand = await createBrand(t.context, { apiAccess: false });
  });
  afterAll(() => t.close());

  it('a full lifecycle and requests the HTTP parser refuses, at log level trace, leave no Auth Token, password, session id, CSRF or setup token in the log, not even as logged bytes (findings 3 and 4)', async () => {
    const log = new MemoryLog();
    const app = await buildApp(t.context, { logger: loggerOptions('trace', log) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const secrets = new Set<string>();
    try {
      await runLifecycle(app, t, brand, secrets);
    } finally {
      await app.close();
    }
    // The log is real: it saw the requests.
    const lines = log.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.msg === 'request completed').length).toBeGreaterThan(30);
    expect(log.text).toContain(`/api/v1/accounts/${brand.accountId}/tokens`);
    expect(lines.filter((l) => l.msg === 'client error').length).toBeGreaterThanOrEqual(6);
    // The setup page is logged by its path, with the token's value masked.
    expect(log.text).toContain('/setup?token=[redacted]');
    expect(secrets.size).toBeGreaterThan(15);
    expectNoSecret(log.text, secrets);
  }, 120_000);

  /** The whole lifecycle on a fresh brand, logged at trace by a handler that logs everything it sees. */
  async function lifecycleLoggedByCarelessHandler(terminal: boolean) {
    const log = new MemoryLog(terminal);
    const own = await createBrand(t.context, { apiAccess: false });
    const app = await buildApp(t.context, { logger: loggerOptions('trace', log), plugins: [carelessLogging] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const secrets = new Set<string>();
    try {
      await runLifecycle(app, t, own, secrets);
    } finally {
      await app.close();
    }
    return { log, secrets };
  }

  it('the human form a terminal gets leaks nothing either: it is written from the redacted and masked line', async () => {
    const { log, secrets } = await lifecycleLoggedByCarelessHandler(true);
    expect(log.text).toMatch(/ INFO {2}request completed POST \/api\/v1\/session 200 /);
    expect(log.text).toContain('/setup?token=[redacted]');
    expect(log.text).toContain('[redacted]');
    expect(secrets.size).toBeGreaterThan(15);
    expectNoSecret(log.text, secrets);
  }, 120_000);

  it('even a handler that carelessly logs bodies, headers and responses leaks nothing: the redaction covers them', async () => {
    const { log, secrets } = await lifecycleLoggedByCarelessHandler(false);
    const lines = log.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.msg === 'handling').length).toBeGreaterThan(20);
    expect(lines.filter((l) => l.msg === 'answering').length).toBeGreaterThan(20);
    expect(log.text).toContain('[redacted]');
    expectNoSecret(log.text, secrets);
  }, 120_000);
});
