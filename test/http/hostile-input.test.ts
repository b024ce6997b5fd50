/**
 * Hostile bodies on the management API: nesting far past any real request, prototype keys, floods of unknown
 * fields. Each is a 4xx in the envelope, answered before any other work, and changes nothing stored.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_INPUT_DEPTH, MAX_REPORTED_PROBLEMS } from '../../src/domain/input.js';
import { describeEachDialect } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { createHttpHarness, login, type HttpHarness, type Session } from '../support/http.js';

const deepObjects = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const deepArrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describeEachDialect('hostile input', (dialect) => {
  let h: HttpHarness;
  let brand: Brand;
  let admin: Session;
  let base: string;
  let tokenId: string;
  beforeAll(async () => {
    h = await createHttpHarness(dialect);
    brand = await createBrand(h.context);
    admin = await login(h.app, brand.emails.account_administrator, TEST_PASSWORD);
    base = `/api/v1/accounts/${brand.accountId}/tokens`;
    tokenId = (await h.context.tokens.create(brand.admin, brand.accountId, { name: 'Target', scopes: ['listActions'] })).token.id;
  });
  afterAll(() => h.close());

  async function snapshot() {
    const db = h.context.store.db;
    return {
      tokens: await db.selectFrom('tokens').selectAll().orderBy('id').execute(),
      events: await db.selectFrom('audit_events').selectAll().orderBy('id').execute(),
      sessions: await db.selectFrom('sessions').select('id_hash').orderBy('id_hash').execute(),
    };
  }

  const rawJson = (method: 'POST' | 'PATCH', url: string, payload: string, session?: Session) =>
    session
      ? session.request(method, url, payload, { headers: { 'content-type': 'application/json' } })
      : h.app.inject({ method, url, payload, headers: { 'content-type': 'application/json' }, remoteAddress: '192.0.2.10' });

  it('a body nested 5,000 objects or 20,000 arrays deep is a 400 naming the depth limit, not a 500', async () => {
    const before = await snapshot();
    for (const payload of [deepObjects(5_000), deepArrays(20_000), deepObjects(MAX_INPUT_DEPTH + 1)]) {
      for (const [method, url] of [['POST', base], ['PATCH', `${base}/${tokenId}`], ['POST', `${base}/${tokenId}/reset`]] as const) {
        const response = await rawJson(method, url, payload, admin);
        expect(response.statusCode, `${method} ${url}: ${response.body.slice(0, 200)}`).toBe(400);
        expect(response.json().Message).toBe(`The JSON body is nested deeper than ${MAX_INPUT_DEPTH} levels.`);
        expect(response.json().Errors).toHaveLength(1);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('the unauthenticated sign-in refuses deep nesting within its small body limit, and larger bodies with 413', async () => {
    const deep = await rawJson('POST', '/api/v1/session', deepArrays(2_000));
    expect(deep.statusCode, deep.body).toBe(400);
    expect(deep.json().Message).toContain(`${MAX_INPUT_DEPTH} levels`);
    expect((await rawJson('POST', '/api/v1/session', deepObjects(5_000))).statusCode).toBe(413);
    expect((await rawJson('POST', '/api/v1/session', JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(9 * 1024) }))).statusCode).toBe(413);
  });

  it('a nesting of exactly the limit gets past the parser to the schema, which names the field', async () => {
    let value: unknown = 1;
    for (let i = 1; i < MAX_INPUT_DEPTH; i++) value = [value];
    const response = await admin.post(base, { name: 'x', scopes: value });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().Errors.map((e: { Field: string }) => e.Field)).toContain('scopes.0');
  });

  it('every route that reads JSON refuses the depth, the verification API too', async () => {
    const response = await h.app.inject({ method: 'POST', url: '/v1/verify', payload: deepArrays(20_000), headers: { 'content-type': 'application/json' } });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().Message).toContain(`${MAX_INPUT_DEPTH} levels`);
  });

  it('prototype keys anywhere in a body or a query are a 400 naming the field, and change nothing', async () => {
    const before = await snapshot();
    const cases: [string, string][] = [
      ['{"name":"x","__proto__":{"admin":true}}', '__proto__'],
      ['{"name":"x","constructor":{"prototype":{"admin":true}}}', 'constructor'],
      ['{"name":"x","rateLimit":{"limit":5,"windowSeconds":60,"constructor":1}}', 'rateLimit.constructor'],
      ['{"name":"x","rateLimit":{"limit":5,"windowSeconds":60,"prototype":{}}}', 'rateLimit.prototype'],
    ];
    for (const [payload, field] of cases) {
      const response = await rawJson('POST', base, payload, admin);
      expect(response.statusCode, payload).toBe(400);
      if (field.includes('.')) expect(response.json().Errors.map((e: { Field: string }) => e.Field), payload).toEqual([`body.${field}`.replace(/^body\./, '')]);
    }
    const query = await admin.get(`${base}?__proto__=x&constructor=y`);
    expect(query.statusCode, query.body).toBe(400);
    expect(await snapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('20,000 unknown fields are one 400 listing at most a handful of them, not 20,000 (it blocked the event loop for seconds)', async () => {
    const unknownFields = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1])));
    for (const [url, session, payload] of [[base, admin, unknownFields(20_000)], ['/api/v1/session', undefined, unknownFields(800)]] as const) {
      const response = await rawJson('POST', url, payload, session);
      expect(response.statusCode, response.body.slice(0, 200)).toBe(400);
      expect(response.json().Errors.length).toBeGreaterThan(0);
      expect(response.json().Errors.length).toBeLessThanOrEqual(MAX_REPORTED_PROBLEMS);
    }
  });
});
