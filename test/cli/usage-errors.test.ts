/**
 * Mistakes a newcomer makes with the CLI, each answered in one line on stderr that names the option or setting
 * to fix, never Node's own wording or a page of help: exit 2 for a usage or input mistake, 1 for a runtime
 * failure (a database that does not answer, a port already taken).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT_MS, type CliResult, runCli } from '../support/cli.js';

const PASSWORD = 'a long enough password';
const SLOW = CLI_TEST_TIMEOUT_MS;

let dataDir: string;

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { env: { DATA_DIR: dataDir, ...env } });

/** The whole of stderr is one line starting "sidekey: ". */
function expectOneLine(result: CliResult, code: number, pattern: RegExp) {
  expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
  expect(result.stderr).toMatch(/^sidekey: /);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at |node:internal|Error \[ERR_|Usage:/);
  expect(result.code, result.stderr).toBe(code);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sidekey-usage-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('usage mistakes: one line naming the option, exit 2', () => {
  it('a value that is not a port or a URL names the flag as it was typed', async () => {
    const [port, upstream] = await Promise.all([cli(['serve', '--port', 'abc']), cli(['serve', '--upstream', 'notaurl'])]);
    expectOneLine(port, 2, /--port must be a whole number from 0 to 65535, got "abc"/);
    expectOneLine(upstream, 2, /--upstream must be a http:\/\/ or https:\/\/ URL, got "notaurl"/);
  }, SLOW);

  it('a mistyped option is named with the one meant, before any complaint about a missing one', async () => {
    const result = await cli(['admin', 'create', '--acount', 'Brand', '--email', 'owner@brand.test', '--password-stdin']);
    expectOneLine(result, 2, /unknown option --acount for "sidekey admin create" \(did you mean --account\?\)/);
  }, SLOW);

  it('the README-style example password is refused, and so is a token that could call nothing', async () => {
    const [example, noScopes] = await Promise.all([
      cli(['admin', 'create', '--email', 'copy-paste@brand.test', '--account', 'Brand', '--password', 'at least 12 chars']),
      cli(['tokens', 'create', '--account', 'acc_any', '--name', 'Nothing']),
    ]);
    expect(example.code).toBe(2);
    expect(example.stderr).toContain('password: is an example printed in the documentation: choose your own');
    expectOneLine(noScopes, 2, /--scope is required: a token without scopes cannot call any endpoint/);
  }, SLOW);
});

describe('runtime failures: one line naming the setting, exit 1', () => {
  let busy: Server;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('a DATABASE_URL that does not answer is named, with its password masked', async () => {
    const result = await cli(['migrate'], { DATABASE_URL: 'postgres://sidekey:s3cret-pw@127.0.0.1:1/sidekey' });
    expectOneLine(result, 1, /cannot reach the database at DATABASE_URL \(postgres:\/\/sidekey:\*\*\*@127\.0\.0\.1:1\/sidekey\)/);
    expect(result.stderr).not.toContain('s3cret-pw');
  }, SLOW);

  it('a port already in use names the port and PORT / --port', async () => {
    const { port } = busy.address() as { port: number };
    const result = await cli(['serve', '--port', String(port)], { HOST: '127.0.0.1' });
    expectOneLine(result, 1, new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1 \\(PORT or --port\\)`));
  }, SLOW);
});

describe('what a command prints', () => {
  it('user add names the role by its label', async () => {
    const admin = await cli(['admin', 'create', '--email', 'owner@labels.test', '--account', 'Labels', '--password', PASSWORD, '--json']);
    expect(admin.code, admin.stderr).toBe(0);
    const { accountId } = JSON.parse(admin.stdout);
    const added = await cli(['user', 'add', '--account', accountId, '--email', 'numbers@labels.test', '--role', 'analyst', '--password', PASSWORD]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Added numbers@labels\.test as Analyst \(user usr_/);
  }, SLOW);
});

describe("the README's CLI", () => {
  it('writes every command as npx sidekey (the bin is not on PATH) and never shows a password to copy', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /## CLI[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const lines = block.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    // A line is a command, or a comment continuing the one above it.
    for (const line of lines) expect(line).toMatch(/^npx sidekey |^\s+#/);
    // A literal password in an example is a published password: only a prompt, stdin or a variable.
    expect(readme).not.toMatch(/--password ['"][^'"$…]+['"]/);
  });
});
