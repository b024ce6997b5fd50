/** Every mutation needs the session's X-CSRF-Token: without it, or with a wrong one, 403 and nothing changes. */
import { expect } from 'vitest';
import type { Context } from '../support/databases.js';
import { TEST_PASSWORD, describeEachStore, test, type Brand } from '../support/fixtures.js';
import { login } from '../support/http.js';
import { ACCOUNT_ROUTES, OWN_USER_MUTATIONS } from '../support/routes.js';

const MUTATIONS = [...ACCOUNT_ROUTES.filter((r) => r.method !== 'GET'), ...OWN_USER_MUTATIONS];

describeEachStore('CSRF protection', { apiAccess: false }, () => {
  async function snapshot(context: Context, brand: Brand) {
    const db = context.store.db;
    return {
      account: await db.selectFrom('accounts').selectAll().where('id', '=', brand.accountId).executeTakeFirstOrThrow(),
      tokens: await db.selectFrom('tokens').selectAll().where('account_id', '=', brand.accountId).orderBy('id').execute(),
      events: await db.selectFrom('audit_events').select('id').where('account_id', '=', brand.accountId).orderBy('id').execute(),
      webhooks: await db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', brand.accountId).orderBy('id').execute(),
      users: await db.selectFrom('users').selectAll().orderBy('id').execute(),
      memberships: await db.selectFrom('memberships').selectAll().where('account_id', '=', brand.accountId).orderBy('user_id').execute(),
      sessions: await db.selectFrom('sessions').select('id_hash').orderBy('id_hash').execute(),
    };
  }

  test('every mutating route is covered here (each POST/PATCH/DELETE registered under /api/v1)', ({ routes }) => {
    const registered = routes
      .filter((r) => r.url.startsWith('/api/v1/') && ['POST', 'PATCH', 'DELETE', 'PUT'].includes(r.method))
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    // Sign-in, first-run setup and accepting an invite create the session, so they cannot carry its token
    // (SameSite=Strict guards them); checking an invite link changes nothing.
    const exempt = ['POST /api/v1/session', 'POST /api/v1/setup', 'POST /api/v1/invite', 'POST /api/v1/invite/check'];
    expect([...MUTATIONS.map((r) => `${r.method} ${r.url}`), 'DELETE /api/v1/session', ...exempt].sort()).toEqual(registered);
  });

  test('without the header, with a wrong one, or with another session\'s, every mutation is 403 and changes nothing', async ({ context, brand, app, admin }) => {
    const other = await login(app, brand.emails.implementation_specialist, TEST_PASSWORD);
    // Turn API access on outside HTTP, and make a token, so that every route would otherwise succeed.
    await context.tokens.enableApiAccess(brand.admin, brand.accountId);
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Protected', apiVersion: 11 });
    const webhook = (await context.webhooks.create(brand.admin, brand.accountId, { url: 'https://93.184.215.14/hooks', events: ['token.created'] })).endpoint;
    await context.lifecycle.dispatcher.runOnce();
    const [delivery] = await context.webhooks.deliveries(brand.admin, brand.accountId, webhook.id);
    const before = await snapshot(context, brand);
    const failures: string[] = [];
    for (const row of MUTATIONS) {
      const url = row.url.replace(':accountId', brand.accountId).replace(':tokenId', token.id).replace(':userId', brand.users.custom.userId).replace(':webhookId', webhook.id).replace(':deliveryId', delivery.id);
      for (const csrf of [false, '', 'wrong', admin.csrfToken.slice(0, -1), `${admin.csrfToken}x`, other.csrfToken] as const) {
        const response = await admin.request(row.method, url, row.body, { csrf });
        if (response.statusCode !== 403) failures.push(`${row.method} ${row.url} csrf=${JSON.stringify(csrf)}: ${response.statusCode}`);
        else expect(response.json()).toEqual({ Status: 'ERROR', Message: 'Missing or wrong X-CSRF-Token header for this session.', Errors: [], Code: 'CSRF_TOKEN_INVALID', RequestId: response.headers['x-request-id'] });
      }
    }
    const logout = await admin.request('DELETE', '/api/v1/session', undefined, { csrf: false });
    if (logout.statusCode !== 403) failures.push(`DELETE /api/v1/session: ${logout.statusCode}`);
    expect(failures).toEqual([]);
    expect(await snapshot(context, brand)).toEqual(before);
  });

  test('an invalid body without the header is still 403: the token is checked before the input', async ({ brand, admin }) => {
    const response = await admin.request('POST', `/api/v1/accounts/${brand.accountId}/tokens`, { unknownField: true }, { csrf: false });
    expect(response.statusCode).toBe(403);
  });

  test('with the right header the same requests work', async ({ brand, admin }) => {
    const created = await admin.post(`/api/v1/accounts/${brand.accountId}/tokens`, { name: 'With token' });
    expect(created.statusCode).toBe(201);
    const id = created.json().token.id;
    expect((await admin.post(`/api/v1/accounts/${brand.accountId}/tokens/${id}/disable`)).statusCode).toBe(200);
    expect((await admin.delete(`/api/v1/accounts/${brand.accountId}/tokens/${id}`)).statusCode).toBe(204);
  });

  test('reads need no CSRF token', async ({ brand, admin }) => {
    expect((await admin.get(`/api/v1/accounts/${brand.accountId}/tokens`, { csrf: false })).statusCode).toBe(200);
  });
});
