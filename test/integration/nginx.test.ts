/**
 * Debian's nginx with auth_request pointed at GET /v1/auth, in front of a real upstream process, driven with
 * real HTTP: allowed, 401, 403 naming the scope, 429. The location blocks are the ones in
 * docs/protect-your-api.md.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { generateAuthToken } from '../../src/domain/credentials.js';
import { apiPath, basic, freePort, issueToken, type Issued } from '../verify/helpers.js';
import { type RunningNginx, type RunningServer, nginxAvailable, startNginx, startUpstream } from '../support/servers.js';

const VERIFY_KEY = 'nginx-to-sidekey-service-key-0123456789';

if (!nginxAvailable() && process.env.CI) throw new Error('nginx is required in CI (apt-get install nginx)');
if (!nginxAvailable()) console.warn('\n!!! nginx not found (NGINX_BIN): the nginx auth_request tests are SKIPPED !!!\n');

/** The http-block part of the config: what docs/protect-your-api.md shows, with this test's ports. */
export function nginxAuthRequestConfig(o: { sidekeyPort: number; upstreamPort: number; listenPort: number; verifyKey: string }) {
  return `
  upstream sidekey { server 127.0.0.1:${o.sidekeyPort}; keepalive 16; }
  upstream platform_api { server 127.0.0.1:${o.upstreamPort}; keepalive 16; }

  server {
    listen 127.0.0.1:${o.listenPort};

    # Every API call is checked by Sidekey first.
    location /Advertisers/ {
      auth_request /_sidekey_auth;
      auth_request_set $sidekey_account_id  $upstream_http_x_sidekey_account_id;
      auth_request_set $sidekey_token_id    $upstream_http_x_sidekey_token_id;
      auth_request_set $sidekey_account_sid $upstream_http_x_sidekey_account_sid;
      auth_request_set $sidekey_api_version $upstream_http_x_sidekey_api_version;
      auth_request_set $sidekey_limit       $upstream_http_x_ratelimit_limit;
      auth_request_set $sidekey_remaining   $upstream_http_x_ratelimit_remaining;
      auth_request_set $sidekey_reset       $upstream_http_x_ratelimit_reset;
      auth_request_set $sidekey_status      $upstream_http_x_sidekey_status;
      auth_request_set $sidekey_error       $upstream_http_x_sidekey_error;
      auth_request_set $sidekey_retry_after $upstream_http_retry_after;
      error_page 401 403 = @sidekey_denied;

      add_header X-RateLimit-Limit     $sidekey_limit always;
      add_header X-RateLimit-Remaining $sidekey_remaining always;
      add_header X-RateLimit-Reset     $sidekey_reset always;

      # The platform sees who is calling, never the secret (and never a client-forged identity).
      proxy_set_header Authorization "";
      proxy_set_header X-Sidekey-Account-Id  $sidekey_account_id;
      proxy_set_header X-Sidekey-Token-Id    $sidekey_token_id;
      proxy_set_header X-Sidekey-Account-Sid $sidekey_account_sid;
      proxy_set_header X-Sidekey-Api-Version $sidekey_api_version;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://platform_api;
    }

    location = /_sidekey_auth {
      internal;
      proxy_pass http://sidekey/v1/auth;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Cookie "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # auth_request only understands 2xx, 401 and 403: ask for a 429 as a 403 carrying X-Sidekey-Status.
      proxy_set_header X-Sidekey-Auth-Style nginx;
      proxy_set_header X-Sidekey-Verify-Key "${o.verifyKey}";
    }

    # A refusal: Sidekey's status, headers and error envelope (auth_request drops the body, so it travels in a
    # header). nginx itself copies WWW-Authenticate from a 401.
    location @sidekey_denied {
      default_type application/json;
      add_header X-RateLimit-Limit     $sidekey_limit always;
      add_header X-RateLimit-Remaining $sidekey_remaining always;
      add_header X-RateLimit-Reset     $sidekey_reset always;
      add_header Retry-After           $sidekey_retry_after always;
      if ($sidekey_status = 429) { return 429 $sidekey_error; }
      if ($sidekey_status = 503) { return 503 $sidekey_error; }
      if ($sidekey_status = 401) { return 401 $sidekey_error; }
      if ($sidekey_status = 400) { return 400 $sidekey_error; }
      return 403 $sidekey_error;
    }
  }`;
}

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
    nginx = await startNginx(listenPort, () => nginxAuthRequestConfig({ sidekeyPort: (sidekey.server.address() as { port: number }).port, upstreamPort: upstream.port, listenPort, verifyKey: VERIFY_KEY }));
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
