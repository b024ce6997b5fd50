import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { loggerOptions } from '../../src/http/logging.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { loginRequest, sessionCookieOf } from '../support/http.js';
import { addressKey } from '../../src/accounts/throttle.js';
import { generateAuthToken } from '../../src/domain/credentials.js';
import type { Config } from '../../src/config.js';
import { apiPath, basic, issueToken, type Issued } from './helpers.js';

async function appFor(t: TestContext, log?: string[]): Promise<FastifyInstance> {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      log?.push(chunk.toString());
      done();
    },
  });
  return buildApp(t.context, { logger: loggerOptions('trace', stream) });
}

describeEachDialect('verification over HTTP', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  let brand: Brand;
  let issued: Issued;
  const log: string[] = [];
  beforeAll(async () => {
    t = await createTestContext(dialect);
    app = await appFor(t, log);
    brand = await createBrand(t.context);
    issued = await issueToken(t.context, brand, { scopes: ['listActions', 'getActionById'] });
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  describe('POST /v1/verify', () => {
    it('answers 200 with the verdict, the token and the rate limit', async () => {
      const response = await app.inject({ method: 'POST', url: '/v1/verify', payload: { accountSid: issued.accountSid, authToken: issued.authToken, method: 'GET', path: apiPath(issued.accountSid, '/Actions/3') } });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        valid: true,
        code: 'ALLOWED',
        status: 200,
        token: { id: issued.tokenId, accountId: brand.accountId, accountSid: issued.accountSid, kind: 'scoped', apiVersion: 14, scopes: ['getActionById', 'listActions'] },
        rateLimit: { limit: 1000, remaining: 999 },
      });
    });

    it('takes the raw Authorization value and the requested version', async () => {
      const response = await app.inject({ method: 'POST', url: '/v1/verify', payload: { authorization: issued.authorization, method: 'PUT', path: apiPath(issued.accountSid), apiVersion: 13 } });
      expect(response.json()).toMatchObject({ valid: false, code: 'INSUFFICIENT_SCOPE', status: 403, apiVersion: 13, requiredScope: { id: 'updateActionOrItems', name: 'Update action', method: 'PUT' } });
    });

    it('missing or wrong credentials are a verdict (200, valid false), with no token and no rate limit', async () => {
      for (const payload of [{ method: 'GET', path: '/Advertisers/x' }, { accountSid: issued.accountSid, authToken: generateAuthToken(), method: 'GET', path: apiPath(issued.accountSid) }]) {
        const response = await app.inject({ method: 'POST', url: '/v1/verify', payload });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({ valid: false, code: 'INVALID_CREDENTIALS', status: 401, token: null, rateLimit: null });
      }
    });

    it('a malformed question is a 400 with the envelope naming the fields', async () => {
      const response = await app.inject({ method: 'POST', url: '/v1/verify', payload: { method: 'GET', surprise: 1 } });
      expect(response.statusCode).toBe(400);
      const body = response.json();
      expect(body.Status).toBe('ERROR');
      expect(body.Errors.map((e: { Field: string }) => e.Field)).toEqual(expect.arrayContaining(['path', 'surprise']));
    });
  });

  describe('GET /v1/auth (forward auth)', () => {
    const auth = (headers: Record<string, string>, url = '/v1/auth', method: 'GET' | 'POST' = 'GET') => app.inject({ method, url, headers });

    it('200 with identity and rate-limit headers (nginx style X-Original-*)', async () => {
      const response = await auth({ authorization: issued.authorization, 'x-original-method': 'GET', 'x-original-uri': apiPath(issued.accountSid, '/Actions?PageSize=5'), 'ir-version': '13' });
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({
        'x-sidekey-account-id': brand.accountId,
        'x-sidekey-token-id': issued.tokenId,
        'x-sidekey-account-sid': issued.accountSid,
        'x-sidekey-api-version': '13',
        'x-ratelimit-limit': '1000',
        'content-length': '0',
      });
      expect(response.body).toBe('');
      expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    });

    it('a call whose request carries a method-override header, in any spelling, is refused: the API would run another method', async () => {
      for (const name of ['x-http-method-override', 'X-HTTP-Method', 'x_method_override']) {
        const response = await auth({ authorization: issued.authorization, 'x-original-method': 'GET', 'x-original-uri': apiPath(issued.accountSid), [name]: 'DELETE' });
        expect(response.statusCode, name).toBe(403);
        expect(response.json(), name).toMatchObject({ Code: 'REQUEST_TARGET_REFUSED', Errors: [{ Field: name.toLowerCase() }] });
      }
    });

    it('Envoy style needs its own configuration: by default (nginx) only X-Original-Method/URI are read', async () => {
      const envoy = await app.inject({ method: 'GET', url: `/v1/auth${apiPath(issued.accountSid, '/Actions/8')}`, headers: { authorization: issued.authorization } });
      expect(envoy.statusCode).toBe(400);
      expect(envoy.json()).toMatchObject({ Code: 'FORWARD_AUTH_HEADERS_MISSING' });
    });

    it('401 with WWW-Authenticate Basic and the envelope, for missing and wrong credentials', async () => {
      for (const headers of [{}, { authorization: basic(issued.accountSid, generateAuthToken()) }] as Record<string, string>[]) {
        const response = await auth({ ...headers, 'x-original-method': 'GET', 'x-original-uri': apiPath(issued.accountSid) });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Basic realm="[^"]+"/);
        expect(response.headers['x-ratelimit-limit']).toBeUndefined();
        expect(response.json()).toMatchObject({ Status: 'ERROR', Code: 'INVALID_CREDENTIALS', Errors: [{ Field: 'Authorization' }] });
      }
    });

    it('403 names the scope the endpoint needs', async () => {
      const response = await auth({ authorization: issued.authorization, 'x-original-method': 'DELETE', 'x-original-uri': apiPath(issued.accountSid, '/Actions') });
      expect(response.statusCode).toBe(403);
      expect(response.headers['x-ratelimit-remaining']).toBeDefined();
      const body = response.json();
      expect(body).toMatchObject({ Status: 'ERROR', Code: 'INSUFFICIENT_SCOPE', RequiredScope: { Id: 'reverseAction', Name: 'Reverse action', Method: 'DELETE', Path: '/Advertisers/{AccountSID}/Actions' } });
      expect(body.Errors[0]).toMatchObject({ Field: 'scope' });
      expect(body.Errors[0].Message).toContain('reverseAction');
    });

    it('429 with Retry-After; in nginx style a 403 that carries the real status and envelope in headers', async () => {
      const limited = await issueToken(t.context, brand, { rateLimit: { limit: 1, windowSeconds: 3600 } });
      const headers = { authorization: limited.authorization, 'x-original-method': 'GET', 'x-original-uri': apiPath(limited.accountSid) };
      expect((await auth(headers)).statusCode).toBe(200);
      const plain = await auth(headers);
      expect(plain.statusCode).toBe(429);
      expect(Number(plain.headers['retry-after'])).toBeGreaterThan(0);
      expect(plain.headers['x-ratelimit-remaining']).toBe('0');
      expect(plain.json()).toMatchObject({ Code: 'RATE_LIMITED' });
      const nginx = await auth({ ...headers, 'x-sidekey-auth-style': 'nginx' });
      expect(nginx.statusCode).toBe(403);
      expect(nginx.headers['x-sidekey-status']).toBe('429');
      expect(JSON.parse(nginx.headers['x-sidekey-error'] as string)).toMatchObject({ Status: 'ERROR', Code: 'RATE_LIMITED' });
    });

    it('400 when the proxy does not say which request it asks about', async () => {
      const response = await auth({ authorization: issued.authorization });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ Code: 'FORWARD_AUTH_HEADERS_MISSING', Errors: [{ Field: 'X-Original-URI' }] });
      const noMethod = await auth({ authorization: issued.authorization, 'x-original-uri': apiPath(issued.accountSid) });
      expect(noMethod.json()).toMatchObject({ Code: 'FORWARD_AUTH_HEADERS_MISSING', Errors: [{ Field: 'X-Original-Method' }] });
    });
  });

  it('no secret ever reaches the log', async () => {
    await app.inject({ method: 'POST', url: '/v1/verify', payload: { accountSid: issued.accountSid, authToken: issued.authToken, method: 'GET', path: '/x' } });
    await app.inject({ method: 'GET', url: '/v1/auth', headers: { authorization: issued.authorization, 'x-original-uri': '/x' } });
    await app.inject({ method: 'POST', url: '/v1/verify', payload: { authorization: issued.authorization, method: 'GET', path: 5 } });
    const text = log.join('');
    expect(text).not.toContain(issued.authToken);
    expect(text).not.toContain(issued.authorization.slice(6));
  });
});

