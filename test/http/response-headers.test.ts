/**
 * What every management answer carries: `Cache-Control: no-store` and `Pragma: no-cache` (sessions, CSRF tokens
 * and secrets must never be kept by a browser or proxy cache); an `X-Request-Id`; and, on an error, the envelope
 * with a `Code` from the one table (domain/errors.ts) and the same id as `RequestId`, which the log lines carry.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import net from 'node:net';
import { Writable } from 'node:stream';
import { ERROR_CODES } from '../../src/domain/errors.js';
import { loggerOptions } from '../../src/http/logging.js';
import { describeEachDialect } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { createHttpHarness, login, loginRequest, type HttpHarness, type Session } from '../support/http.js';
import { KNOWN_ROUTES } from '../support/routes.js';

describeEachDialect('management response headers', (dialect) => {
  let h: HttpHarness;
  let brand: Brand;
  let admin: Session;
  let tokenId: string;
  let log = '';
  const memory = new Writable({
    write(chunk, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });
  beforeAll(async () => {
    h = await createHttpHarness(dialect, { logger: loggerOptions('info', memory) });
    brand = await createBrand(h.context);
    admin = await login(h.app, brand.emails.account_administrator, TEST_PASSWORD);
    tokenId = (await h.context.tokens.create(brand.admin, brand.accountId, { name: 'Headers', scopes: ['listActions'] })).token.id;
  });
  afterAll(() => h.close());

  const expectNoStore = (response: { headers: Record<string, unknown>; statusCode: number }, what: string) => {
    expect(response.headers['cache-control'], what).toBe('no-store');
    expect(response.headers.pragma, what).toBe('no-cache');
  };

  it('the answers that carry a session, a CSRF token or an Auth Token are no-store', async () => {
    const base = `/api/v1/accounts/${brand.accountId}/tokens`;
    const signIn = await loginRequest(h.app, brand.emails.implementation_specialist, TEST_PASSWORD);
    const answers: [string, { statusCode: number; headers: Record<string, unknown> }, number][] = [
      ['POST /api/v1/session', signIn, 200],
      ['GET /api/v1/session/csrf', await admin.get('/api/v1/session/csrf'), 200],
      ['create', await admin.post(base, { name: 'Secret bearer' }), 201],
      ['duplicate', await admin.post(`${base}/${tokenId}/duplicate`), 201],
      ['reset', await admin.post(`${base}/${tokenId}/reset`), 200],
      ['credentials', await admin.get(`${base}/${tokenId}/credentials`), 200],
    ];
    for (const [what, response, status] of answers) {
      expect(response.statusCode, what).toBe(status);
      expectNoStore(response, what);
    }
  });

  it('every error carries a Code from the one table, matching its status, and the request id, which its log lines carry', async () => {
    const base = `/api/v1/accounts/${brand.accountId}/tokens`;
    const analyst = await login(h.app, brand.emails.analyst, TEST_PASSWORD);
    const noApi = await createBrand(h.context, { apiAccess: false });
    const json = { 'content-type': 'application/json' };
    for (let i = 0; i < 5; i++) await loginRequest(h.app, brand.emails.finance, 'wrong password!', { remoteAddress: '192.0.2.99' });
    const cases: [string, Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }>][] = [
      ['INVALID_INPUT', admin.post(base, { name: '' })],
      ['INPUT_TOO_DEEP', admin.request('POST', base, '['.repeat(100) + ']'.repeat(100), { headers: json })],
      ['MALFORMED_JSON', admin.request('POST', base, '{"name":', { headers: json })],
      ['MALFORMED_REQUEST', admin.get('/api/v1/accounts/%E0%A4%A/tokens')],
      ['UNAUTHENTICATED', h.app.inject({ method: 'GET', url: base })],
      ['SIGN_IN_FAILED', loginRequest(h.app, brand.emails.custom, 'wrong password!', { remoteAddress: '192.0.2.98' })],
      ['SIGN_IN_THROTTLED', loginRequest(h.app, brand.emails.finance, TEST_PASSWORD, { remoteAddress: '192.0.2.99' })],
      ['FORBIDDEN', analyst.get(base)],
      ['CSRF_TOKEN_INVALID', admin.post(base, { name: 'x' }, { csrf: false })],
      ['NOT_FOUND', admin.get(`${base}/tok_nope`)],
      ['CURRENT_PASSWORD_INCORRECT', analyst.post('/api/v1/me/password', { currentPassword: 'wrong password!', newPassword: 'a brand new passphrase' })],
      ['INVITE_LINK_INVALID', h.app.inject({ method: 'POST', url: '/api/v1/invite', payload: { token: 'nope', password: TEST_PASSWORD } })],
      ['LAST_ACCOUNT_ADMINISTRATOR', admin.delete(`/api/v1/accounts/${brand.accountId}/users/${brand.admin.userId}`)],
      ['SETUP_LINK_INVALID', h.app.inject({ method: 'POST', url: '/api/v1/setup', payload: { token: 'nope', email: 'a@b.test', password: TEST_PASSWORD, accountName: 'A' } })],
      ['ROUTE_NOT_FOUND', admin.get('/api/v1/nothing-here')],
      ['CONFLICT', (await login(h.app, noApi.emails.account_administrator, TEST_PASSWORD)).post(`/api/v1/accounts/${noApi.accountId}/tokens`, { name: 'early' })],
      ['PAYLOAD_TOO_LARGE', admin.post(base, { name: 'x', description: 'd'.repeat(300 * 1024) })],
      ['URI_TOO_LONG', admin.get(`${base}/${'t'.repeat(200)}`)],
      ['UNSUPPORTED_MEDIA_TYPE', admin.request('POST', base, 'name=x', { headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ];
    const seen = new Set<string>();
    for (const [code, pending] of cases) {
      const response = await pending;
      const body = JSON.parse(response.body);
      expect(body.Code, `${code}: ${response.body.slice(0, 200)}`).toBe(code);
      expect(response.statusCode, code).toBe(ERROR_CODES[code as keyof typeof ERROR_CODES]);
      expect(body.RequestId, code).toBe(response.headers['x-request-id']);
      expect(log, code).toContain(`"reqId":"${body.RequestId}"`);
      expect(log, code).toMatch(new RegExp(`"reqId":"${body.RequestId}"[^\n]*"code":"${code}"`));
      seen.add(body.RequestId);
    }
    expect(seen.size).toBe(cases.length);
  });

  it('a request the HTTP parser refuses is answered with the envelope, its code and a request id the log carries too', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as net.AddressInfo;
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write('POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n'));
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', () => {});
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ Status: 'ERROR', Code: 'MALFORMED_REQUEST', RequestId: expect.any(String) });
    expect(answer).toContain(`X-Request-Id: ${body.RequestId}`);
    expect(log).toContain(`"reqId":"${body.RequestId}"`);
  });

  it('X-Request-Id is on every answer: a sane one sent by the caller is kept, anything else replaced by a fresh id', async () => {
    const fresh = new Set<unknown>();
    for (const url of ['/healthz', '/api/v1/catalog', '/api/openapi.json', '/api/v1/me', '/no/such/page', '/healthz', '/healthz']) {
      const response = await h.app.inject({ method: 'GET', url });
      expect(response.headers['x-request-id'], url).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      fresh.add(response.headers['x-request-id']);
    }
    // Every fresh id is its own, so one names one request's log lines.
    expect(fresh.size).toBe(7);
    const sent = (id: string) => h.app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-request-id': id } });
    expect((await sent('lb-7f3a.92_ok')).headers['x-request-id']).toBe('lb-7f3a.92_ok');
    expect((await sent('lb-7f3a.92_ok')).json().RequestId).toBe('lb-7f3a.92_ok');
    for (const bad of ['x'.repeat(65), 'has space', 'quote"s', 'new\\nline', '']) expect((await sent(bad)).headers['x-request-id'], bad).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('every route under /api/v1, answering success or error, is no-store', async () => {
    const routes = h.routes.filter((r) => r.url.startsWith('/api/v1'));
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(KNOWN_ROUTES));
    for (const { method, url } of routes) {
      const path = url.replace(':accountId', brand.accountId).replace(':tokenId', tokenId);
      for (const session of [admin, undefined]) {
        const response = session ? await session.request(method as 'GET', path) : await h.app.inject({ method: method as 'GET', url: path });
        expectNoStore(response, `${method} ${url} ${session ? 'signed in' : 'anonymous'} → ${response.statusCode}`);
      }
    }
    expectNoStore(await admin.get('/api/v1/no-such-route'), 'unknown route');
  });
});
