/**
 * User management as an Account Administrator meets it over the management API, and as an attacker tries it:
 * adding users (a password or a one-time invite link), changing roles, removing them, the last Account
 * Administrator who can be neither demoted nor removed (also when demotions race), the user's own name and
 * password (which ends their other sessions), and who may do none of it. Each change is audited with it.
 */
import { expect } from 'vitest';
import { operator } from '../../src/domain/actor.js';
import type { Context } from '../support/databases.js';
import { TEST_PASSWORD, createBrand, describeEachStore, test, type Brand } from '../support/fixtures.js';
import { login, loginRequest, sessionCookieOf } from '../support/http.js';

const NEW_PASSWORD = 'a brand new passphrase';

async function events(context: Context, accountId: string, action: string) {
  const rows = await context.store.db.selectFrom('audit_events').select(['action', 'actor_user_id', 'details']).where('account_id', '=', accountId).where('action', '=', action).orderBy('id').execute();
  return rows.map((r) => ({ actor: r.actor_user_id, details: JSON.parse(r.details) }));
}

async function memberships(context: Context, accountId: string) {
  const rows = await context.store.db.selectFrom('memberships').select(['user_id', 'role']).where('account_id', '=', accountId).orderBy('user_id').execute();
  return rows.map((r) => `${r.user_id}:${r.role}`);
}

const tokenOf = (inviteUrl: string) => new URL(inviteUrl).searchParams.get('token')!;

