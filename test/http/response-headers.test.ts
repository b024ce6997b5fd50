/**
 * What every management answer carries in its headers: `Cache-Control: no-store` and `Pragma: no-cache` (sessions,
 * CSRF tokens and secrets must never be kept by a browser or proxy cache).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { createHttpHarness, login, loginRequest, type HttpHarness, type Session } from '../support/http.js';

describeEachDialect('management response headers', (dialect) => {
  let h: HttpHarness;
  let brand: Brand;
  let admin: Session;
  let tokenId: string;
  beforeAll(async () => {
    h = await createHttpHarness(dialect);
    brand = await createBrand(h.context);
    admin = await login(h.app, brand.emails.account_administrator, TEST_PASSWORD);
    tokenId = (await h.context.tokens.create(brand.admin, brand.accountId, { name: 'Headers', scopes: ['listActions'] })).token.id;
  });
  afterAll(() => h.close());

  const expectNoStore = (response: { headers: Record<string, unknown>; statusCode: number }, what: string) => {
    expect(response.headers['cache-control'], what).toBe('no-store');
    expect(response.headers.pragma, what).toBe('no-cache');
  };

  it('the answers that carry a session, a CSRF token or an Auth Token are no-store (finding 7)', async () => {
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

  it('every route under /api/v1, answering success or error, is no-store', async () => {
    const routes = h.routes.filter((r) => r.url.startsWith('/api/v1'));
    expect(routes.length).toBeGreaterThanOrEqual(20);
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
