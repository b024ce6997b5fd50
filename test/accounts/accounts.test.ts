import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { operator } from '../../src/domain/actor.js';
import { ADDRESS, PAIR } from '../../src/accounts/throttle.js';
import { ARGON2ID, AccountService, type PasswordHasher } from '../../src/accounts/service.js';
import { PASSWORD_MIN_LENGTH as MIN_PASSWORD_LENGTH } from '../../src/domain/password.js';
import { AuditLog } from '../../src/audit/index.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describeEachDialect('accounts, users and sessions', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  let clock = Date.UTC(2026, 6, 15, 12);
  beforeAll(async () => {
    t = await createTestContext(dialect, { now: () => clock });
    brand = await createBrand(t.context);
  });
  afterAll(() => t.close());

  describe('creating accounts and users', () => {
    it('admin create makes an account, its Account Administrator, and an audit event; API access starts off', async () => {
      const { userId, accountId } = await t.context.accounts.createAccountWithAdmin({ email: '  Owner@Brand.Test ', password: TEST_PASSWORD, accountName: ' Acme ' });
      const me = await t.context.accounts.me(userId);
      expect(me).toEqual({ user: { id: userId, email: 'owner@brand.test', name: 'owner' }, accounts: [{ id: accountId, name: 'Acme', role: 'account_administrator' }] });
      expect(await t.context.tokens.apiSettings(operator(), accountId)).toEqual({ apiAccessEnabled: false, legacyTokensEnabled: false });
      const events = await t.context.store.db.selectFrom('audit_events').select(['action', 'details']).where('account_id', '=', accountId).execute();
      expect(events.map((e) => e.action)).toEqual(['account.create']);
      expect(JSON.parse(events[0].details)).toMatchObject({ name: 'Acme', adminUserId: userId, via: 'cli' });
    });

    it('passwords are stored as argon2id hashes, never in clear', async () => {
      const user = await t.context.store.db.selectFrom('users').selectAll().where('id', '=', brand.admin.userId).executeTakeFirstOrThrow();
      expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(user.password_hash).not.toContain(TEST_PASSWORD);
    });

    it(`refuses passwords shorter than ${MIN_PASSWORD_LENGTH} characters, bad e-mails and empty account names, naming each`, async () => {
      const error = await t.context.accounts.createAccountWithAdmin({ email: 'nope', password: 'short', accountName: ' ' }).catch((e) => e);
      expect(error.status).toBe(400);
      expect(error.fields).toEqual([
        { field: 'email', message: 'must be a valid e-mail address' },
        { field: 'password', message: 'must be at least 12 characters' },
        { field: 'accountName', message: 'is required (1-200 characters)' },
      ]);
      await expect(t.context.accounts.addUser({ accountId: brand.accountId, email: 'x@brand.test', password: 'elevenchars', role: 'analyst' })).rejects.toMatchObject({ fields: [{ field: 'password' }] });
      await expect(t.context.accounts.addUser({ accountId: brand.accountId, email: 'x@brand.test', password: TEST_PASSWORD, role: 'owner' })).rejects.toMatchObject({ fields: [{ field: 'role', message: expect.stringContaining('account_administrator') }] });
    });

    it('an e-mail belongs to one user: a second admin create with it is a conflict', async () => {
      await expect(t.context.accounts.createAccountWithAdmin({ email: brand.emails.account_administrator.toUpperCase(), password: TEST_PASSWORD, accountName: 'Again' })).rejects.toMatchObject({ status: 409 });
    });

    it('adding an existing user to another account gives them a membership there, with that role; twice is a conflict', async () => {
      const other = await t.context.accounts.createAccount('Second brand');
      const { userId } = await t.context.accounts.addUser({ accountId: other.accountId, email: brand.emails.analyst, password: 'a different password', role: 'implementation_specialist' });
      expect(userId).toBe(brand.users.analyst.userId);
      const me = await t.context.accounts.me(userId);
      expect(me.accounts.map((a) => [a.name, a.role]).sort()).toEqual([
        [expect.stringMatching(/^Brand /), 'analyst'],
        ['Second brand', 'implementation_specialist'],
      ]);
      // The existing password stays: adding a membership is not a password change.
      await expect(t.context.accounts.login(brand.emails.analyst, TEST_PASSWORD, '10.9.0.1')).resolves.toBeDefined();
      await expect(t.context.accounts.addUser({ accountId: other.accountId, email: brand.emails.analyst, password: TEST_PASSWORD, role: 'finance' })).rejects.toMatchObject({ status: 409 });
      await expect(t.context.accounts.addUser({ accountId: 'acc_missing', email: 'new@brand.test', password: TEST_PASSWORD, role: 'finance' })).rejects.toMatchObject({ status: 404 });
    });

    it('lists the account users for the primary-contact picker, to token managers only', async () => {
      const users = await t.context.accounts.listUsers(brand.admin, brand.accountId);
      expect(users.map((u) => u.role).sort()).toEqual(['account_administrator', 'analyst', 'custom', 'finance', 'implementation_specialist', 'performance_marketing_manager']);
      expect(users[0]).not.toHaveProperty('password_hash');
      await expect(t.context.accounts.listUsers(brand.users.finance, brand.accountId)).rejects.toMatchObject({ status: 403 });
    });
  });

  describe('the token-manager gate', () => {
    it('admin and implementation specialist pass; the other four roles get 403; a non-member gets 404', async () => {
      const outsider = await createBrand(t.context);
      for (const role of ['account_administrator', 'implementation_specialist'] as const) await expect(t.context.accounts.requireTokenManager(brand.users[role], brand.accountId)).resolves.toBeUndefined();
      for (const role of ['analyst', 'finance', 'performance_marketing_manager', 'custom'] as const) await expect(t.context.accounts.requireTokenManager(brand.users[role], brand.accountId)).rejects.toMatchObject({ status: 403 });
      await expect(t.context.accounts.requireTokenManager(outsider.admin, brand.accountId)).rejects.toMatchObject({ status: 404 });
      await expect(t.context.accounts.requireTokenManager(brand.admin, 'acc_doesnotexist')).rejects.toMatchObject({ status: 404 });
      await expect(t.context.accounts.requireTokenManager(operator(), brand.accountId)).resolves.toBeUndefined();
      await expect(t.context.accounts.requireTokenManager(operator(), 'acc_doesnotexist')).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('sign-in and sessions', () => {
    it('a session id is random, stored only as its hash, carries a CSRF token and expires after the TTL', async () => {
      const { sessionId, session } = await t.context.accounts.login(brand.emails.finance, TEST_PASSWORD, '10.0.0.1');
      expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const rows = await t.context.store.db.selectFrom('sessions').selectAll().where('user_id', '=', brand.users.finance.userId).execute();
      expect(rows.map((r) => r.id_hash)).toContain(sha256(sessionId));
      expect(JSON.stringify(rows)).not.toContain(sessionId);
      expect(await t.context.accounts.session(sessionId)).toEqual({ userId: brand.users.finance.userId, csrfToken: session.csrfToken, expiresAt: clock + t.context.config.sessionTtlSeconds * 1000 });
      expect(await t.context.accounts.session(`${sessionId}x`)).toBeUndefined();
      clock += t.context.config.sessionTtlSeconds * 1000;
      expect(await t.context.accounts.session(sessionId)).toBeUndefined();
      clock -= t.context.config.sessionTtlSeconds * 1000;
    });

    it('logout ends the session', async () => {
      const { sessionId } = await t.context.accounts.login(brand.emails.custom, TEST_PASSWORD, '10.0.0.2');
      expect(await t.context.accounts.session(sessionId)).toBeDefined();
      await t.context.accounts.logout(sessionId);
      expect(await t.context.accounts.session(sessionId)).toBeUndefined();
    });

    it('a wrong password and an unknown e-mail fail the same way', async () => {
      const wrong = await t.context.accounts.login(brand.emails.custom, 'not the password', '10.0.0.3').catch((e) => e);
      const unknown = await t.context.accounts.login('nobody@brand.test', TEST_PASSWORD, '10.0.0.3').catch((e) => e);
      expect(wrong).toMatchObject({ status: 401, message: 'The e-mail or password is incorrect.' });
      expect(unknown).toMatchObject({ status: 401, message: wrong.message });
    });

    it('five wrong passwords for an e-mail from one address do not lock the real user out: the right password from another address signs in', async () => {
      const email = brand.emails.performance_marketing_manager;
      for (let i = 0; i < 5; i++) await expect(t.context.accounts.login(email, 'wrong password!', '10.1.0.1')).rejects.toMatchObject({ status: 401 });
      // The attacker's address is slowed, even with the right password (it cannot tell a lucky guess from a lock).
      await expect(t.context.accounts.login(email.toUpperCase(), TEST_PASSWORD, '10.1.0.1')).rejects.toMatchObject({ status: 429, message: expect.stringContaining('Try again in 15 minute') });
      await expect(t.context.accounts.login(email, TEST_PASSWORD, '10.1.1.1')).resolves.toBeDefined();
      // Another user on the attacker's address is not affected either.
      await expect(t.context.accounts.login(brand.emails.implementation_specialist, TEST_PASSWORD, '10.1.0.1')).resolves.toBeDefined();
      clock += 15 * 60_000;
      await expect(t.context.accounts.login(email, TEST_PASSWORD, '10.1.0.1')).resolves.toBeDefined();
    }, 120_000);

    it('a used-up (e-mail, address) window doubles the next one, up to a day; a correct password clears it', async () => {
      const email = brand.emails.finance;
      const fail = () => expect(t.context.accounts.login(email, 'wrong password!', '10.2.0.1')).rejects.toMatchObject({ status: 401 });
      for (let i = 0; i < PAIR.budget; i++) await fail();
      clock += PAIR.windowMs;
      for (let i = 0; i < PAIR.budget; i++) await fail();
      await expect(t.context.accounts.login(email, TEST_PASSWORD, '10.2.0.1')).rejects.toMatchObject({ status: 429, message: expect.stringContaining('Try again in 30 minute') });
      clock += PAIR.windowMs;
      await expect(t.context.accounts.login(email, TEST_PASSWORD, '10.2.0.1')).rejects.toMatchObject({ status: 429, message: expect.stringContaining('Try again in 15 minute') });
      clock += PAIR.windowMs;
      await expect(t.context.accounts.login(email, TEST_PASSWORD, '10.2.0.1')).resolves.toBeDefined();
      // Cleared: the full budget is back, with the first window's length.
      for (let i = 0; i < PAIR.budget; i++) await fail();
      await expect(t.context.accounts.login(email, TEST_PASSWORD, '10.2.0.1')).rejects.toMatchObject({ message: expect.stringContaining('Try again in 15 minute') });
      clock += PAIR.windowMs;
    }, 120_000);

    it('thirty failures from one IP lock that IP, across e-mails; other IPs still sign in', async () => {
      for (let i = 0; i < 30; i++) await expect(t.context.accounts.login(`guess${i}@brand.test`, 'wrong password!', '203.0.113.9')).rejects.toMatchObject({ status: 401 });
      await expect(t.context.accounts.login(brand.emails.account_administrator, TEST_PASSWORD, '203.0.113.9')).rejects.toMatchObject({ status: 429 });
      await expect(t.context.accounts.login(brand.emails.account_administrator, TEST_PASSWORD, '203.0.113.10')).resolves.toBeDefined();
    }, 120_000);
  });

  describe('the one-time setup link', () => {
    it('creates the first administrator once; a second use, an expired or an invented link is refused', async () => {
      const fresh = await createTestContext(dialect, { now: () => clock });
      try {
        expect(await fresh.context.accounts.hasAnyAccount()).toBe(false);
        const link = await fresh.context.accounts.createSetupLink();
        expect(link.expiresAt).toBe(clock + 15 * 60_000);
        const stored = await fresh.context.store.db.selectFrom('setup_links').selectAll().execute();
        expect(stored.map((s) => s.token_hash)).toEqual([sha256(link.token)]);
        await expect(fresh.context.accounts.completeSetup(link.token, { email: 'first@brand.test', password: 'short', accountName: 'First' })).rejects.toMatchObject({ status: 400 });
        const created = await fresh.context.accounts.completeSetup(link.token, { email: 'first@brand.test', password: TEST_PASSWORD, accountName: 'First' });
        expect((await fresh.context.accounts.me(created.userId)).accounts).toEqual([{ id: created.accountId, name: 'First', role: 'account_administrator' }]);
        expect(await fresh.context.accounts.hasAnyAccount()).toBe(true);
        await expect(fresh.context.accounts.completeSetup(link.token, { email: 'second@brand.test', password: TEST_PASSWORD, accountName: 'Second' })).rejects.toMatchObject({ status: 404 });
        await expect(fresh.context.accounts.completeSetup('invented', { email: 'third@brand.test', password: TEST_PASSWORD, accountName: 'Third' })).rejects.toMatchObject({ status: 404 });
        const late = await fresh.context.accounts.createSetupLink();
        clock += 15 * 60_000;
        await expect(fresh.context.accounts.completeSetup(late.token, { email: 'late@brand.test', password: TEST_PASSWORD, accountName: 'Late' })).rejects.toMatchObject({ status: 404 });
      } finally {
        await fresh.close();
      }
    });

    it('two racing uses of one link create one administrator', async () => {
      const fresh = await createTestContext(dialect, { now: () => clock });
      try {
        const link = await fresh.context.accounts.createSetupLink();
        const results = await Promise.allSettled([
          fresh.context.accounts.completeSetup(link.token, { email: 'a@brand.test', password: TEST_PASSWORD, accountName: 'A' }),
          fresh.context.accounts.completeSetup(link.token, { email: 'b@brand.test', password: TEST_PASSWORD, accountName: 'B' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(Number((await fresh.context.store.db.selectFrom('accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(1);
      } finally {
        await fresh.close();
      }
    });
  });
});

describeEachDialect('the sign-in throttle under concurrency', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  let checks = 0;
  const counting: PasswordHasher = {
    hash: ARGON2ID.hash,
    verify: (hash, password) => {
      checks += 1;
      return ARGON2ID.verify(hash, password);
    },
  };
  const service = (store: Store) => new AccountService({ store, audit: new AuditLog({ db: store.db }), sessionTtlSeconds: 3600, passwords: counting });
  beforeAll(async () => {
    t = await createTestContext(dialect);
    brand = await createBrand(t.context);
  });
  afterAll(() => t.close());

  it(`100 parallel wrong passwords for one e-mail from one address get at most ${PAIR.budget} password checks; the real user still signs in from another address`, async () => {
    const accounts = service(t.context.store);
    checks = 0;
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => accounts.login(brand.emails.analyst, 'wrong password!', '198.51.100.7')));
    const statuses = results.map((r) => (r.status === 'rejected' ? (r.reason as { status: number }).status : 200));
    expect(statuses.filter((s) => s === 401)).toHaveLength(checks);
    expect(checks).toBeLessThanOrEqual(PAIR.budget);
    expect(statuses.filter((s) => s === 429)).toHaveLength(100 - checks);
    await expect(accounts.login(brand.emails.analyst, TEST_PASSWORD, '198.51.100.8')).resolves.toBeDefined();
  }, 120_000);

  it(`100 parallel guesses at different e-mails from one address get at most ${ADDRESS.budget} password checks`, async () => {
    const accounts = service(t.context.store);
    checks = 0;
    await Promise.allSettled(Array.from({ length: 100 }, (_, i) => accounts.login(`guess${i}@nowhere.test`, 'wrong password!', '198.51.100.9')));
    expect(checks).toBeLessThanOrEqual(ADDRESS.budget);
    expect(checks).toBeGreaterThan(0);
  }, 120_000);

  it('two nodes on one database share the budget: 60 parallel guesses split across them get at most the budget', async () => {
    const second = await openStore({ databaseUrl: t.db.databaseUrl, dataDir: t.db.dataDir });
    try {
      const [a, b] = [service(t.context.store), service(second)];
      checks = 0;
      await Promise.allSettled(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).login(brand.emails.custom, 'wrong password!', '198.51.100.10')));
      expect(checks).toBeLessThanOrEqual(PAIR.budget);
    } finally {
      await second.close();
    }
  }, 120_000);

  it('successful sign-ins give their address slot back: 40 people signing in from one office address are never throttled', async () => {
    const accounts = service(t.context.store);
    for (let i = 0; i < 40; i++) await expect(accounts.login(brand.emails.account_administrator, TEST_PASSWORD, '198.51.100.11')).resolves.toBeDefined();
  }, 120_000);
});