describeEachStore('user management', {}, () => {
  test('an administrator adds a user with a password: listed with the role, never signed in, then signed in; audited', async ({ context, app }) => {
    const brand = await createBrand(context);
    const admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    const users = `/api/v1/accounts/${brand.accountId}/users`;
    const added = await admin.post(users, { email: ' Grace@Brand.Test ', name: 'Grace Hopper', role: 'analyst', password: TEST_PASSWORD });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toEqual({
      user: { id: expect.stringMatching(/^usr_/), email: 'grace@brand.test', name: 'Grace Hopper', role: 'analyst', lastSignInAt: null, invitePending: false },
      existing: false,
      inviteUrl: null,
      inviteExpiresAt: null,
    });
    const userId = added.json().user.id;
    await login(app, 'grace@brand.test', TEST_PASSWORD);
    const listed = (await admin.get(users)).json().items.find((u: { id: string }) => u.id === userId);
    expect(listed).toMatchObject({ role: 'analyst', lastSignInAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(await events(context, brand.accountId, 'account.user_add')).toContainEqual({ actor: brand.admin.userId, details: { userId, email: 'grace@brand.test', role: 'analyst', how: 'password', ip: '127.0.0.1' } });
  });

  test('a weak initial password, both a password and an invite, or neither, are refused naming the field', async ({ context, app }) => {
    const brand = await createBrand(context);
    const admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    const users = `/api/v1/accounts/${brand.accountId}/users`;
    const before = await memberships(context, brand.accountId);
    for (const body of [
      { email: 'weak@brand.test', role: 'analyst', password: 'short' },
      { email: 'both@brand.test', role: 'analyst', password: TEST_PASSWORD, invite: true },
      { email: 'neither@brand.test', role: 'analyst' },
    ]) {
      const response = await admin.post(users, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().Code, JSON.stringify(body)).toBe('INVALID_INPUT');
    }
    expect((await admin.post(users, { email: brand.emails.finance, role: 'analyst', password: TEST_PASSWORD })).json().Code).toBe('CONFLICT');
    expect(await memberships(context, brand.accountId)).toEqual(before);
  });

  test('an invite link: nobody signs in before it is used; it shows whom it is for, sets the password once and signs in', async ({ context, app }) => {
    const brand = await createBrand(context);
    const admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    const added = await admin.post(`/api/v1/accounts/${brand.accountId}/users`, { email: 'invited@brand.test', role: 'implementation_specialist', invite: true });
    expect(added.statusCode).toBe(201);
    const { user, inviteUrl, inviteExpiresAt } = added.json();
    expect(inviteUrl).toMatch(/^http:\/\/localhost(:\d+)?\/invite\?token=[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(inviteExpiresAt) - Date.now()).toBeGreaterThan(6 * 86_400_000);
    expect(user).toMatchObject({ invitePending: true, lastSignInAt: null });
    const token = tokenOf(inviteUrl);
    // Not stored in clear.
    const links = await context.store.db.selectFrom('setup_links').selectAll().where('user_id', '=', user.id).execute();
    expect(JSON.stringify(links)).not.toContain(token);

    // No password exists yet: no guess signs in, the empty one included.
    for (const guess of ['', TEST_PASSWORD]) expect((await loginRequest(app, 'invited@brand.test', guess, { remoteAddress: '192.0.2.7' })).statusCode).toBe(401);

    const check = await app.inject({ method: 'POST', url: '/api/v1/invite/check', payload: { token } });
    expect(check.json()).toEqual({ state: 'valid', email: 'invited@brand.test', name: 'invited', accountName: expect.stringMatching(/^Brand /) });
    const weak = await app.inject({ method: 'POST', url: '/api/v1/invite', payload: { token, password: 'short' } });
    expect(weak.json()).toMatchObject({ Code: 'INVALID_INPUT', Errors: [{ Field: 'password' }] });

    const accepted = await app.inject({ method: 'POST', url: '/api/v1/invite', payload: { token, password: NEW_PASSWORD, name: 'Ivy Invited' } });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ user: { id: user.id, name: 'Ivy Invited' }, accounts: [{ id: brand.accountId, role: 'implementation_specialist' }], csrfToken: expect.any(String) });
    expect(sessionCookieOf(accepted)).toBeDefined();
    expect((await loginRequest(app, 'invited@brand.test', NEW_PASSWORD)).statusCode).toBe(200);

    const again = await app.inject({ method: 'POST', url: '/api/v1/invite', payload: { token, password: 'an attacker password' } });
    expect(again.statusCode).toBe(404);
    expect(again.json().Code).toBe('INVITE_LINK_INVALID');
    const recheck = await app.inject({ method: 'POST', url: '/api/v1/invite/check', payload: { token } });
    expect(recheck.statusCode).toBe(200);
    expect(recheck.json()).toEqual({ state: 'invalid' });
    expect((await loginRequest(app, 'invited@brand.test', NEW_PASSWORD)).statusCode).toBe(200);
    expect(await events(context, brand.accountId, 'account.invite_accept')).toEqual([{ actor: user.id, details: { userId: user.id, email: 'invited@brand.test' } }]);
  });

  test('an invite token is not a first-run setup link: it creates no account and no administrator', async ({ context, app }) => {
    const brand = await createBrand(context);
    const { invite } = await context.accounts.addUser({ accountId: brand.accountId, email: 'setup-attacker@brand.test', role: 'analyst', invite: true });
    const accountsBefore = await context.store.db.selectFrom('accounts').select('id').execute();
    const response = await app.inject({ method: 'POST', url: '/api/v1/setup', payload: { token: invite!.token, email: 'evil@attacker.test', password: TEST_PASSWORD, accountName: 'Evil' } });
    expect(response.json().Code).toBe('SETUP_LINK_INVALID');
    expect(await context.store.db.selectFrom('accounts').select('id').execute()).toEqual(accountsBefore);
    // And a setup link is not an invite.
    const setup = await context.accounts.createSetupLink();
    expect((await app.inject({ method: 'POST', url: '/api/v1/invite', payload: { token: setup.token, password: NEW_PASSWORD } })).json().Code).toBe('INVITE_LINK_INVALID');
  });

  test('removing an invited user withdraws their link; an expired link is refused', async ({ context, app }) => {
    const brand = await createBrand(context);
    const removed = await context.accounts.addUser({ accountId: brand.accountId, email: 'withdrawn@brand.test', role: 'analyst', invite: true });
    await context.accounts.removeUser(brand.admin, brand.accountId, removed.userId);
    expect((await app.inject({ method: 'POST', url: '/api/v1/invite', payload: { token: removed.invite!.token, password: NEW_PASSWORD } })).json().Code).toBe('INVITE_LINK_INVALID');

    const late = await context.accounts.addUser({ accountId: brand.accountId, email: 'late@brand.test', role: 'analyst', invite: true });
    await context.store.db.updateTable('setup_links').set({ expires_at: Date.now() - 1 }).where('user_id', '=', late.userId).execute();
    expect((await app.inject({ method: 'POST', url: '/api/v1/invite', payload: { token: late.invite!.token, password: NEW_PASSWORD } })).json().Code).toBe('INVITE_LINK_INVALID');
  });

  test('an administrator changes a role and removes a user: the user sees it at once; both audited', async ({ context, app }) => {
    const brand = await createBrand(context);
    const admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    const specialist = await login(app, brand.emails.implementation_specialist, TEST_PASSWORD);
    const target = brand.users.implementation_specialist.userId;
    const url = `/api/v1/accounts/${brand.accountId}/users/${target}`;
    expect((await specialist.get(`/api/v1/accounts/${brand.accountId}/tokens`)).statusCode).toBe(200);

    const changed = await admin.patch(url, { role: 'finance' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ id: target, role: 'finance' });
    expect((await specialist.get(`/api/v1/accounts/${brand.accountId}/tokens`)).statusCode).toBe(403);
    expect((await specialist.get('/api/v1/me')).json().accounts).toEqual([{ id: brand.accountId, name: expect.any(String), role: 'finance' }]);

    expect((await admin.delete(url)).statusCode).toBe(204);
    expect((await specialist.get(`/api/v1/accounts/${brand.accountId}/tokens`)).statusCode).toBe(404);
    expect((await specialist.get('/api/v1/me')).json().accounts).toEqual([]);
    expect((await admin.delete(url)).statusCode).toBe(404);

    expect(await events(context, brand.accountId, 'account.user_role_change')).toEqual([
      { actor: brand.admin.userId, details: { userId: target, email: brand.emails.implementation_specialist, from: 'implementation_specialist', to: 'finance', ip: '127.0.0.1' } },
    ]);
    expect(await events(context, brand.accountId, 'account.user_remove')).toEqual([{ actor: brand.admin.userId, details: { userId: target, email: brand.emails.implementation_specialist, role: 'finance', ip: '127.0.0.1' } }]);
  });

  test('the last Account Administrator can be neither demoted nor removed, also by themselves; with a second one, either can go', async ({ context, app }) => {
    const brand = await createBrand(context);
    const admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    const self = `/api/v1/accounts/${brand.accountId}/users/${brand.admin.userId}`;
    const before = await memberships(context, brand.accountId);
    for (const refused of [await admin.patch(self, { role: 'analyst' }), await admin.delete(self)]) {
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ Code: 'LAST_ACCOUNT_ADMINISTRATOR', Message: expect.stringContaining('at least one Account Administrator') });
    }
    await expect(context.accounts.removeUser(operator(), brand.accountId, brand.admin.userId)).rejects.toMatchObject({ code: 'LAST_ACCOUNT_ADMINISTRATOR' });
    expect(await memberships(context, brand.accountId)).toEqual(before);
    expect(await events(context, brand.accountId, 'account.user_role_change')).toEqual([]);

    // Promote the specialist; now the first administrator may step down.
    expect((await admin.patch(`/api/v1/accounts/${brand.accountId}/users/${brand.users.implementation_specialist.userId}`, { role: 'account_administrator' })).statusCode).toBe(200);
    expect((await admin.patch(self, { role: 'analyst' })).statusCode).toBe(200);
    expect((await admin.post(`/api/v1/accounts/${brand.accountId}/users`, { email: 'late@brand.test', role: 'analyst', password: TEST_PASSWORD })).statusCode).toBe(403);
  });

  test('racing demotions never leave an account without an administrator (the check is in the transaction)', async ({ context }) => {
    for (let round = 0; round < 8; round++) {
      const brand = await createBrand(context);
      const second = brand.users.implementation_specialist;
      await context.accounts.changeRole(operator(), brand.accountId, second.userId, 'account_administrator');
      // Two administrators demote each other at the same moment, and an operator demotes both.
      const outcomes = await Promise.allSettled([
        context.accounts.changeRole(brand.admin, brand.accountId, second.userId, 'analyst'),
        context.accounts.changeRole(second, brand.accountId, brand.admin.userId, 'analyst'),
        context.accounts.changeRole(operator(), brand.accountId, brand.admin.userId, 'finance'),
        context.accounts.removeUser(operator(), brand.accountId, second.userId),
      ]);
      const admins = (await context.accounts.listUsers(operator(), brand.accountId)).filter((u) => u.role === 'account_administrator');
      expect(admins, `round ${round}`).toHaveLength(1);
      const refusals = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code: string }).code] : []));
      expect(refusals.length, `round ${round}`).toBeGreaterThan(0);
      expect(refusals.every((code) => code === 'LAST_ACCOUNT_ADMINISTRATOR' || code === 'FORBIDDEN' || code === 'NOT_FOUND'), refusals.join()).toBe(true);
      const changes = (await events(context, brand.accountId, 'account.user_role_change')).length + (await events(context, brand.accountId, 'account.user_remove')).length;
      // One event per change that happened: the promotion plus each fulfilled outcome.
      expect(changes).toBe(1 + outcomes.filter((o) => o.status === 'fulfilled').length);
    }
  });

  test('no role but Account Administrator manages users: 403 and nothing changes; reading the list stays with token managers', async ({ context, app }) => {
    const brand = await createBrand(context);
    const users = `/api/v1/accounts/${brand.accountId}/users`;
    const target = `${users}/${brand.users.custom.userId}`;
    const before = await memberships(context, brand.accountId);
    for (const role of ['implementation_specialist', 'analyst', 'finance', 'performance_marketing_manager', 'custom'] as const) {
      const session = await login(app, brand.emails[role], TEST_PASSWORD);
      expect((await session.post(users, { email: `by-${role}@brand.test`, role: 'account_administrator', password: TEST_PASSWORD })).statusCode, role).toBe(403);
      expect((await session.patch(`${users}/${brand.users[role].userId}`, { role: 'account_administrator' })).statusCode, role).toBe(403);
      expect((await session.patch(target, { role: 'finance' })).statusCode, role).toBe(403);
      expect((await session.delete(`${users}/${brand.admin.userId}`)).statusCode, role).toBe(403);
      expect((await session.get(users)).statusCode, role).toBe(role === 'implementation_specialist' ? 200 : 403);
    }
    expect(await memberships(context, brand.accountId)).toEqual(before);
  });

  test("an administrator of one account cannot touch another account's users, by either account's URL", async ({ context, app }) => {
    const mine = await createBrand(context);
    const theirs = await createBrand(context);
    const admin = await login(app, mine.emails.account_administrator, TEST_PASSWORD);
    const victim = theirs.users.analyst.userId;
    const before = await memberships(context, theirs.accountId);
    const attempts = [
      admin.get(`/api/v1/accounts/${theirs.accountId}/users`),
      admin.post(`/api/v1/accounts/${theirs.accountId}/users`, { email: 'mole@attacker.test', role: 'account_administrator', password: TEST_PASSWORD }),
      admin.patch(`/api/v1/accounts/${theirs.accountId}/users/${victim}`, { role: 'account_administrator' }),
      admin.delete(`/api/v1/accounts/${theirs.accountId}/users/${theirs.admin.userId}`),
      // Their user's id under my account's URL: not one of mine.
      admin.patch(`/api/v1/accounts/${mine.accountId}/users/${victim}`, { role: 'finance' }),
      admin.delete(`/api/v1/accounts/${mine.accountId}/users/${victim}`),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.statusCode).toBe(404);
      expect(response.json().Code).toBe('NOT_FOUND');
    }
    expect(await memberships(context, theirs.accountId)).toEqual(before);
  });

  test('adding an e-mail that has a sign-in elsewhere only adds the membership: no password is set, no invite is made', async ({ context, app }) => {
    const mine = await createBrand(context);
    const theirs = await createBrand(context);
    const admin = await login(app, mine.emails.account_administrator, TEST_PASSWORD);
    const added = await admin.post(`/api/v1/accounts/${mine.accountId}/users`, { email: theirs.emails.finance, role: 'analyst', invite: true });
    expect(added.json()).toMatchObject({ existing: true, inviteUrl: null, user: { id: theirs.users.finance.userId, invitePending: false } });
    const overwrite = await admin.post(`/api/v1/accounts/${mine.accountId}/users`, { email: theirs.emails.custom, role: 'analyst', password: 'chosen by the other admin' });
    expect(overwrite.json().existing).toBe(true);
    expect((await loginRequest(app, theirs.emails.custom, TEST_PASSWORD)).statusCode).toBe(200);
    expect((await loginRequest(app, theirs.emails.custom, 'chosen by the other admin', { remoteAddress: '192.0.2.8' })).statusCode).toBe(401);
  });
});

