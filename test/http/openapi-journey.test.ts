/**
 * The OpenAPI document is exact for an ordinary journey: first-run setup, sign in, enable access, users and
 * invites, your own name and password, create, filter,
 * duplicate, reset, upgrade, disable, enable, edit, legacy tokens, delete, /v1/auth and /v1/verify, with the
 * refusals a client meets on the way. Every request and answer goes through a validator over the served document
 * (test/support/openapi-validator.ts); the test fails listing every mismatch, and the journey reaches every
 * operation of the document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpHarness, sessionCookieOf, type HttpHarness } from '../support/http.js';
import { injectOptionsOf, type OpenApiDocument, OpenApiValidator } from '../support/openapi-validator.js';
import { GitHubReporter, leak } from '../support/github-reporter.js';
import { loadConfig } from '../../src/config.js';

const VERIFY_KEY = 'journey-verify-key-0123456789';
const PASSWORD = 'correct horse battery staple';
const github = new GitHubReporter();

describe('the OpenAPI document over a whole journey', () => {
  let h: HttpHarness;
  let validator: OpenApiValidator;
  beforeAll(async () => {
    const leakReportPublicKeys = loadConfig({ LEAK_REPORT_PUBLIC_KEYS: github.publicKeys() }).leakReportPublicKeys;
    h = await createHttpHarness('sqlite', { config: { verifyKey: VERIFY_KEY, forwardAuth: 'nginx', webhookAllowedPrivateTargets: ['loopback'], leakReportPublicKeys } });
    validator = new OpenApiValidator((await h.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as OpenApiDocument);
  });
  afterAll(() => h.close());

  const call = async (method: string, url: string, options: { headers?: Record<string, string>; body?: unknown } = {}) => {
    const headers = options.headers ?? {};
    const response = await h.app.inject(injectOptionsOf(method, url, headers, options.body));
    validator.check({ method, url, headers, body: options.body, response });
    return response;
  };

  it('every request and answer matches the document, and the journey reaches every operation', async () => {
    // Public: health, the catalog; first-run setup creates the administrator and signs in.
    await call('GET', '/healthz');
    await call('GET', '/readyz');
    const catalog = (await call('GET', '/api/v1/catalog')).json();
    const scope = catalog.categories[0].scopes[0];
    const { token: setupToken } = await h.context.accounts.createSetupLink();
    // Before any account exists, an unknown link is plainly invalid; the printed one is valid until used.
    expect((await call('GET', '/api/v1/setup?token=not-a-setup-link')).json()).toEqual({ state: 'invalid' });
    expect((await call('GET', `/api/v1/setup?token=${setupToken}`)).json()).toEqual({ state: 'valid' });
    await call('GET', '/api/v1/session');
    await call('POST', '/api/v1/setup', { body: { token: 'not-a-setup-link', email: 'ada@brand.test', password: PASSWORD, accountName: 'Brand' } });
    const setup = await call('POST', '/api/v1/setup', { body: { token: setupToken, email: 'ada@brand.test', password: PASSWORD, name: 'Ada', accountName: 'Brand' } });
    const accountId = setup.json().accounts[0].id as string;

    // Sign out and back in; a wrong password first.
    let cookie = `sidekey_session=${sessionCookieOf(setup)!.value}`;
    await call('DELETE', '/api/v1/session', { headers: { cookie, 'x-csrf-token': setup.json().csrfToken } });
    await call('POST', '/api/v1/session', { body: { email: 'ada@brand.test', password: 'wrong' } });
    const signIn = await call('POST', '/api/v1/session', { body: { email: 'ada@brand.test', password: PASSWORD } });
    cookie = `sidekey_session=${sessionCookieOf(signIn)!.value}`;
    const read = { cookie };
    const csrf = (await call('GET', '/api/v1/session/csrf', { headers: read })).json().csrfToken as string;
    const write = { cookie, 'x-csrf-token': csrf };
    await call('GET', '/api/v1/me', { headers: read });
    await call('GET', '/api/v1/me');
    await call('GET', '/api/v1/session', { headers: read });

    // API access: off at first, so creating a token is a conflict; a mutation without the CSRF token is refused.
    const account = `/api/v1/accounts/${accountId}`;
    await call('GET', `${account}/api-settings`, { headers: read });
    await call('POST', `${account}/tokens`, { headers: write, body: { name: 'Too early' } });
    await call('POST', `${account}/api-access`, { headers: read, body: {} });
    await call('POST', `${account}/api-access`, { headers: write, body: {} });
    await call('GET', `${account}/users`, { headers: read });

    // Users: add one with a password and one with an invite (one bad request first), change a role, the last
    // administrator refused, remove; the invite is checked and used; the administrator renames themselves and
    // changes their password (a wrong current one first).
    const me = (await call('GET', '/api/v1/me', { headers: read })).json().user.id as string;
    await call('POST', `${account}/users`, { headers: write, body: { email: 'no-password@brand.test', role: 'analyst' } });
    const grace = (await call('POST', `${account}/users`, { headers: write, body: { email: 'grace@brand.test', name: 'Grace', role: 'analyst', password: PASSWORD } })).json().user.id as string;
    const invited = (await call('POST', `${account}/users`, { headers: write, body: { email: 'ivy@brand.test', role: 'finance', invite: true } })).json();
    await call('PATCH', `${account}/users/${grace}`, { headers: write, body: { role: 'implementation_specialist' } });
    await call('PATCH', `${account}/users/${me}`, { headers: write, body: { role: 'analyst' } });
    await call('DELETE', `${account}/users/${grace}`, { headers: write });
    const inviteToken = new URL(invited.inviteUrl).searchParams.get('token');
    await call('POST', '/api/v1/invite/check', { body: { token: 'not-an-invite' } });
    await call('POST', '/api/v1/invite/check', { body: { token: inviteToken } });
    await call('POST', '/api/v1/invite', { body: { token: inviteToken, password: PASSWORD, name: 'Ivy' } });
    await call('PATCH', '/api/v1/me', { headers: write, body: { name: 'Ada Lovelace' } });
    await call('POST', '/api/v1/me/password', { headers: write, body: { currentPassword: 'not it', newPassword: `${PASSWORD}!` } });
    await call('POST', '/api/v1/me/password', { headers: write, body: { currentPassword: PASSWORD, newPassword: PASSWORD } });

    // Create (one bad, one good), filter, get, duplicate, reset, upgrade, disable, enable, edit.
    await call('POST', `${account}/tokens`, { headers: write, body: { name: 'x'.repeat(101) } });
    const created = await call('POST', `${account}/tokens`, {
      headers: write,
      body: { name: 'Reporting', description: 'Nightly export', apiVersion: 13, scopes: [scope.id], developerEmails: ['dev@brand.test'], rateLimit: { limit: 2, windowSeconds: 3600 } },
    });
    const { token, authToken } = created.json();
    const tokenPath = `${account}/tokens/${token.id}`;
    await call('GET', `${account}/tokens?name=Report&state=enabled&createdOn=last7&kind=scoped&limit=10`, { headers: read });
    await call('GET', tokenPath, { headers: read });
    await call('GET', `${account}/tokens/tok_unknown`, { headers: read });
    const copy = (await call('POST', `${tokenPath}/duplicate`, { headers: write, body: {} })).json();
    await call('POST', `${tokenPath}/reset`, { headers: write, body: { graceSeconds: 60 } });
    const reset = (await call('POST', `${tokenPath}/reset`, { headers: write })).json();
    await call('POST', `${tokenPath}/upgrade`, { headers: write, body: { apiVersion: 14 } });
    await call('POST', `${tokenPath}/disable`, { headers: write, body: {} });
    await call('POST', `${tokenPath}/enable`, { headers: write });
    await call('PATCH', tokenPath, { headers: write, body: { description: 'Hourly export', allowedCidrs: [], expiresAt: null } });
    await call('GET', `${tokenPath}/credentials`, { headers: read });
    await call('GET', `${tokenPath}/events`, { headers: read });
    await call('GET', `${tokenPath}/usage`, { headers: read });

    // GitHub reports the copy leaked (an unsigned report first): it is disabled and its exposure listed.
    const report = [leak(copy.authToken)];
    await call('POST', '/v1/leaks', { headers: { 'content-type': 'application/json' }, body: report });
    await call('POST', '/v1/leaks', { headers: github.headers(JSON.stringify(report)), body: report });
    await call('GET', `${account}/tokens/${copy.token.id}/exposures`, { headers: read });
    await call('GET', `${account}/exposures`, { headers: read });

    // Legacy tokens, and deleting the copy.
    await call('POST', `${account}/legacy-tokens`, { headers: write, body: {} });
    await call('DELETE', `${account}/tokens/${copy.token.id}`, { headers: write });

    // A webhook endpoint (one refused), its secret rotated, the deliveries its events produced, a redelivery.
    const webhooks = `${account}/webhooks`;
    await call('POST', webhooks, { headers: write, body: { url: 'ftp://example.com/', events: ['token.created'] } });
    const webhook = (await call('POST', webhooks, { headers: write, body: { url: 'http://127.0.0.1:9/hooks', events: ['token.deleted', 'token.updated'], description: 'CRM' } })).json().webhook;
    const webhookPath = `${webhooks}/${webhook.id}`;
    await call('GET', webhooks, { headers: read });
    await call('GET', webhookPath, { headers: read });
    await call('PATCH', webhookPath, { headers: write, body: { description: 'CRM sync' } });
    await call('POST', `${webhookPath}/rotate-secret`, { headers: write, body: { overlapSeconds: 60 } });
    await call('POST', `${webhookPath}/rotate-secret`, { headers: write });
    await call('PATCH', tokenPath, { headers: write, body: { description: 'Daily export' } });
    await h.context.lifecycle.dispatcher.runOnce();
    const [delivery] = (await call('GET', `${webhookPath}/deliveries`, { headers: read })).json().items;
    await call('POST', `${webhookPath}/deliveries/${delivery.id}/redeliver`, { headers: write, body: {} });
    await call('GET', `${tokenPath}/lifecycle-events`, { headers: read });
    await call('DELETE', webhookPath, { headers: write });

    // E-mail settings: read, a refused change, a digest and which events mail the developers.
    await call('GET', `${account}/mail-settings`, { headers: read });
    await call('PATCH', `${account}/mail-settings`, { headers: write, body: { delivery: 'weekly' } });
    await call('PATCH', `${account}/mail-settings`, { headers: write, body: { delivery: 'daily', events: { developers: ['token.expiring', 'token.expired'] } } });

    // Verification: without the service key, then allowed, refused for the scope, over the rate limit.
    const basic = `Basic ${Buffer.from(`${token.accountSid}:${reset.authToken}`).toString('base64')}`;
    const target = scope.path.replace('{AccountSID}', token.accountSid);
    const verifyKey = { 'x-sidekey-verify-key': VERIFY_KEY };
    await call('POST', '/v1/verify', { body: { accountSid: token.accountSid, authToken, method: scope.method, path: target } });
    await call('POST', '/v1/verify', { headers: verifyKey, body: { accountSid: token.accountSid, authToken: reset.authToken, method: scope.method, path: target } });
    await call('POST', '/v1/verify', { headers: verifyKey, body: { method: 'GET' } });
    const original = { 'x-original-method': scope.method, 'x-original-uri': target };
    await call('GET', '/v1/auth', { headers: { ...verifyKey, ...original } });
    await call('GET', '/v1/auth', { headers: { ...verifyKey, authorization: basic } });
    await call('GET', '/v1/auth', { headers: { ...verifyKey, ...original, authorization: basic } });
    await call('GET', '/v1/auth', { headers: { ...verifyKey, 'x-original-method': 'DELETE', 'x-original-uri': `/Advertisers/${token.accountSid}/Campaigns/1`, authorization: basic } });
    await call('GET', '/v1/auth', { headers: { ...verifyKey, ...original, authorization: basic } });
    await call('GET', '/v1/auth', { headers: { ...verifyKey, ...original, authorization: basic, 'ir-version': '14' } });
    for (const method of ['HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) await call(method, '/v1/auth', { headers: { ...verifyKey, ...original, authorization: basic } });
    await call('DELETE', tokenPath, { headers: write });

    expect(validator.mismatches).toEqual([]);
    expect(validator.operations().filter((operation) => !validator.covered.has(operation))).toEqual([]);
    // The refusals were met, not only the happy path.
    expect([...validator.statuses.get('forwardAuthGet')!].sort()).toEqual([200, 400, 401, 403, 429]);
    expect([...validator.statuses.get('createToken')!].sort()).toEqual([201, 400, 409]);
    expect([...validator.statuses.get('enableApiAccess')!].sort()).toEqual([200, 403]);
    expect([...validator.statuses.get('changeAccountUserRole')!].sort()).toEqual([200, 409]);
    expect([...validator.statuses.get('changePassword')!].sort()).toEqual([200, 403]);
    expect([...validator.statuses.get('reportLeaks')!].sort()).toEqual([200, 401]);
  });

  it('the validator reports an undeclared body, an undeclared status, a missing security and a body off its schema', async () => {
    const strict = new OpenApiValidator({
      components: { schemas: {}, securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'sidekey_session' } } },
      paths: {
        '/api/v1/catalog': { get: { operationId: 'getCatalog', security: [{ session: [] }], responses: { 200: { content: { 'application/json': { schema: { type: 'object', required: ['nothing'] } } } } } } },
        '/healthz': { get: { operationId: 'liveness', responses: { 201: {} } } },
      },
    });
    const exchange = async (url: string, body?: unknown) => strict.check({ method: 'GET', url, headers: {}, body, response: await h.app.inject({ method: 'GET', url }) });
    await exchange('/api/v1/catalog', {});
    await exchange('/healthz');
    expect(strict.mismatches).toEqual([
      expect.stringContaining('accepted without meeting its security'),
      expect.stringContaining('sends a JSON body the document does not declare'),
      expect.stringContaining("answer body does not match: data must have required property 'nothing'"),
      expect.stringContaining('status 200 is not declared'),
    ]);
  });
});
