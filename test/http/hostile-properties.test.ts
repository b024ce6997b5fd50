/**
 * Property tests over every management route, as Fastify's onRoute hook lists them: generated hostile bodies
 * (nesting past 10,000 levels, huge arrays and strings, floods of keys, wrong types, NUL and any Unicode code point,
 * prototype keys, text that is not JSON), hostile queries and path parameters. Never a 5xx; every refusal is the
 * envelope with a Code from the table and the request id; and a snapshot of every table is the same before and
 * after each refused request.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/domain/errors.js';
import { describeEachDialect } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { createHttpHarness, login, type HttpHarness, type Session } from '../support/http.js';
import { KNOWN_ROUTES } from '../support/routes.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

const FIELDS = ['name', 'description', 'apiVersion', 'scopes', 'developerEmails', 'allowedCidrs', 'expiresAt', 'notBefore', 'rateLimit', 'limit', 'windowSeconds', 'primaryContactUserId', 'graceSeconds', 'email', 'password', 'token', 'accountName', '__proto__', 'constructor', 'prototype', 'x'];
const objectText = (entries: [string, string][]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
const repeat = (n: number, text: string) => Array.from({ length: n }, () => text).join(',');

const leaf = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\u202e', 'İ'.repeat(100), '\ud83d\ude00', 'skt_0000', ''),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
/** Any JSON text, keys drawn from the real field names and the prototype keys (written as text, so they stay own keys). */
const { json } = fc.letrec<{ json: string }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    leaf.map((v) => JSON.stringify(v)),
    fc.array(tie('json'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), tie('json')), { maxLength: 5 }).map(objectText),
  ),
}));
const depth = fc.oneof(fc.integer({ min: 33, max: 200 }), fc.integer({ min: 10_000, max: 20_000 }));
const hostileBody = fc.oneof(
  json,
  fc.tuple(depth, fc.constantFrom('[', '{"a":', '{"rateLimit":')).map(([n, open]) => open.repeat(n) + '1' + (open === '[' ? ']' : '}').repeat(n)),
  fc.tuple(depth, fc.constantFrom('[', '{"x":')).map(([n, open]) => `{"name":"deep","scopes":${open.repeat(n)}${open === '[' ? ']'.repeat(n) : '1' + '}'.repeat(n)}}`),
  fc.integer({ min: 1_000, max: 80_000 }).map((n) => `{"name":"huge","scopes":[${repeat(n, '"listActions"')}]}`),
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => JSON.stringify({ name: 'long', description: 'd'.repeat(n) })),
  fc.integer({ min: 100, max: 20_000 }).map((n) => objectText(Array.from({ length: n }, (_, i) => [`k${i}`, '1']))),
  fc.constantFrom('{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"name":"x","rateLimit":{"__proto__":null}}'),
  fc.string({ unit: 'binary', maxLength: 64 }),
);
const hostileText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('\u0000', '__proto__', 'constructor', 'x'.repeat(150), '%', '..', '1e309', '-1', '[]'));
const hostileQuery = fc
  .array(fc.tuple(fc.constantFrom('name', 'state', 'createdOn', 'kind', 'cursor', 'limit', '__proto__', 'constructor', 'a[b]', 'x'), hostileText), { maxLength: 5 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

describeEachDialect('hostile input on every management route', (dialect) => {
  let h: HttpHarness;
  let brand: Brand;
  let admin: Session;
  let routes: { method: Method; url: string }[];
  beforeAll(async () => {
    h = await createHttpHarness(dialect);
    brand = await createBrand(h.context);
    admin = await login(h.app, brand.emails.account_administrator, TEST_PASSWORD);
    routes = h.routes.filter((r) => r.url.startsWith('/api/v1') && r.method !== 'HEAD') as typeof routes;
  });
  afterAll(() => h.close());

  /** Every row of every table (the migrator's own excepted), in a stable order. */
  async function snapshot(): Promise<Record<string, string[]>> {
    const tables = (await h.context.store.db.introspection.getTables()).map((t) => t.name).filter((name) => !name.startsWith('kysely_')).sort();
    const out: Record<string, string[]> = {};
    for (const table of tables) out[table] = (await h.context.store.db.selectFrom(table as 'tokens').selectAll().execute()).map((row) => JSON.stringify(row)).sort();
    return out;
  }

  /** The route's URL with real ids (or `hostileParam` in place of each id), and the session to send it with. */
  async function target(route: { method: Method; url: string }, hostileParam?: string) {
    const tokenId = route.url.includes(':tokenId') ? (await h.context.tokens.create(brand.admin, brand.accountId, { name: 'Target', scopes: ['listActions'] })).token.id : '';
    const param = (real: string) => (hostileParam === undefined ? real : encodeURIComponent(hostileParam));
    const url = route.url.replace(':accountId', param(brand.accountId)).replace(':tokenId', param(tokenId));
    // Signing out with a body the route ignores succeeds: give it a session of its own.
    const session = route.method === 'DELETE' && route.url === '/api/v1/session' ? await login(h.app, brand.emails.analyst, TEST_PASSWORD) : admin;
    return { url, session };
  }

  async function expectRefusedOrFine(route: { method: Method; url: string }, send: () => Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>, what: string) {
    const before = await snapshot();
    const response = await send();
    expect(response.statusCode, `${what} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
    if (response.statusCode < 400) return;
    const body = JSON.parse(response.body);
    expect(body.Status, what).toBe('ERROR');
    expect(ERROR_CODES[body.Code as keyof typeof ERROR_CODES], `${what}: ${body.Code}`).toBe(response.statusCode);
    expect(body.RequestId, what).toBe(response.headers['x-request-id']);
    const after = await snapshot();
    // A wrong password is recorded by the sign-in throttle, by design: every other table stays the same.
    if (route.url === '/api/v1/session' && route.method === 'POST') {
      delete before.sign_in_attempts;
      delete after.sign_in_attempts;
    }
    expect(after, what).toEqual(before);
  }

  it('the routes are enumerated from Fastify itself: every management route is under test', () => {
    expect(routes.length).toBeGreaterThanOrEqual(22);
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(KNOWN_ROUTES));
  });

  it('every route refuses a fixed battery of hostile bodies without a 5xx and without changing anything', async () => {
    const battery = {
      '20,000 nested arrays': '['.repeat(20_000) + ']'.repeat(20_000),
      '10,000 nested objects': '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
      'a prototype key': '{"__proto__":{"admin":true},"name":"x"}',
      'constructor.prototype': '{"constructor":{"prototype":{"admin":true}}}',
      'a NUL in a value': '{"name":"a\\u0000b","email":"a\\u0000@b.co","password":"\\u0000"}',
      '20,000 unknown keys': objectText(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, '1'])),
    };
    for (const route of routes.filter((r) => r.method !== 'GET')) {
      for (const [name, payload] of Object.entries(battery)) {
        const { url, session } = await target(route);
        await expectRefusedOrFine(route, () => session.request(route.method, url, payload, { headers: { 'content-type': 'application/json' }, remoteAddress: '10.77.0.1' }), `${route.method} ${route.url} with ${name}`);
      }
    }
  }, 300_000);

  it('generated hostile bodies, queries and path parameters on every route: no 5xx, and every refusal changes nothing', async () => {
    const request = fc.record({
      route: fc.constantFrom(...routes),
      body: hostileBody,
      query: hostileQuery,
      param: fc.option(hostileText, { freq: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ route, body, query, param }) => {
        const { url, session } = await target(route, param ?? undefined);
        const full = `${url}${query ? `?${query}` : ''}`;
        const payload = route.method === 'GET' ? undefined : body;
        await expectRefusedOrFine(
          route,
          () => session.request(route.method, full, payload, { headers: payload === undefined ? {} : { 'content-type': 'application/json' }, remoteAddress: '10.77.0.2' }),
          `${route.method} ${full.slice(0, 200)} with ${String(payload).slice(0, 120)}`,
        );
      }),
      { numRuns: dialect === 'postgres' ? 60 : 120 },
    );
  }, 600_000);
});