describeEachStore('your own profile and password', {}, () => {
  test('a user changes their name; blank or overlong is refused; audited in their account', async ({ context, app }) => {
    const brand = await createBrand(context);
    const analyst = await login(app, brand.emails.analyst, TEST_PASSWORD);
    const changed = await analyst.patch('/api/v1/me', { name: '  Ada Lovelace ' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().user).toEqual({ id: brand.users.analyst.userId, email: brand.emails.analyst, name: 'Ada Lovelace' });
    for (const name of ['   ', 'x'.repeat(201)]) expect((await analyst.patch('/api/v1/me', { name })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PATCH', url: '/api/v1/me', payload: { name: 'Anonymous' } })).statusCode).toBe(401);
    expect(await events(context, brand.accountId, 'user.profile_update')).toEqual([
      { actor: brand.users.analyst.userId, details: { userId: brand.users.analyst.userId, from: expect.any(String), to: 'Ada Lovelace', ip: '127.0.0.1' } },
    ]);
  });

  test('a password change needs the current password, follows the rule, ends the other sessions and keeps this one', async ({ context, app }) => {
    const brand = await createBrand(context);
    const here = await login(app, brand.emails.finance, TEST_PASSWORD);
    const elsewhere = await login(app, brand.emails.finance, TEST_PASSWORD, { remoteAddress: '198.51.100.4' });
    const colleague = await login(app, brand.emails.custom, TEST_PASSWORD);

    const wrong = await here.post('/api/v1/me/password', { currentPassword: 'not my password', newPassword: NEW_PASSWORD });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ Code: 'CURRENT_PASSWORD_INCORRECT', Errors: [{ Field: 'currentPassword', Message: 'is not your current password' }] });
    const weak = await here.post('/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: 'too short' });
    expect(weak.json()).toMatchObject({ Code: 'INVALID_INPUT', Errors: [{ Field: 'newPassword', Message: expect.stringContaining('12 characters') }] });
    expect((await elsewhere.get('/api/v1/me')).statusCode).toBe(200);

    const changed = await here.post('/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({ otherSessionsEnded: 1 });
    expect((await here.get('/api/v1/me')).statusCode).toBe(200);
    expect((await elsewhere.get('/api/v1/me')).statusCode).toBe(401);
    expect((await colleague.get('/api/v1/me')).statusCode).toBe(200);
    expect((await loginRequest(app, brand.emails.finance, TEST_PASSWORD, { remoteAddress: '192.0.2.9' })).statusCode).toBe(401);
    expect((await loginRequest(app, brand.emails.finance, NEW_PASSWORD)).statusCode).toBe(200);
    expect(await events(context, brand.accountId, 'user.password_change')).toEqual([
      { actor: brand.users.finance.userId, details: { userId: brand.users.finance.userId, otherSessionsEnded: 1, ip: '127.0.0.1' } },
    ]);
    // Nothing secret in the trail.
    const trail = JSON.stringify(await context.store.db.selectFrom('audit_events').selectAll().where('account_id', '=', brand.accountId).execute());
    expect(trail).not.toContain(NEW_PASSWORD);
    expect(trail).not.toContain(TEST_PASSWORD);
  });

  test('a stolen session cannot guess the current password faster than sign-in allows', async ({ context, app }) => {
    const brand: Brand = await createBrand(context);
    const thief = await login(app, brand.emails.performance_marketing_manager, TEST_PASSWORD, { remoteAddress: '203.0.113.50' });
    const answers: number[] = [];
    for (let i = 0; i < 7; i++) answers.push((await thief.post('/api/v1/me/password', { currentPassword: `guess number ${i}`, newPassword: NEW_PASSWORD })).statusCode);
    expect(answers.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(answers.slice(5)).toEqual([429, 429]);
    // Even the right one now waits: the budget is the sign-in's.
    expect((await thief.post('/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD })).json().Code).toBe('SIGN_IN_THROTTLED');
  });

  test('an operator resets a password (sidekey user password): every session of the user ends', async ({ context, app }) => {
    const brand = await createBrand(context);
    const session = await login(app, brand.emails.custom, TEST_PASSWORD);
    expect(await context.accounts.resetPassword(brand.emails.custom.toUpperCase(), NEW_PASSWORD)).toEqual({ userId: brand.users.custom.userId, sessionsEnded: 1 });
    expect((await session.get('/api/v1/me')).statusCode).toBe(401);
    expect((await loginRequest(app, brand.emails.custom, NEW_PASSWORD)).statusCode).toBe(200);
    await expect(context.accounts.resetPassword('nobody@brand.test', NEW_PASSWORD)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(context.accounts.resetPassword(brand.emails.custom, 'short')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await events(context, brand.accountId, 'user.password_change')).toEqual([{ actor: null, details: { userId: brand.users.custom.userId, otherSessionsEnded: 1, via: 'cli' } }]);
  });
});
