import { expect } from 'vitest';
import { login, loginRequest, sessionCookieOf } from '../support/http.js';
import { TEST_PASSWORD, describeEachStore, describeStore, test } from '../support/fixtures.js';

const ENVELOPE = { Status: 'ERROR', Message: expect.any(String), Errors: expect.any(Array), Code: expect.any(String), RequestId: expect.any(String) };

describeEachStore('HTTP session', {}, () => {
  test('sign-in answers the user, their accounts with roles and a CSRF token, and sets an HttpOnly SameSite=Strict cookie', async ({ context, brand, app }) => {
    const response = await loginRequest(app, brand.emails.implementation_specialist, TEST_PASSWORD);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      user: { id: brand.users.implementation_specialist.userId, email: brand.emails.implementation_specialist, name: expect.any(String) },
      accounts: [{ id: brand.accountId, name: expect.any(String), role: 'implementation_specialist' }],
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
    });
    const cookie = sessionCookieOf(response)!;
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.header).toMatch(/; HttpOnly/);
    expect(cookie.header).toMatch(/; SameSite=Strict/);
    expect(cookie.header).toMatch(/; Path=\//);
    expect(cookie.header).toMatch(new RegExp(`; Max-Age=${context.config.sessionTtlSeconds}`));
    expect(cookie.header).not.toMatch(/; Secure/);
    expect(response.body).not.toContain(cookie.value);
  });

  test('GET /me and GET /session/csrf answer for the signed-in user, 401 with the envelope otherwise', async ({ brand, app }) => {
    const session = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    const me = await session.get('/api/v1/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ user: session.body.user, accounts: session.body.accounts });
    const csrf = await session.get('/api/v1/session/csrf');
    expect(csrf.json()).toEqual({ csrfToken: session.csrfToken });
    for (const url of ['/api/v1/me', '/api/v1/session/csrf']) {
      const anonymous = await app.inject({ method: 'GET', url });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toEqual({ ...ENVELOPE, Errors: [], Code: 'UNAUTHENTICATED' });
      expect(anonymous.headers['www-authenticate']).toBe('Cookie realm="sidekey"');
      const forged = await app.inject({ method: 'GET', url, cookies: { sidekey_session: 'forged-session-id' } });
      expect(forged.statusCode).toBe(401);
    }
  });

  test('GET /session answers a signed-out visitor with 200 { signedIn: false } (no failing request on a first visit), and the signed-in user with their accounts', async ({ brand, app }) => {
    for (const cookies of [{}, { sidekey_session: 'forged-session-id' }] as Record<string, string>[]) {
      const anonymous = await app.inject({ method: 'GET', url: '/api/v1/session', cookies });
      expect(anonymous.statusCode).toBe(200);
      expect(anonymous.json()).toEqual({ signedIn: false });
    }
    const session = await login(app, brand.emails.analyst, TEST_PASSWORD);
    const probe = await session.get('/api/v1/session');
    expect(probe.statusCode).toBe(200);
    expect(probe.json()).toEqual({ signedIn: true, user: session.body.user, accounts: session.body.accounts });
    expect(probe.body).not.toContain(session.csrfToken);
    await session.delete('/api/v1/session');
    expect((await session.get('/api/v1/session')).json()).toEqual({ signedIn: false });
  });

  test('the setup page checks its link when it opens: valid until used, then "already set up" once an account exists', async ({ context, app }) => {
    const state = async (token: string) => {
      const response = await app.inject({ method: 'GET', url: `/api/v1/setup?token=${encodeURIComponent(token)}` });
      expect(response.statusCode).toBe(200);
      return response.json().state as string;
    };
    const link = await context.accounts.createSetupLink();
    expect(await state(link.token)).toBe('valid');
    // Checking is not using: the link still works afterwards, and a guessed one is never valid.
    expect(await state(link.token)).toBe('valid');
    expect(await state('guessed-link')).toBe('already_set_up');
    await context.accounts.completeSetup(link.token, { email: 'second-setup@brand.test', password: TEST_PASSWORD, accountName: 'Second' });
    expect(await state(link.token)).toBe('already_set_up');
    expect((await app.inject({ method: 'GET', url: '/api/v1/setup' })).statusCode).toBe(400);
  });

  test('sign-out needs the CSRF token, ends the session and clears the cookie', async ({ brand, app }) => {
    const session = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    expect((await session.delete('/api/v1/session', { csrf: false })).statusCode).toBe(403);
    expect((await session.delete('/api/v1/session', { csrf: 'x'.repeat(32) })).statusCode).toBe(403);
    expect((await session.get('/api/v1/me')).statusCode).toBe(200);
    const out = await session.delete('/api/v1/session');
    expect(out.statusCode).toBe(204);
    const cleared = sessionCookieOf(out)!;
    expect(cleared.value).toBe('');
    expect(cleared.header).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
    expect((await session.get('/api/v1/me')).statusCode).toBe(401);
    expect((await session.delete('/api/v1/session')).statusCode).toBe(401);
  });

  test('each sign-in is its own session: signing out of one leaves the other', async ({ brand, app }) => {
    const a = await login(app, brand.emails.finance, TEST_PASSWORD);
    const b = await login(app, brand.emails.finance, TEST_PASSWORD);
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(a.csrfToken).not.toBe(b.csrfToken);
    // One session's CSRF token does not work with another session's cookie.
    expect((await a.delete('/api/v1/session', { csrf: b.csrfToken })).statusCode).toBe(403);
    await a.delete('/api/v1/session');
    expect((await b.get('/api/v1/me')).statusCode).toBe(200);
  });

  test('a wrong password is 401 with the envelope and no cookie', async ({ brand, app }) => {
    const response = await loginRequest(app, brand.emails.custom, 'wrong password here', { remoteAddress: '192.0.2.50' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ ...ENVELOPE, Message: 'The e-mail or password is incorrect.', Errors: [], Code: 'SIGN_IN_FAILED' });
    expect(sessionCookieOf(response)).toBeUndefined();
  });

  test('sign-in failures are throttled per e-mail and address (429 after 5) and per address (429 after 30); the user signs in from elsewhere', async ({ brand, app }) => {
    const email = brand.emails.performance_marketing_manager;
    for (let i = 0; i < 5; i++) expect((await loginRequest(app, email, 'wrong password!', { remoteAddress: '198.51.100.1' })).statusCode).toBe(401);
    const locked = await loginRequest(app, email, TEST_PASSWORD, { remoteAddress: '198.51.100.1' });
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toEqual({ ...ENVELOPE, Message: 'Too many attempts. Try again in 15 minutes.', Errors: [], Code: 'SIGN_IN_THROTTLED' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(sessionCookieOf(locked)).toBeUndefined();
    expect((await loginRequest(app, email, TEST_PASSWORD, { remoteAddress: '198.51.100.99' })).statusCode).toBe(200);

    const ip = '192.0.2.77';
    for (let i = 0; i < 30; i++) expect((await loginRequest(app, `guess${i}@nowhere.test`, 'wrong password!', { remoteAddress: ip })).statusCode).toBe(401);
    expect((await loginRequest(app, brand.emails.analyst, TEST_PASSWORD, { remoteAddress: ip })).statusCode).toBe(429);
    expect((await loginRequest(app, brand.emails.analyst, TEST_PASSWORD, { remoteAddress: '192.0.2.78' })).statusCode).toBe(200);
  }, 120_000);

  test('sign-in input is validated: missing fields, unknown fields and over-long values are 400 naming the field', async ({ app }) => {
    const cases: [unknown, string][] = [
      [{ email: 'a@b.co' }, 'password'],
      [{ email: 'a@b.co', password: 'x', remember: true }, 'remember'],
      [{ email: 'a'.repeat(300), password: 'x' }, 'email'],
      [{ email: 'a@b.co', password: 'x'.repeat(2000) }, 'password'],
      [{ email: { address: 'a@b.co' }, password: 'x' }, 'email'],
    ];
    for (const [payload, field] of cases) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/session', payload: payload as object, remoteAddress: '192.0.2.200' });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().Errors.map((e: { Field: string }) => e.Field)).toContain(field);
    }
  });

  test('the catalog is public', async ({ app }) => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/catalog' });
    expect(response.statusCode).toBe(200);
    const catalog = response.json();
    expect(catalog.versions.map((v: { version: number }) => v.version)).toEqual([11, 12, 13, 14]);
    expect(catalog.versions.at(-1)).toEqual({ version: 14, releasedOn: '2026-06-01', latest: true });
    expect(catalog.categories).toHaveLength(29);
    const scope = catalog.categories[0].scopes[0];
    expect(Object.keys(scope).sort()).toEqual(['id', 'method', 'name', 'path']);
  });
});

