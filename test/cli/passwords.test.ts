/**
 * How `sidekey admin create` and `sidekey user add` take a password: piped on stdin with `--password-stdin`
 * (nothing in `ps` or shell history), typed at a prompt that echoes nothing when stdin is a terminal, or as the
 * `--password` argument. Real child processes; the terminal is a pseudo-terminal from util-linux `script`.
 * The password handling is not the store's, so one dialect is enough.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { CLI_TEST_TIMEOUT_MS, converse, databaseEnv, inspectDatabase, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const PASSWORD = 'piped and never an argument';
const SLOW = CLI_TEST_TIMEOUT_MS;
const hasScript = spawnSync('script', ['--version']).status === 0;

const sidekey = (db: TestDatabase, args: string[], stdin?: string) => runCli(args, { env: databaseEnv(db), stdin });

async function waitFor(output: () => string, text: string, count = 1) {
  for (let i = 0; i < 600 && output().split(text).length - 1 < count; i++) await new Promise((r) => setTimeout(r, 100));
}

describe('CLI passwords', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(() => db.drop());

  const signsIn = (email: string, password: string) => inspectDatabase(db, (context) => context.accounts.login(email, password, '127.0.0.1').then(() => true, () => false));

  it('admin create --password-stdin takes the password piped on stdin, so it never appears in the arguments', async () => {
    const created = await sidekey(db, ['admin', 'create', '--email', 'piped@brand.test', '--password-stdin', '--account', 'Piped', '--json'], `${PASSWORD}\n`);
    expect(created.code, created.stderr).toBe(0);
    const { accountId } = JSON.parse(created.stdout);
    expect(await signsIn('piped@brand.test', PASSWORD)).toBe(true);
    const added = await sidekey(db, ['user', 'add', '--account', accountId, '--email', 'dev@brand.test', '--role', 'analyst', '--password-stdin', '--json'], PASSWORD);
    expect(added.code, added.stderr).toBe(0);
    expect(await signsIn('dev@brand.test', PASSWORD)).toBe(true);
  }, SLOW);

  it('without a password from any source the command fails with a clear message; both sources at once are refused', async () => {
    const [none, both] = await Promise.all([
      sidekey(db, ['admin', 'create', '--email', 'none@brand.test', '--account', 'None']),
      sidekey(db, ['admin', 'create', '--email', 'both@brand.test', '--account', 'Both', '--password', PASSWORD, '--password-stdin'], PASSWORD),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--password-stdin');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
    expect(await signsIn('both@brand.test', PASSWORD)).toBe(false);
  }, SLOW);

  it('the --password argument still works for scripts', async () => {
    const result = await sidekey(db, ['admin', 'create', '--email', 'arg@brand.test', '--password', PASSWORD, '--account', 'Arg', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(await signsIn('arg@brand.test', PASSWORD)).toBe(true);
  }, SLOW);

  it.skipIf(!hasScript)('on a terminal it prompts twice and echoes nothing of what is typed', async () => {
    const typed = 'typed at a hidden prompt';
    const command = `${process.execPath} bin/sidekey.js admin create --email tty@brand.test --account Tty --json`;
    const result = await converse('script', ['-qec', command, '/dev/null'], databaseEnv(db), async (stdin, output) => {
      await waitFor(output, 'Password: ');
      stdin.write(`${typed}\r`);
      await waitFor(output, 'Repeat the password: ');
      stdin.write(`${typed}\r`);
      await waitFor(output, 'accountId');
      stdin.end();
    });
    expect(result.stdout).toContain('Password: ');
    expect(result.stdout).toContain('"accountId"');
    expect(result.stdout).not.toContain(typed);
    expect(await signsIn('tty@brand.test', typed)).toBe(true);
  }, SLOW);
});
