/** The management API's wire shapes, which the UI and clients rely on, through the whole token lifecycle. */
import { expect } from 'vitest';
import { isWellFormedAuthToken } from '../../src/domain/credentials.js';
import { TEST_PASSWORD, createBrand, describeEachStore, test, type Brand } from '../support/fixtures.js';
import { login } from '../support/http.js';

const TOKEN_KEYS = [
  'accountId',
  'accountSid',
  'allowedCidrs',
  'apiVersion',
  'createdAt',
  'description',
  'developerEmails',
  'expiresAt',
  'graceExpiresAt',
  'id',
  'kind',
  'lastUsedAt',
  'lastUsedIp',
  'name',
  'notBefore',
  'primaryContactUserId',
  'rateLimit',
  'scopes',
  'state',
  'updatedAt',
];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const accountPath = (brand: Brand) => `/api/v1/accounts/${brand.accountId}`;

describeEachStore('token API over HTTP', { apiAccess: false }, () => {
  test('API settings start off; enabling API access and legacy tokens answers the new settings', async ({ brand, admin }) => {
    const base = accountPath(brand);
    expect((await admin.get(`${base}/api-settings`)).json()).toEqual({ apiAccessEnabled: false, legacyTokensEnabled: false });
    expect((await admin.post(`${base}/api-access`)).json()).toEqual({ apiAccessEnabled: true, legacyTokensEnabled: false });
    expect((await admin.post(`${base}/legacy-tokens`)).json()).toEqual({ apiAccessEnabled: true, legacyTokensEnabled: true });
    expect((await admin.post(`${base}/legacy-tokens`)).json()).toEqual({ apiAccessEnabled: true, legacyTokensEnabled: true });
    const items = (await admin.get(`${base}/tokens`)).json().items;
    expect(items.map((i: { kind: string }) => i.kind).sort()).toEqual(['legacy_ro', 'legacy_rw']);
  });

  test('create answers 201 {token, authToken}; the token has exactly the documented fields, ISO UTC times, and no secret', async ({ brand, admin }) => {
    const base = accountPath(brand);
    const response = await admin.post(`${base}/tokens`, { name: 'Wire shape', scopes: ['listActions'], expiresAt: '2099-01-31T00:00:00+01:00', rateLimit: { limit: 10, windowSeconds: 60 } });
    expect(response.statusCode).toBe(201);
    const { token, authToken } = response.json();
    expect(Object.keys(response.json()).sort()).toEqual(['authToken', 'token']);
    expect(isWellFormedAuthToken(authToken)).toBe(true);
    expect(Object.keys(token).sort()).toEqual(TOKEN_KEYS);
    expect(token).toMatchObject({ kind: 'scoped', name: 'Wire shape', apiVersion: 14, state: 'enabled', scopes: ['listActions'], primaryContactUserId: brand.admin.userId, expiresAt: '2099-01-30T23:00:00.000Z', rateLimit: { limit: 10, windowSeconds: 60 }, lastUsedAt: null, graceExpiresAt: null });
    expect(token.createdAt).toMatch(ISO_UTC);
    expect(token.updatedAt).toMatch(ISO_UTC);
    const fetched = (await admin.get(`${base}/tokens/${token.id}`)).json();
    expect(fetched).toEqual(token);
    expect(JSON.stringify(fetched)).not.toContain(authToken);
  });

  test('the Auth Token appears only in create, duplicate, reset and credentials responses', async ({ brand, admin }) => {
    const base = accountPath(brand);
    const created = (await admin.post(`${base}/tokens`, { name: 'Only there' })).json();
    const id = created.token.id;
    const responses = {
      get: await admin.get(`${base}/tokens/${id}`),
      list: await admin.get(`${base}/tokens`),
      patch: await admin.patch(`${base}/tokens/${id}`, { description: 'x' }),
      disable: await admin.post(`${base}/tokens/${id}/disable`),
      enable: await admin.post(`${base}/tokens/${id}/enable`),
      events: await admin.get(`${base}/tokens/${id}/events`),
    };
    for (const [name, response] of Object.entries(responses)) {
      expect(response.statusCode, name).toBe(200);
      expect(response.body, name).not.toMatch(/skt_[0-9A-Za-z]{36}/);
      expect(response.body, name).not.toMatch(/secret|hash|ciphertext/i);
    }
    const credentials = await admin.get(`${base}/tokens/${id}/credentials`);
    expect(credentials.json()).toEqual({ accountSid: created.token.accountSid, authToken: created.authToken });
    expect(credentials.headers['cache-control']).toBe('no-store');
  });

  test('reset answers {token, authToken} with a new secret; with graceSeconds the token says until when the old one works', async ({ brand, admin }) => {
    const base = accountPath(brand);
    const created = (await admin.post(`${base}/tokens`, { name: 'Reset me' })).json();
    const reset = await admin.post(`${base}/tokens/${created.token.id}/reset`, { graceSeconds: 600 });
    expect(reset.statusCode).toBe(200);
    const body = reset.json();
    expect(Object.keys(body).sort()).toEqual(['authToken', 'token']);
    expect(body.authToken).not.toBe(created.authToken);
    expect(Date.parse(body.token.graceExpiresAt) - Date.now()).toBeGreaterThan(590_000);
    expect((await admin.get(`${base}/tokens/${created.token.id}/credentials`)).json().authToken).toBe(body.authToken);
  });

  test('duplicate answers 201 {token, authToken}: a copy named "Copy of …"', async ({ brand, admin }) => {
    const base = accountPath(brand);
    const created = (await admin.post(`${base}/tokens`, { name: 'Original', scopes: ['listPartners'], developerEmails: ['a@b.co'] })).json();
    const copy = await admin.post(`${base}/tokens/${created.token.id}/duplicate`);
    expect(copy.statusCode).toBe(201);
    expect(copy.json().token).toMatchObject({ name: 'Copy of Original', scopes: ['listPartners'], developerEmails: ['a@b.co'] });
    expect(copy.json().token.accountSid).not.toBe(created.token.accountSid);
    expect(isWellFormedAuthToken(copy.json().authToken)).toBe(true);
  });

  test('upgrade takes {apiVersion} and answers {token, droppedScopes}', async ({ brand, admin }) => {
    const base = accountPath(brand);
    const created = (await admin.post(`${base}/tokens`, { name: 'Old', apiVersion: 11, scopes: ['listActions'] })).json();
    const upgraded = await admin.post(`${base}/tokens/${created.token.id}/upgrade`, { apiVersion: 13 });
    expect(upgraded.statusCode).toBe(200);
    expect(upgraded.json()).toEqual({ token: expect.objectContaining({ apiVersion: 13, scopes: ['listActions'] }), droppedScopes: [] });
  });

  test('delete answers 204; the token is gone from the list and its events route is 404', async ({ brand, admin }) => {
    const base = accountPath(brand);
    const created = (await admin.post(`${base}/tokens`, { name: 'Short-lived' })).json();
    const response = await admin.delete(`${base}/tokens/${created.token.id}`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect((await admin.get(`${base}/tokens/${created.token.id}`)).statusCode).toBe(404);
    expect((await admin.get(`${base}/tokens/${created.token.id}/events`)).statusCode).toBe(404);
    expect((await admin.get(`${base}/tokens?name=short-lived`)).json().items).toEqual([]);
  });

  test('the list pages with {items, nextCursor} until nextCursor is null, newest first', async ({ context, app }) => {
    const own = await createBrand(context);
    const session = await login(app, own.emails.implementation_specialist, TEST_PASSWORD);
    const url = `/api/v1/accounts/${own.accountId}/tokens`;
    for (let i = 0; i < 5; i++) await session.post(url, { name: `Paged ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { name: string }[]; nextCursor: string | null } = (await session.get(`${url}?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      expect(Object.keys(page).sort()).toEqual(['items', 'nextCursor']);
      seen.push(...page.items.map((i) => i.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const all = (await session.get(url)).json();
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((i: { name: string }) => i.name)).toEqual(seen);
  });

  test('events list the audit trail newest first; users list the account members with their roles', async ({ brand, admin }) => {
    const base = accountPath(brand);
    const created = (await admin.post(`${base}/tokens`, { name: 'Audited over HTTP' })).json();
    await admin.post(`${base}/tokens/${created.token.id}/disable`);
    await admin.get(`${base}/tokens/${created.token.id}/credentials`);
    const events = (await admin.get(`${base}/tokens/${created.token.id}/events`)).json().items;
    expect(events.map((e: { action: string }) => e.action).sort()).toEqual(['token.create', 'token.disable', 'token.reveal']);
    expect(events[0]).toMatchObject({ actorUserId: brand.admin.userId, actorEmail: brand.emails.account_administrator, at: expect.stringMatching(ISO_UTC) });
    for (let i = 1; i < events.length; i++) expect(events[i - 1].at >= events[i].at).toBe(true);
    expect(events[0].details.ip).toBe('127.0.0.1');
    const users = (await admin.get(`${base}/users`)).json().items;
    expect(users).toHaveLength(6);
    expect(Object.keys(users[0]).sort()).toEqual(['email', 'id', 'invitePending', 'lastSignInAt', 'name', 'role']);
  });

  test('usage covers the last 30 UTC days with zeros included', async ({ brand, admin }) => {
    const base = accountPath(brand);
    const created = (await admin.post(`${base}/tokens`, { name: 'Usage' })).json();
    const usage = (await admin.get(`${base}/tokens/${created.token.id}/usage`)).json();
    expect(usage.days).toHaveLength(30);
    expect(usage.days[29].day).toBe(new Date().toISOString().slice(0, 10));
    expect(usage.days.every((d: { allowed: number }) => d.allowed === 0)).toBe(true);
    expect(usage.lastUsedAt).toBeNull();
  });
});
