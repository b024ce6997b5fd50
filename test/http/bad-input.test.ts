/**
 * Bad input gets a clear 4xx in the error envelope, naming each bad field, never a 500, and never changes
 * stored data: malformed JSON, wrong types, unknown fields, huge strings, NUL characters, bad cursors.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeEachDialect } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { createHttpHarness, login, type HttpHarness, type Session } from '../support/http.js';

const isEnvelope = (body: unknown) => {
  const b = body as { Status?: unknown; Message?: unknown; Errors?: unknown };
  return b?.Status === 'ERROR' && typeof b.Message === 'string' && Array.isArray(b.Errors) && (b.Errors as { Field?: unknown; Message?: unknown }[]).every((e) => typeof e.Field === 'string' && typeof e.Message === 'string');
};

describeEachDialect('bad input over HTTP', (dialect) => {
  let h: HttpHarness;
  let brand: Brand;
  let admin: Session;
  let tokenId: string;
  let base: string;
  beforeAll(async () => {
    h = await createHttpHarness(dialect);
    brand = await createBrand(h.context);
    admin = await login(h.app, brand.emails.account_administrator, TEST_PASSWORD);
    tokenId = (await h.context.tokens.create(brand.admin, brand.accountId, { name: 'Target', apiVersion: 12, scopes: ['listActions'] })).token.id;
    base = `/api/v1/accounts/${brand.accountId}/tokens`;
  });
  afterAll(() => h.close());

  async function snapshot() {
    const db = h.context.store.db;
    return {
      tokens: await db.selectFrom('tokens').selectAll().orderBy('id').execute(),
      events: await db.selectFrom('audit_events').select('id').orderBy('id').execute(),
      accounts: await db.selectFrom('accounts').selectAll().orderBy('id').execute(),
    };
  }

  async function expectRejected(response: { statusCode: number; body: string }, status: number, fields?: string[]) {
    expect(response.statusCode, response.body).toBe(status);
    const body = JSON.parse(response.body);
    expect(isEnvelope(body), response.body).toBe(true);
    if (fields) expect(body.Errors.map((e: { Field: string }) => e.Field).sort()).toEqual([...fields].sort());
  }

  it('a create with several bad fields is one 400 naming each of them', async () => {
    const response = await admin.post(base, { name: '', apiVersion: 10, scopes: ['nope'], developerEmails: ['bad'], allowedCidrs: ['1.2.3.4/40'], expiresAt: 'soon', rateLimit: { limit: 0, windowSeconds: 1 } });
    // The schema catches a blank name and rateLimit.limit < 1 first; the rest are the domain's rules.
    await expectRejected(response, 400, ['name', 'rateLimit.limit']);
    const second = await admin.post(base, { name: 'ok', apiVersion: 10, scopes: ['nope'], developerEmails: ['bad'], allowedCidrs: ['1.2.3.4/40'], expiresAt: 'soon' });
    await expectRejected(second, 400, ['allowedCidrs', 'apiVersion', 'developerEmails', 'expiresAt', 'scopes']);
  });

  it('schema errors name the field: unknown fields, wrong types, over-long strings, missing required ones', async () => {
    await expectRejected(await admin.post(base, { name: 'x', colour: 'blue' }), 400, ['colour']);
    await expectRejected(await admin.post(base, { name: { text: 'x' } }), 400, ['name']);
    await expectRejected(await admin.post(base, { name: 'x', rateLimit: { limit: 'many', windowSeconds: 60 } }), 400, ['rateLimit.limit']);
    await expectRejected(await admin.post(base, { name: 'x', rateLimit: { limit: 5 } }), 400, ['rateLimit.windowSeconds']);
    await expectRejected(await admin.post(base, { name: 'x'.repeat(1001) }), 400, ['name']);
    await expectRejected(await admin.post(base, { name: 'x'.repeat(101) }), 400, ['name']);
    await expectRejected(await admin.post(base, { name: 'x', description: 'd'.repeat(5001) }), 400, ['description']);
    await expectRejected(await admin.patch(`${base}/${tokenId}`, { apiVersion: 14 }), 400, ['apiVersion']);
    await expectRejected(await admin.post(`${base}/${tokenId}/upgrade`, {}), 400, ['apiVersion']);
    await expectRejected(await admin.post(`${base}/${tokenId}/upgrade`, { apiVersion: 11 }), 400, ['apiVersion']);
    await expectRejected(await admin.post(`${base}/${tokenId}/reset`, { graceSeconds: 7 * 86_400 + 1 }), 400, ['graceSeconds']);
    await expectRejected(await admin.post(`${base}/${tokenId}/reset`, { graceSeconds: -1 }), 400, ['graceSeconds']);
    await expectRejected(await admin.post(`${base}/${tokenId}/reset`, { grace: 5 }), 400, ['grace']);
  });

  it('malformed JSON, an empty JSON body, a wrong content type and a body over the limit are 4xx envelopes', async () => {
    const raw = (payload: string, contentType = 'application/json') => admin.request('POST', base, payload, { headers: { 'content-type': contentType } });
    await expectRejected(await raw('{"name": "x"'), 400);
    await expectRejected(await raw('{"name": "x"}}'), 400);
    await expectRejected(await raw(''), 400);
    await expectRejected(await raw('{"__proto__": {"admin": true}, "name": "x"}'), 400);
    await expectRejected(await raw('name=x', 'application/x-www-form-urlencoded'), 415);
    await expectRejected(await raw(JSON.stringify({ name: 'x', description: 'd'.repeat(300 * 1024) })), 413);
  });

  it('a field that must be one of a few values says which, once', async () => {
    const response = await admin.get(`${base}?createdOn=yesterday`);
    expect(response.json().Errors).toEqual([{ Field: 'createdOn', Message: 'must be one of "last7", "last30", "older30"' }]);
    const nullable = await admin.post(base, { name: 'x', rateLimit: { limit: 'many', windowSeconds: 60 } });
    expect(nullable.json().Errors).toEqual([{ Field: 'rateLimit.limit', Message: 'must be integer' }]);
    const wrong = await admin.post(base, { name: 'x', rateLimit: 'fast' });
    expect(wrong.json().Errors).toEqual([{ Field: 'rateLimit', Message: 'must be object' }]);
  });

  it('reset takes its body as optional: no body, an empty object and graceSeconds all work', async () => {
    const url = `${base}/${tokenId}/reset`;
    for (const payload of [undefined, {}, { graceSeconds: 30 }]) {
      const response = await admin.post(url, payload);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().authToken).toMatch(/^skt_/);
    }
  });

  it('list queries: bad filters, limits and cursors are 400', async () => {
    for (const [query, field] of [
      ['createdOn=yesterday', 'createdOn'],
      ['state=paused', 'state'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      [`name=${'n'.repeat(101)}`, 'name'],
      ['cursor=not-a-cursor', 'cursor'],
      [`cursor=${'c'.repeat(201)}`, 'cursor'],
      [`cursor=${Buffer.from('12.bad id!').toString('base64url')}`, 'cursor'],
      ['colour=blue', undefined],
    ] as const) {
      const response = await admin.get(`${base}?${query}`);
      if (field === undefined) expect(response.statusCode, query).toBe(200); // unknown query parameters are ignored
      else await expectRejected(response, 400, [field]);
    }
  });

  it('NUL characters anywhere are 400 (PostgreSQL text cannot hold them), never a database error', async () => {
    const before = await snapshot();
    await expectRejected(await admin.post(base, { name: 'a\u0000b' }), 400, ['name']);
    await expectRejected(await admin.post(base, { name: 'ok', description: '\u0000', developerEmails: ['a\u0000@b.co'] }), 400, ['description', 'developerEmails.0']);
    await expectRejected(await admin.patch(`${base}/${tokenId}`, { primaryContactUserId: 'usr_\u0000' }), 400, ['primaryContactUserId']);
    await expectRejected(await admin.get(`${base}?name=%00`), 400, ['name']);
    await expectRejected(await admin.get(`/api/v1/accounts/acc%00/tokens`), 400, ['accountId']);
    await expectRejected(await admin.get(`${base}/tok%00`), 400, ['tokenId']);
    await expectRejected(await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'a\u0000@b.co', password: TEST_PASSWORD } }), 400, ['email']);
    expect(await snapshot()).toEqual(before);
  });

  it('a name whose lower-case form is longer than 100 characters is stored and found', async () => {
    const name = 'İ'.repeat(100);
    const created = await admin.post(base, { name });
    expect(created.statusCode, created.body).toBe(201);
    const found = await admin.get(`${base}?name=${encodeURIComponent('i̇i̇')}`);
    expect(found.json().items.map((i: { name: string }) => i.name)).toContain(name);
    await admin.delete(`${base}/${created.json().token.id}`);
  });

  it('unknown tokens and unknown API paths are 404 envelopes', async () => {
    await expectRejected(await admin.get(`${base}/tok_nope`), 404, []);
    await expectRejected(await admin.post(`${base}/tok_nope/reset`), 404, []);
    await expectRejected(await admin.get('/api/v1/nothing-here'), 404, []);
    await expectRejected(await admin.request('PUT', `${base}/${tokenId}`, { name: 'x' }), 404, []);
  });

  it('a conflict is a 409 envelope: legacy tokens before API access', async () => {
    const off = await createBrand(h.context, { apiAccess: false });
    const session = await login(h.app, off.emails.account_administrator, TEST_PASSWORD);
    const response = await session.post(`/api/v1/accounts/${off.accountId}/legacy-tokens`);
    await expectRejected(response, 409, []);
    expect(response.json().Message).toContain('Enable API access first');
    await expectRejected(await session.post(`/api/v1/accounts/${off.accountId}/tokens`, { name: 'early' }), 409, []);
  });

  it('random JSON bodies on every mutating route never cause a 500, and rejected ones change nothing', async () => {
    const routes = [
      ['POST', base],
      ['PATCH', `${base}/${tokenId}`],
      ['POST', `${base}/${tokenId}/reset`],
      ['POST', `${base}/${tokenId}/upgrade`],
      ['POST', '/api/v1/session'],
    ] as const;
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }));
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom('name', 'description', 'apiVersion', 'scopes', 'developerEmails', 'allowedCidrs', 'expiresAt', 'notBefore', 'rateLimit', 'primaryContactUserId', 'graceSeconds', 'email', 'password', 'other'), value, { maxKeys: 5 }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, url], payload) => {
        const before = await snapshot();
        const response = await admin.request(method, url, JSON.stringify(payload), { headers: { 'content-type': 'application/json' }, remoteAddress: '10.99.0.1' });
        if (response.statusCode >= 500) failures.push(`${method} ${url} ${JSON.stringify(payload)} → ${response.statusCode} ${response.body}`);
        if (response.statusCode >= 400) {
          expect(isEnvelope(response.json()), response.body).toBe(true);
          expect(await snapshot()).toEqual(before);
        }
      }),
      { numRuns: dialect === 'postgres' ? 80 : 150 },
    );
    expect(failures).toEqual([]);
  }, 120_000);
});
