/**
 * How `sidekey admin create` and `sidekey user add` take a password: piped on stdin with `--password-stdin`
 * (nothing in `ps` or shell history), typed at a prompt that echoes nothing when stdin is a terminal, or as the
 * `--password` argument. Real child processes; the terminal is a pseudo-terminal from util-linux `script`.
 * The password handling is not the store's, so one dialect is enough.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createContext } from '../../src/app/context.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../support/databases.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PASSWORD = 'piped and never an argument';
const SLOW = 180_000;
const hasScript = spawnSync('script', ['--version']).status === 0;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `feed` writing to its stdin (given what it has printed so far), until it exits. */
function run(db: TestDatabase, command: string, args: string[], feed: (stdin: NodeJS.WritableStream, output: () => string) => Promise<void>): Promise<Run> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: db.dataDir, LOG_LEVEL: 'silent' };
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    void feed(child.stdin, () => stdout + stderr);
  });
}

const sidekey = (db: TestDatabase, args: string[], input?: string) =>
  run(db, process.execPath, ['bin/sidekey.js', ...args], async (stdin) => {
    if (input !== undefined) stdin.write(input);
    stdin.end();
  });

async function waitFor(output: () => string, text: string, count = 1) {
  for (let i = 0; i < 600 && output().split(text).length - 1 < count; i++) await new Promise((r) => setTimeout(r, 100));
}

describe('CLI passwords', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(() => db.drop());

  async function signsIn(email: string, password: string) {
    const context = await createContext(testConfig(db));
    try {
      return await context.accounts.login(email, password, '127.0.0.1').then(() => true, () => false);
    } finally {
      await context.close();
    }
  }

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
    const result = await run(db, 'script', ['-qec', command, '/dev/null'], async (stdin, output) => {
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
