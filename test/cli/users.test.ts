/**
 * `sidekey user list|add|role|remove|password` as an operator uses them: the same services and rules as the API
 * (the last Account Administrator stays one), plain lines by default, --json for scripts, exit 5 on a refusal
 * of the account's state, 4 for an unknown user.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT_MS, databaseEnv, inspectDatabase, runCli } from '../support/cli.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/databases.js';

const PASSWORD = 'a long enough password';
const SLOW = CLI_TEST_TIMEOUT_MS;

const cli = (db: TestDatabase, args: string[], stdin?: string) => runCli(args, { env: { ...databaseEnv(db), PUBLIC_URL: 'https://keys.brand.test' }, stdin });

describeEachDialect('sidekey user', (dialect) => {
  let db: TestDatabase;
  let accountId: string;
  let adminId: string;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    const created = await cli(db, ['admin', 'create', '--email', 'owner@brand.test', '--password-stdin', '--account', 'CLI Brand', '--json'], `${PASSWORD}\n`);
    ({ accountId, userId: adminId } = JSON.parse(created.stdout));
  }, SLOW);
  afterAll(() => db.drop());

  const inspect = <T>(fn: Parameters<typeof inspectDatabase<T>>[1]) => inspectDatabase(db, fn);

  it('add with a password or an invite link; list shows roles, last sign-in and pending invites', async () => {
    const [withPassword, invited] = await Promise.all([
      cli(db, ['user', 'add', '--account', accountId, '--email', 'dev@brand.test', '--password-stdin', '--role', 'implementation_specialist', '--name', 'Dev'], `${PASSWORD}\n`),
      cli(db, ['user', 'add', '--account', accountId, '--email', 'ivy@brand.test', '--invite', '--role', 'finance']),
    ]);
    expect(withPassword.stdout).toMatch(/^Added dev@brand\.test as Implementation Specialist \(user usr_\w+\)\.\n$/);
    expect(invited.code).toBe(0);
    expect(invited.stdout).toMatch(/Added ivy@brand\.test as Finance .*\nSend them this one-time link \(valid until \d{4}-[^)]+\) to set their password:\n {2}https:\/\/keys\.brand\.test\/invite\?token=[A-Za-z0-9_-]{43}\n$/);
    await inspect((context) => context.accounts.login('owner@brand.test', PASSWORD, '127.0.0.1'));

    const list = await cli(db, ['user', 'list', '--account', accountId]);
    const byEmail = (line: string) => line.split('  ')[1];
    const lines = list.stdout.trim().split('\n').sort((a, b) => byEmail(a).localeCompare(byEmail(b)));
    expect(lines).toEqual([
      expect.stringMatching(/^usr_\w+ {2}dev@brand\.test {2}Implementation Specialist {2}never signed in$/),
      expect.stringMatching(/^usr_\w+ {2}ivy@brand\.test {2}Finance {2}invite pending$/),
      expect.stringMatching(/^usr_\w+ {2}owner@brand\.test {2}Account Administrator {2}last sign-in \d{4}-\d\d-\d\dT/),
    ]);
    const listed = JSON.parse((await cli(db, ['user', 'list', '--account', accountId, '--json'])).stdout);
    expect(listed.map((u: { email: string; role: string }) => `${u.email}:${u.role}`).sort()).toEqual(['dev@brand.test:implementation_specialist', 'ivy@brand.test:finance', 'owner@brand.test:account_administrator']);
  }, SLOW);

  it('role and remove take a user id or an e-mail; the last Account Administrator is refused with exit 5 and stays', async () => {
    const demote = await cli(db, ['user', 'role', 'owner@brand.test', '--account', accountId, '--role', 'analyst']);
    expect(demote.code).toBe(5);
    expect(demote.stderr).toMatch(/^sidekey: owner@brand\.test cannot get another role: an account needs at least one Account Administrator/);
    const remove = await cli(db, ['user', 'remove', adminId, '--account', accountId]);
    expect(remove.code).toBe(5);

    const promoted = await cli(db, ['user', 'role', 'dev@brand.test', '--account', accountId, '--role', 'account_administrator']);
    expect(promoted.stdout).toBe('dev@brand.test is now Account Administrator.\n');
    const [removed, unknown] = await Promise.all([cli(db, ['user', 'remove', 'ivy@brand.test', '--account', accountId, '--json']), cli(db, ['user', 'role', 'nobody@brand.test', '--account', accountId, '--role', 'finance'])]);
    expect(JSON.parse(removed.stdout)).toEqual({ removed: expect.stringMatching(/^usr_/) });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toBe('sidekey: No user has the e-mail nobody@brand.test.\n');

    await inspect(async (context) => {
      const users = await context.accounts.listUsers({ kind: 'operator', label: 'test' }, accountId);
      expect(users.map((u) => `${u.email}:${u.role}`).sort()).toEqual(['dev@brand.test:account_administrator', 'owner@brand.test:account_administrator']);
      const actions = await context.store.db.selectFrom('audit_events').select('action').where('account_id', '=', accountId).where('action', 'in', ['account.user_role_change', 'account.user_remove']).execute();
      expect(actions.map((a) => a.action).sort()).toEqual(['account.user_remove', 'account.user_role_change']);
    });
  }, SLOW);

  it('password sets a new password from stdin and ends every session of the user; a weak one changes nothing', async () => {
    const sessionId = await inspect(async (context) => (await context.accounts.login('dev@brand.test', PASSWORD, '127.0.0.1')).sessionId);
    const weak = await cli(db, ['user', 'password', 'dev@brand.test', '--password-stdin'], 'short\n');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('password: must be at least 12 characters');
    const set = await cli(db, ['user', 'password', 'dev@brand.test', '--password-stdin'], 'a replacement passphrase\n');
    expect(set.stdout).toBe('Set the password of dev@brand.test; 1 session(s) ended.\n');
    await inspect(async (context) => {
      expect(await context.accounts.session(sessionId)).toBeUndefined();
      await expect(context.accounts.login('dev@brand.test', 'a replacement passphrase', '127.0.0.1')).resolves.toBeDefined();
    });
  }, SLOW);
});
