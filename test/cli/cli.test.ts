/**
 * The CLI as scripts use it: `node bin/sidekey.js …` in a child process, with DATA_DIR (and DATABASE_URL for
 * PostgreSQL) in the environment, `--json` on stdout, a clear message on stderr and a non-zero exit code
 * on failure.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { operator } from '../../src/domain/actor.js';
import { isWellFormedAuthToken } from '../../src/domain/credentials.js';
import { CLI_TEST_TIMEOUT_MS, databaseEnv, inspectDatabase, runCli } from '../support/cli.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/databases.js';

const PASSWORD = 'a long enough password';
const SLOW = CLI_TEST_TIMEOUT_MS;

const cli = (db: TestDatabase, args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { env: { ...databaseEnv(db), ...env } });

async function json(db: TestDatabase, args: string[]) {
  const result = await cli(db, [...args, '--json']);
  if (result.code !== 0) throw new Error(`sidekey ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describeEachDialect('sidekey CLI', (dialect) => {
  let db: TestDatabase;
  let accountId: string;
  let adminId: string;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterAll(() => db.drop());

  const inspect = <T>(fn: Parameters<typeof inspectDatabase<T>>[1]) => inspectDatabase(db, fn);

  it('admin create --json prints exactly {userId, accountId}; the administrator can sign in', async () => {
    const result = await json(db, ['admin', 'create', '--email', 'owner@brand.test', '--password', PASSWORD, '--account', 'CLI Brand']);
    expect(Object.keys(result).sort()).toEqual(['accountId', 'userId']);
    expect(result.userId).toMatch(/^usr_/);
    expect(result.accountId).toMatch(/^acc_/);
    ({ accountId, userId: adminId } = result);
    await inspect(async (context) => {
      const { session } = await context.accounts.login('owner@brand.test', PASSWORD, '127.0.0.1');
      expect(session.userId).toBe(adminId);
      expect((await context.accounts.me(adminId)).accounts).toEqual([{ id: accountId, name: 'CLI Brand', role: 'account_administrator' }]);
    });
  }, SLOW);

  it('user add --json prints exactly {userId, existing, inviteUrl} (account create: {accountId}); a short password is refused with a clear message, a non-zero exit and nothing created', async () => {
    const [added, short, shortAdmin, badRole, account] = await Promise.all([
      json(db, ['user', 'add', '--account', accountId, '--email', 'dev@brand.test', '--password', PASSWORD, '--role', 'implementation_specialist']),
      cli(db, ['user', 'add', '--account', accountId, '--email', 'short@brand.test', '--password', 'elevenchars', '--role', 'analyst', '--json']),
      cli(db, ['admin', 'create', '--email', 'short-admin@brand.test', '--password', 'short', '--account', 'Nope', '--json']),
      cli(db, ['user', 'add', '--account', accountId, '--email', 'role@brand.test', '--password', PASSWORD, '--role', 'owner']),
      json(db, ['account', 'create', '--name', 'Second brand']),
    ]);
    expect(Object.keys(account)).toEqual(['accountId']);
    expect(added).toEqual({ userId: expect.stringMatching(/^usr_/), existing: false, inviteUrl: null });
    for (const refused of [short, shortAdmin]) {
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('password: must be at least 12 characters');
      expect(refused.stdout).toBe('');
    }
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/argument 'owner' is invalid/);
    await inspect(async (context) => {
      const users = await context.accounts.listUsers(operator(), accountId);
      expect(users.map((u) => [u.email, u.role]).sort()).toEqual([
        ['dev@brand.test', 'implementation_specialist'],
        ['owner@brand.test', 'account_administrator'],
      ]);
      expect(await context.accounts.findUserByEmail('short-admin@brand.test')).toBeUndefined();
    });
  }, SLOW);

  it('tokens create, list, reset, disable, enable and delete with --json', async () => {
    const refused = await cli(db, ['tokens', 'create', '--account', accountId, '--name', 'Too early', '--scope', 'listActions', '--json']);
    expect(refused.code).toBe(5); // 409: API access is not enabled yet
    expect(refused.stderr).toContain('Enable API access first');
    expect(await json(db, ['account', 'enable-api', '--account', accountId])).toEqual({ apiAccessEnabled: true, legacyTokensEnabled: false });

    const created = await json(db, ['tokens', 'create', '--account', accountId, '--name', 'Nightly export', '--description', 'From the shell', '--api-version', '13', '--scope', 'listActions', 'acceptContract', '--developer-email', 'ops@brand.test']);
    expect(Object.keys(created).sort()).toEqual(['authToken', 'token']);
    expect(isWellFormedAuthToken(created.authToken)).toBe(true);
    expect(created.token).toMatchObject({ name: 'Nightly export', description: 'From the shell', apiVersion: 13, scopes: ['acceptContract', 'listActions'], developerEmails: ['ops@brand.test'], state: 'enabled', kind: 'scoped' });
    const id = created.token.id;

    const listed = await json(db, ['tokens', 'list', '--account', accountId, '--name', 'NIGHTLY', '--state', 'enabled', '--created-on', 'last7']);
    expect(listed.items.map((t: { id: string }) => t.id)).toEqual([id]);
    expect(listed.nextCursor).toBeNull();
    expect(JSON.stringify(listed)).not.toContain(created.authToken);

    const reset = await json(db, ['tokens', 'reset', id, '--account', accountId, '--grace-seconds', '60']);
    expect(reset.token.id).toBe(id);
    expect(isWellFormedAuthToken(reset.authToken)).toBe(true);
    expect(reset.authToken).not.toBe(created.authToken);
    expect(reset.token.graceExpiresAt).toBeGreaterThan(Date.now());

    expect((await json(db, ['tokens', 'disable', id, '--account', accountId])).state).toBe('disabled');
    expect((await json(db, ['tokens', 'enable', id, '--account', accountId])).state).toBe('enabled');
    expect(await json(db, ['tokens', 'delete', id, '--account', accountId])).toEqual({ deleted: id });

    await inspect(async (context) => {
      await expect(context.tokens.get(operator(), accountId, id)).rejects.toMatchObject({ status: 404 });
      const events = await context.store.db.selectFrom('audit_events').select(['action', 'details']).where('token_id', '=', id).execute();
      expect(events.map((e) => e.action).sort()).toEqual(['token.create', 'token.delete', 'token.disable', 'token.enable', 'token.reset']);
      for (const e of events) expect(JSON.parse(e.details).via).toBe('cli');
    });
  }, SLOW);

  it('failures print "sidekey: …" on stderr and exit 2 (bad input), 4 (not found)', async () => {
    const [unknownToken, unknownAccount, badLimit, badScope] = await Promise.all([
      cli(db, ['tokens', 'reset', 'tok_nope', '--account', accountId, '--json']),
      cli(db, ['tokens', 'list', '--account', 'acc_nope', '--json']),
      cli(db, ['tokens', 'list', '--account', accountId, '--limit', 'many', '--json']),
      cli(db, ['tokens', 'create', '--account', accountId, '--name', 'x', '--scope', 'notAScope', '--json']),
    ]);
    expect(unknownToken).toMatchObject({ code: 4, stdout: '', stderr: 'sidekey: Token not found.\n' });
    expect(unknownAccount).toMatchObject({ code: 4, stderr: 'sidekey: Account not found.\n' });
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('limit: must be an integer from 1 to 200');
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('scopes: unknown in API version 14: notAScope');
  }, SLOW);

  it('migrate --json on an up-to-date database applies nothing', async () => {
    expect(await json(db, ['migrate'])).toEqual({ applied: [] });
  }, SLOW);

  it('commands that do not serve never touch Redis: with REDIS_URL on a closed port, migrate (of a fresh database too) and tokens list succeed and log no Redis warning', async () => {
    const redisUrl = `redis://127.0.0.1:${await closedPort()}`;
    // At "info", a verification runtime would report "Redis did not answer at start-up" here.
    const env = { REDIS_URL: redisUrl, LOG_LEVEL: 'info' };
    const fresh = await createTestDatabase(dialect);
    try {
      const first = await cli(fresh, ['migrate', '--json'], env);
      const migrate = await cli(db, ['migrate', '--json'], env);
      const list = await cli(db, ['tokens', 'list', '--account', accountId, '--json'], env);
      for (const result of [first, migrate, list]) {
        expect(result.code, result.stderr).toBe(0);
        expect(`${result.stdout}${result.stderr}`).not.toMatch(/redis/i);
      }
      expect(JSON.parse(first.stdout).applied).toContain('0004_change_log');
      expect(JSON.parse(migrate.stdout)).toEqual({ applied: [] });
      expect(JSON.parse(list.stdout)).toMatchObject({ items: expect.any(Array) });
    } finally {
      await fresh.drop();
    }
  }, SLOW);
});

/** A port nothing listens on: one the system just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
