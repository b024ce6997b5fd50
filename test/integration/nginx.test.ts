/**
 * Debian's nginx with auth_request pointed at GET /v1/auth, in front of a real upstream process, driven with
 * real HTTP: allowed, 401, 403 naming the scope, 429. nginx runs the server block of docs/protect-your-api.md,
 * read from the document.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { generateAuthToken } from '../../src/domain/credentials.js';
import { apiPath, basic, freePort, issueToken, type Issued } from '../verify/helpers.js';
import { startDocsNginx } from '../support/documented-proxies.js';
import { type RunningNginx, type RunningServer, nginxAvailable, startUpstream } from '../support/servers.js';

const VERIFY_KEY = 'nginx-to-sidekey-service-key-0123456789';

if (!nginxAvailable() && process.env.CI) throw new Error('nginx is required in CI (apt-get install nginx)');
if (!nginxAvailable()) console.warn('\n!!! nginx not found (NGINX_BIN): the nginx auth_request tests are SKIPPED !!!\n');

describeEachDialect('nginx auth_request in front of an upstream', (dialect) => {
  if (!nginxAvailable()) return it.skip('nginx is not installed', () => {});
  let t: TestContext;
  let sidekey: FastifyInstance;
  let upstream: RunningServer;
  let nginx: RunningNginx;
  let brand: Brand;
  let issued: Issued;

  beforeAll(async () => {
    t = await createTestContext(dialect, { config: { verifyKey: VERIFY_KEY, trustedProxies: ['loopback'] } });
    sidekey = await buildApp(t.context, { logger: false });
    await sidekey.listen({ port: 0, host: '127.0.0.1' });
    upstream = await startUpstream();
    const listenPort = await freePort();
    nginx = await startDocsNginx({ sidekeyPort: (sidekey.server.address() as { port: number }).port, upstreamPort: upstream.port, listenPort, verifyKey: VERIFY_KEY });
    brand = await createBrand(t.context);
    issued = await issueToken(t.context, brand, { scopes: ['listActions', 'getActionById'] });
  });
  afterAll(async () => {
    await nginx?.stop();
    await upstream?.stop();
    await sidekey?.close();
    await t?.close();
  });

  const call = (path: string, authorization?: string, method = 'GET') => fetch(`${nginx.url}${path}`, { method, headers: authorization ? { authorization, 'x-sidekey-account-id': 'forged' } : {} });
  const upstreamHits = async () => (await (await fetch(`${upstream.url}/__hits`)).json()).hits as number;

  it('allowed: the upstream answers, sees the identity and no Authorization; the client sees the rate limit', async () => {
    const response = await call(apiPath(issued.accountSid, '/Actions/77?PageSize=10'), issued.authorization);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-upstream')).toBe('platform');
    expect(response.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('999');
    const echoed = await response.json();
    expect(echoed.url).toBe(apiPath(issued.accountSid, '/Actions/77?PageSize=10'));
    expect(echoed.headers.authorization).toBeUndefined();
    expect(echoed.headers).toMatchObject({ 'x-sidekey-account-id': brand.accountId, 'x-sidekey-token-id': issued.tokenId, 'x-sidekey-account-sid': issued.accountSid, 'x-sidekey-api-version': '14' });
  });

  it('401 for missing or wrong credentials, with the Basic challenge and the envelope; the upstream is not called', async () => {
    const before = await upstreamHits();
    for (const authorization of [undefined, basic(issued.accountSid, generateAuthToken())]) {
      const response = await call(apiPath(issued.accountSid), authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(response.headers.get('www-authenticate')!.match(/Basic/g)).toHaveLength(1); // not doubled by nginx
      expect(await response.json()).toMatchObject({ Status: 'ERROR', Code: 'INVALID_CREDENTIALS' });
    }
    expect(await upstreamHits()).toBe(before);
  });

  it('403 names the scope the endpoint needs', async () => {
    const response = await call(apiPath(issued.accountSid, '/Actions'), issued.authorization, 'PUT');
    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body).toMatchObject({ Status: 'ERROR', Code: 'INSUFFICIENT_SCOPE', RequiredScope: { Id: 'updateActionOrItems', Name: 'Update action', Method: 'PUT', Path: '/Advertisers/{AccountSID}/Actions' } });
    expect(body.Errors[0].Message).toContain('Update action');
    expect(response.headers.get('x-ratelimit-limit')).toBe('1000');
  });

  it('429 once the limit is spent, with Retry-After and the rate-limit headers', async () => {
    const limited = await issueToken(t.context, brand, { rateLimit: { limit: 2, windowSeconds: 3600 } });
    expect((await call(apiPath(limited.accountSid), limited.authorization)).status).toBe(200);
    expect((await call(apiPath(limited.accountSid), limited.authorization)).status).toBe(200);
    const response = await call(apiPath(limited.accountSid), limited.authorization);
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await response.json()).toMatchObject({ Status: 'ERROR', Code: 'RATE_LIMITED' });
  });
});
