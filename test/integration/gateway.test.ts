/**
 * The built-in gateway end to end: `sidekey serve --upstream` as its own process in front of a real upstream
 * process. Tokens are made through the service layer on the same database, as the CLI would.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createContext, type Context } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { generateAuthToken } from '../../src/domain/credentials.js';
import { apiPath, basic, issueToken, type Issued } from '../verify/helpers.js';
import { type RunningServer, startSidekey, startUpstream } from '../support/servers.js';

describeEachDialect('gateway (sidekey serve --upstream) in front of a real upstream', (dialect) => {
  let db: TestDatabase;
  let setup: Context;
  let upstream: RunningServer;
  let gateway: RunningServer;
  let brand: Brand;
  let issued: Issued;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    const env = { DATA_DIR: db.dataDir, ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}), SIDEKEY_MASTER_KEY: randomBytes(32).toString('base64'), SIDEKEY_HASH_KEY: randomBytes(32).toString('base64') };
    setup = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    brand = await createBrand(setup);
    issued = await issueToken(setup, brand, { scopes: ['listActions', 'getActionById', 'updateActionOrItems'] });
    upstream = await startUpstream();
    gateway = await startSidekey(env, ['--upstream', upstream.url]);
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
    await setup?.close();
    await db?.drop();
  });

  const upstreamHits = async () => (await (await fetch(`${upstream.url}/__hits`)).json()).hits as number;

  it('prints where to verify and what it proxies', () => {
    expect(gateway.output()).toContain('/v1/verify');
    expect(gateway.output()).toContain(`Gateway: ${gateway.url}/… → ${upstream.url}`);
  });

  it('proxies an allowed request with the identity headers, without Authorization or client-forged identity', async () => {
    const response = await fetch(`${gateway.url}${apiPath(issued.accountSid, '/Actions/5?PageSize=2')}`, {
      headers: { authorization: issued.authorization, 'x-sidekey-account-id': 'acc_forged', 'x-sidekey-anything': 'forged', 'ir-version': '13' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-upstream')).toBe('platform');
    expect(response.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('999');
    const echoed = await response.json();
    expect(echoed.method).toBe('GET');
    expect(echoed.url).toBe(apiPath(issued.accountSid, '/Actions/5?PageSize=2'));
    expect(echoed.headers.authorization).toBeUndefined();
    expect(echoed.headers['x-sidekey-anything']).toBeUndefined();
    expect(echoed.headers).toMatchObject({ 'x-sidekey-account-id': brand.accountId, 'x-sidekey-token-id': issued.tokenId, 'x-sidekey-account-sid': issued.accountSid, 'x-sidekey-api-version': '13' });
    expect(echoed.headers['x-forwarded-for']).toBeDefined();
  });

  it('passes a request body through unchanged', async () => {
    const body = '<Action><State>APPROVED</State></Action>';
    const response = await fetch(`${gateway.url}${apiPath(issued.accountSid, '/Actions')}`, { method: 'PUT', headers: { authorization: issued.authorization, 'content-type': 'application/xml' }, body });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ method: 'PUT', body, headers: { 'content-type': 'application/xml' } });
  });

  it('refuses without touching the upstream: 401, 403 naming the scope, 404 for paths the catalog does not know', async () => {
    const before = await upstreamHits();
    const wrong = await fetch(`${gateway.url}${apiPath(issued.accountSid)}`, { headers: { authorization: basic(issued.accountSid, generateAuthToken()) } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(await wrong.json()).toMatchObject({ Status: 'ERROR', Code: 'INVALID_CREDENTIALS' });

    const scope = await fetch(`${gateway.url}${apiPath(issued.accountSid, '/Campaigns')}`, { headers: { authorization: issued.authorization } });
    expect(scope.status).toBe(403);
    expect(await scope.json()).toMatchObject({ Code: 'INSUFFICIENT_SCOPE', RequiredScope: { Id: 'listPrograms', Method: 'GET' } });

    const unknown = await fetch(`${gateway.url}${apiPath(issued.accountSid, '/NotAnEndpoint')}`, { headers: { authorization: issued.authorization } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ Status: 'ERROR' });
    // Outside the catalog's roots the gateway does not proxy at all (a GET there may be a deep link into the web UI).
    const outside = await fetch(`${gateway.url}/Mediapartners/x/Actions`, { method: 'POST', headers: { authorization: issued.authorization } });
    expect(outside.status).toBe(404);
    expect(outside.headers.get('x-upstream')).toBeNull();
    expect(await upstreamHits()).toBe(before);
  });

  it('429 with Retry-After when the token limit is spent', async () => {
    const limited = await issueToken(setup, brand, { rateLimit: { limit: 1, windowSeconds: 60 } });
    expect((await fetch(`${gateway.url}${apiPath(limited.accountSid)}`, { headers: { authorization: limited.authorization } })).status).toBe(200);
    const response = await fetch(`${gateway.url}${apiPath(limited.accountSid)}`, { headers: { authorization: limited.authorization } });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