describeStore('HTTP session behind a proxy', 'sqlite', { config: { trustedProxies: ['127.0.0.1'] } }, () => {
  test('the cookie is Secure when a trusted proxy says the request came over https', async ({ brand, app }) => {
    const response = await loginRequest(app, brand.emails.account_administrator, TEST_PASSWORD, { headers: { 'x-forwarded-proto': 'https' } });
    expect(response.statusCode).toBe(200);
    expect(sessionCookieOf(response)!.header).toMatch(/; Secure/);
  });

  test('not over plain http through the same proxy', async ({ brand, app }) => {
    const response = await loginRequest(app, brand.emails.account_administrator, TEST_PASSWORD, { headers: { 'x-forwarded-proto': 'http' } });
    expect(sessionCookieOf(response)!.header).not.toMatch(/; Secure/);
  });

  test('nor when the header comes from a client that is not a trusted proxy', async ({ brand, app }) => {
    const response = await loginRequest(app, brand.emails.account_administrator, TEST_PASSWORD, { remoteAddress: '203.0.113.5', headers: { 'x-forwarded-proto': 'https' } });
    expect(response.statusCode).toBe(200);
    expect(sessionCookieOf(response)!.header).not.toMatch(/; Secure/);
  });

  test('the IP throttle counts the client address the trusted proxy reports, not the proxy', async ({ brand, app }) => {
    for (let i = 0; i < 30; i++) await loginRequest(app, `guess${i}@nowhere.test`, 'wrong password!', { headers: { 'x-forwarded-for': '203.0.113.66' } });
    expect((await loginRequest(app, brand.emails.analyst, TEST_PASSWORD, { headers: { 'x-forwarded-for': '203.0.113.66' } })).statusCode).toBe(429);
    expect((await loginRequest(app, brand.emails.analyst, TEST_PASSWORD, { headers: { 'x-forwarded-for': '203.0.113.67' } })).statusCode).toBe(200);
  }, 120_000);
});