describeEachDialect('verification over HTTP: deployment settings', (dialect) => {
  async function withApp(config: Partial<Config>, body: (app: FastifyInstance, t: TestContext, issued: Issued) => Promise<void>) {
    const t = await createTestContext(dialect, { config });
    const app = await appFor(t);
    try {
      const brand = await createBrand(t.context);
      await body(app, t, await issueToken(t.context, brand, { allowedCidrs: ['203.0.113.0/24'] }));
    } finally {
      await app.close();
      await t.close();
    }
  }

  it('each forward-auth style reads exactly the header pair its proxy sets; a call that also carries another pair is a 400', async () => {
    const t = await createTestContext(dialect);
    try {
      const brand = await createBrand(t.context);
      const issued = await issueToken(t.context, brand, { scopes: ['listActions'] });
      const allowed = apiPath(issued.accountSid);
      const refused = apiPath(issued.accountSid, '/Actions/8');
      const original = { 'x-original-method': 'GET', 'x-original-uri': allowed };
      const forwarded = { 'x-forwarded-method': 'GET', 'x-forwarded-uri': allowed };
      const styles = [
        { style: 'nginx', own: original, foreign: { 'x-forwarded-uri': allowed } },
        { style: 'traefik', own: forwarded, foreign: { 'x-original-uri': allowed } },
        { style: 'caddy', own: forwarded, foreign: { 'x-original-method': 'GET' } },
      ] as const;
      for (const { style, own, foreign } of styles) {
        const app = await buildApp({ ...t.context, config: { ...t.context.config, forwardAuth: style } }, { logger: false });
        const ask = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/v1/auth', headers: { authorization: issued.authorization, ...headers } });
        expect((await ask(own)).statusCode, style).toBe(200);
        const conflict = await ask({ ...own, ...foreign });
        expect(conflict.statusCode, style).toBe(400);
        expect(conflict.json(), style).toMatchObject({ Code: 'FORWARD_AUTH_HEADERS_CONFLICT' });
        // The client's copy of an allowed path never stands in for the proxy's own pair.
        expect((await ask(foreign)).statusCode, style).toBe(400);
        await app.close();
      }
      const envoyContext = { ...t.context, config: { ...t.context.config, forwardAuth: 'envoy' as const } };
      const envoy = await buildApp(envoyContext, { logger: false });
      const viaPath = (path: string, method: 'GET' | 'PUT', headers: Record<string, string> = {}) => envoy.inject({ method, url: `/v1/auth${path}`, headers: { authorization: issued.authorization, ...headers } });
      expect((await viaPath(allowed, 'GET')).statusCode).toBe(200);
      expect((await viaPath(refused, 'GET')).statusCode).toBe(403);
      expect((await viaPath(allowed, 'PUT')).statusCode).toBe(403);
      expect((await viaPath(refused, 'GET', { 'x-original-uri': allowed })).json()).toMatchObject({ Code: 'FORWARD_AUTH_HEADERS_CONFLICT' });
      expect((await viaPath(refused, 'GET', { 'x-forwarded-uri': allowed })).json()).toMatchObject({ Code: 'FORWARD_AUTH_HEADERS_CONFLICT' });
      await envoy.close();
    } finally {
      await t.close();
    }
  });

  it('X-Forwarded-For / X-Real-IP count only when the direct peer is a trusted proxy', async () => {
    const ask = (app: FastifyInstance, issued: Issued, headers: Record<string, string>) =>
      app.inject({ method: 'GET', url: '/v1/auth', remoteAddress: '127.0.0.1', headers: { authorization: issued.authorization, 'x-original-method': 'GET', 'x-original-uri': apiPath(issued.accountSid), ...headers } });
    await withApp({ trustedProxies: ['loopback'] }, async (app, _t, issued) => {
      expect((await ask(app, issued, { 'x-forwarded-for': '203.0.113.5' })).statusCode).toBe(200);
      expect((await ask(app, issued, { 'x-forwarded-for': '203.0.113.5, 198.51.100.9' })).statusCode).toBe(403);
      expect((await ask(app, issued, { 'x-real-ip': '203.0.113.77' })).statusCode).toBe(200);
    });
    await withApp({ trustedProxies: [] }, async (app, _t, issued) => {
      const response = await ask(app, issued, { 'x-forwarded-for': '203.0.113.5', 'x-real-ip': '203.0.113.5' });
      expect(response.statusCode).toBe(403);
      expect(response.json().Code).toBe('IP_NOT_ALLOWED');
    });
  });

  it('one client address for the whole app: /v1/auth, the sign-in throttle and the audit trail read the same one, behind a proxy trusted by netmask', async () => {
    await withApp({ trustedProxies: ['127.0.0.0/255.0.0.0'] }, async (app, t, issued) => {
      const forwardedFor = { 'x-forwarded-for': '198.51.100.1, 203.0.113.5' };
      const auth = await app.inject({ method: 'GET', url: '/v1/auth', remoteAddress: '127.0.0.2', headers: { authorization: issued.authorization, 'x-original-method': 'GET', 'x-original-uri': apiPath(issued.accountSid), ...forwardedFor } });
      expect(auth.statusCode).toBe(200);
      const brand = await createBrand(t.context);
      const signIn = await loginRequest(app, brand.emails.account_administrator, TEST_PASSWORD, { remoteAddress: '127.0.0.2', headers: forwardedFor });
      const cookie = `sidekey_session=${sessionCookieOf(signIn)!.value}`;
      const headers = { cookie, 'x-csrf-token': signIn.json().csrfToken, ...forwardedFor };
      await app.inject({ method: 'POST', url: `/api/v1/accounts/${brand.accountId}/api-access`, remoteAddress: '127.0.0.2', headers });
      const created = await app.inject({ method: 'POST', url: `/api/v1/accounts/${brand.accountId}/tokens`, remoteAddress: '127.0.0.2', headers, payload: { name: 'Behind a proxy' } });
      const events = await app.inject({ method: 'GET', url: `/api/v1/accounts/${brand.accountId}/tokens/${created.json().token.id}/events`, remoteAddress: '127.0.0.2', headers });
      expect(events.json().items[0].details.ip).toBe('203.0.113.5');
      const throttled = await t.context.store.db.selectFrom('sign_in_attempts').select('key').execute();
      expect(throttled.map((row) => row.key)).toContain(addressKey('203.0.113.5'));
    });
  });

  it('with SIDEKEY_VERIFY_KEY both endpoints require X-Sidekey-Verify-Key', async () => {
    await withApp({ verifyKey: 'gateway-service-key-1234567890' }, async (app, _t, issued) => {
      const payload = { authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid), ip: '203.0.113.1' };
      const missing = await app.inject({ method: 'POST', url: '/v1/verify', payload });
      expect(missing.statusCode).toBe(401);
      expect(missing.json()).toMatchObject({ Status: 'ERROR', Code: 'VERIFY_KEY_INVALID' });
      const wrong = await app.inject({ method: 'GET', url: '/v1/auth', headers: { 'x-sidekey-verify-key': 'nope', authorization: issued.authorization, 'x-original-uri': apiPath(issued.accountSid) } });
      expect(wrong.statusCode).toBe(401);
      const right = await app.inject({ method: 'POST', url: '/v1/verify', payload, headers: { 'x-sidekey-verify-key': 'gateway-service-key-1234567890' } });
      expect(right.json()).toMatchObject({ valid: true });
    });
  });
});
