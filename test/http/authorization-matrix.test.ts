/**
 * Every management route × every role × own/other account, plus anonymous. Only Account Administrator and
 * Implementation Specialist may use these routes on their own account (managing users: the Account Administrator
 * only); the other roles get 403 there; any
 * user of another account gets 404 (no existence leak); nobody signed in gets 401. A refused request
 * changes nothing. The route table must match what Fastify registered, so a new route needs a row here.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/domain/roles.js';
import { describeEachDialect } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { createHttpHarness, login, type HttpHarness, type Session } from '../support/http.js';
import { ACCOUNT_ROUTES as ROUTES, MATRIX_WEBHOOK_URL, type RouteRow } from '../support/routes.js';

const MANAGERS: readonly Role[] = ['account_administrator', 'implementation_specialist'];

describeEachDialect('authorisation matrix', (dialect) => {
  let h: HttpHarness;
  let own: Brand;
  let other: Brand;
  const sessions = {} as Record<Role, Session>;
  beforeAll(async () => {
    h = await createHttpHarness(dialect, { config: { webhookAllowedPrivateTargets: ['loopback'] } });
    own = await createBrand(h.context, { name: 'Own brand' });
    other = await createBrand(h.context, { name: 'Other brand' });
    for (const role of ROLES) sessions[role] = await login(h.app, own.emails[role], TEST_PASSWORD);
  });
  afterAll(() => h.close());

  /** Everything a request could change in an account: its flags, every token row, every membership, its webhooks and their deliveries, its e-mail settings. */
  async function snapshot(accountId: string) {
    const db = h.context.store.db;
    const account = await db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
    const tokens = await db.selectFrom('tokens').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
    const memberships = await db.selectFrom('memberships').selectAll().where('account_id', '=', accountId).orderBy('user_id').execute();
    const webhooks = await db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
    const deliveries = await db.selectFrom('webhook_deliveries').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
    const mailSettings = await db.selectFrom('mail_settings').selectAll().where('account_id', '=', accountId).execute();
    return { account, tokens, memberships, webhooks, deliveries, mailSettings };
  }

  let targets = 0;
  async function urlFor(row: RouteRow, brand: Brand) {
    let url = row.url.replace(':accountId', brand.accountId);
    if (url.includes(':tokenId')) {
      const { token } = await h.context.tokens.create(brand.admin, brand.accountId, { name: 'Target', apiVersion: 11, scopes: ['listActions'] });
      url = url.replace(':tokenId', token.id);
    }
    if (url.includes(':userId')) {
      const { userId } = await h.context.accounts.addUser({ accountId: brand.accountId, email: `target-${++targets}@brand.test`, role: 'custom', invite: true });
      url = url.replace(':userId', userId);
    }
    if (url.includes(':webhookId')) {
      const { endpoint } = await h.context.webhooks.create(brand.admin, brand.accountId, { url: MATRIX_WEBHOOK_URL, events: ['token.created'] });
      url = url.replace(':webhookId', endpoint.id);
      if (url.includes(':deliveryId')) {
        await h.context.tokens.create(brand.admin, brand.accountId, { name: 'Delivered' });
        await h.context.lifecycle.dispatcher.runOnce();
        const [delivery] = await h.context.webhooks.deliveries(brand.admin, brand.accountId, endpoint.id);
        url = url.replace(':deliveryId', delivery.id);
      }
    }
    return url;
  }

  it('the table lists exactly the routes registered under /api/v1/accounts', () => {
    const registered = h.routes
      .filter((r) => r.url.startsWith('/api/v1/accounts') && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(registered.length).toBeGreaterThan(0);
    expect(ROUTES.map((r) => `${r.method} ${r.url}`).sort()).toEqual(registered);
  });

  it('every route × every role × own/other account × anonymous answers as the rules say, and refusals change nothing', async () => {
    const failures: string[] = [];
    let checked = 0;
    const check = async (label: string, row: RouteRow, target: Brand, send: (url: string) => Promise<{ statusCode: number; body: string }>, expected: number) => {
      const url = await urlFor(row, target);
      const before = expected >= 400 ? await snapshot(target.accountId) : undefined;
      const response = await send(url);
      checked++;
      if (response.statusCode !== expected) failures.push(`${label} ${row.method} ${row.url}: expected ${expected}, got ${response.statusCode} ${response.body.slice(0, 120)}`);
      if (expected >= 400) {
        const body = JSON.parse(response.body);
        if (body.Status !== 'ERROR' || typeof body.Message !== 'string' || !Array.isArray(body.Errors)) failures.push(`${label} ${row.method} ${row.url}: not the error envelope: ${response.body}`);
        const after = await snapshot(target.accountId);
        if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${label} ${row.method} ${row.url}: a refused request changed the account`);
      }
    };

    for (const row of ROUTES) {
      for (const role of ROLES) {
        const session = sessions[role];
        await check(`${role} on own account`, row, own, (url) => session.request(row.method, url, row.body), (row.roles ?? MANAGERS).includes(role) ? row.ok : 403);
        await check(`${role} on another account`, row, other, (url) => session.request(row.method, url, row.body), 404);
      }
      await check('anonymous', row, own, (url) => h.app.inject({ method: row.method, url, ...(row.body ? { payload: row.body as object } : {}) }), 401);
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(ROUTES.length * (ROLES.length * 2 + 1));
  }, 120_000);

  it('a webhook or delivery id of another account is 404 even for an administrator of the account in the URL', async () => {
    const { endpoint } = await h.context.webhooks.create(other.admin, other.accountId, { url: MATRIX_WEBHOOK_URL, events: ['token.created'] });
    await h.context.tokens.create(other.admin, other.accountId, { name: 'Delivered elsewhere' });
    await h.context.lifecycle.dispatcher.runOnce();
    const [delivery] = await h.context.webhooks.deliveries(other.admin, other.accountId, endpoint.id);
    const mine = (await h.context.webhooks.create(own.admin, own.accountId, { url: MATRIX_WEBHOOK_URL, events: ['token.created'] })).endpoint;
    const admin = sessions.account_administrator;
    for (const row of ROUTES.filter((r) => r.url.includes(':webhookId'))) {
      const url = row.url.replace(':accountId', own.accountId).replace(':webhookId', row.url.includes(':deliveryId') ? mine.id : endpoint.id).replace(':deliveryId', delivery.id);
      const response = await admin.request(row.method, url, row.body);
      expect(response.statusCode, `${row.method} ${row.url}`).toBe(404);
    }
    expect(await h.context.webhooks.get(other.admin, other.accountId, endpoint.id)).toMatchObject({ description: '', state: 'enabled' });
  });

  it('a token id of another account is 404 even for an administrator of the account in the URL', async () => {
    const { token } = await h.context.tokens.create(other.admin, other.accountId, { name: 'Elsewhere' });
    const admin = sessions.account_administrator;
    for (const row of ROUTES.filter((r) => r.url.includes(':tokenId'))) {
      const url = row.url.replace(':accountId', own.accountId).replace(':tokenId', token.id);
      const response = await admin.request(row.method, url, row.body);
      expect(response.statusCode, `${row.method} ${row.url}`).toBe(404);
    }
    expect(await h.context.tokens.get(other.admin, other.accountId, token.id)).toMatchObject({ name: 'Elsewhere', revision: 1 });
  });

  it('an account that does not exist is 404, the same answer as one that is not yours', async () => {
    const response = await sessions.account_administrator.get('/api/v1/accounts/acc_doesnotexist00000/tokens');
    const notYours = await sessions.account_administrator.get(`/api/v1/accounts/${other.accountId}/tokens`);
    expect(response.statusCode).toBe(404);
    // The same answer but for the request id, which is each request's own.
    expect({ ...response.json(), RequestId: undefined }).toEqual({ ...notYours.json(), RequestId: undefined });
    expect(response.json().Code).toBe('NOT_FOUND');
  });
});
