/**
 * @sidekey/sdk as a service installs it: built, packed with `npm pack`, installed from the tarball into a
 * scratch project outside the repository (offline: the package has no dependencies), imported by plain `node`
 * (no TypeScript loader), and used against a real `sidekey serve` process: a real token is allowed, and a wrong
 * secret is refused with the same status, headers and envelope as Sidekey's own gateway answers.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateAuthToken } from '../src/domain/credentials.js';
import { ROOT, type RunningServer, startSidekey } from '../test/support/servers.js';
import { sharedEnvironment } from '../test/support/nodes.js';
import { TEST_PASSWORD } from '../test/support/fixtures.js';
import { basic } from '../test/verify/helpers.js';

const run = promisify(execFile);
const SDK = join(ROOT, 'sdk');
const VERIFY_KEY = 'package-test-verify-key-0123456789';
/** Headers of the connection, not of the refusal, and Sidekey's id of its own request. */
const NOT_OF_THE_REFUSAL = new Set(['date', 'connection', 'keep-alive', 'x-request-id']);

/** What the scratch project runs, as any service would: `import … from '@sidekey/sdk'`. */
const SERVICE = `
import { createServer } from 'node:http';
import { createClient, sidekeyMiddleware, VERIFICATION_CODES } from '@sidekey/sdk';

const [baseUrl, verifyKey, accountSid, authToken, wrongAuthorization, realm] = process.argv.slice(2);
const client = createClient({ baseUrl, verifyKey });
const target = '/Advertisers/' + accountSid + '/Actions';
const verdict = await client.verify({ accountSid, authToken, method: 'GET', path: target });

const protect = sidekeyMiddleware(client, { realm });
const service = createServer((request, response) => protect(request, response, () => response.end('allowed')));
await new Promise((resolve) => service.listen(0, '127.0.0.1', resolve));
const response = await fetch('http://127.0.0.1:' + service.address().port + target, { headers: { authorization: wrongAuthorization } });
const refused = { status: response.status, headers: [...response.headers], body: await response.text() };
service.close();
console.log(JSON.stringify({ codes: VERIFICATION_CODES, verdict, refused }));
`;

let scratch: string;
let dataDir: string;
let sidekey: RunningServer;
let env: NodeJS.ProcessEnv;

async function cli(args: string[]) {
  const { stdout } = await run(process.execPath, ['bin/sidekey.js', ...args, '--json'], { cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'silent' } });
  return JSON.parse(stdout);
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'sidekey-sdk-consumer-'));
  dataDir = mkdtempSync(join(tmpdir(), 'sidekey-sdk-data-'));
  env = sharedEnvironment({ dataDir }, { SIDEKEY_VERIFY_KEY: VERIFY_KEY });
}, 60_000);
afterAll(async () => {
  await sidekey?.stop();
  rmSync(scratch, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

it(
  'packs, installs offline into a project outside the repository, and protects a service under plain node',
  async () => {
    // `npm pack` builds sdk/dist first (its prepack script): never a stale or missing build, no step for CI.
    const packed = JSON.parse((await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: SDK })).stdout) as { filename: string; files: { path: string }[] }[];
    expect(packed[0].files.map((f) => f.path)).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/sdk/index.js', 'dist/sdk/index.d.ts', 'dist/src/domain/verification-answers.js']));
    expect(packed[0].files.filter((f) => f.path.endsWith('.ts') && !f.path.endsWith('.d.ts'))).toEqual([]);

    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'sdk-consumer', private: true, type: 'module' }));
    writeFileSync(join(scratch, 'service.mjs'), SERVICE);
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(scratch, packed[0].filename)], { cwd: scratch });
    const installed = JSON.parse(readFileSync(join(scratch, 'node_modules/@sidekey/sdk/package.json'), 'utf8'));
    expect(installed).toMatchObject({ name: '@sidekey/sdk', type: 'module' });
    expect(installed.private).toBeUndefined();

    const { accountId } = await cli(['admin', 'create', '--email', 'owner@sdk.test', '--password', TEST_PASSWORD, '--account', 'SDK Brand']);
    await cli(['account', 'enable-api', '--account', accountId]);
    const { token, authToken } = await cli(['tokens', 'create', '--account', accountId, '--name', 'SDK package test', '--scope', 'listActions']);
    // Also a gateway, to see how Sidekey itself refuses the same request; its upstream is never reached.
    sidekey = await startSidekey(env, ['--upstream', 'http://127.0.0.1:9']);

    const wrongAuthorization = basic(token.accountSid, generateAuthToken());
    const realm = 'impact.com Brand API';
    const { NODE_OPTIONS: _loader, ...plainEnv } = process.env;
    const { stdout } = await run(process.execPath, ['service.mjs', sidekey.url, VERIFY_KEY, token.accountSid, authToken, wrongAuthorization, realm], { cwd: scratch, env: plainEnv });
    const { codes, verdict, refused } = JSON.parse(stdout);

    expect(codes).toContain('VERIFIER_UNAVAILABLE');
    expect(verdict).toMatchObject({ valid: true, code: 'ALLOWED', status: 200, token: { id: token.id, accountSid: token.accountSid, scopes: ['listActions'] } });

    const gateway = await fetch(`${sidekey.url}/Advertisers/${token.accountSid}/Actions`, { headers: { authorization: wrongAuthorization } });
    const ofTheRefusal = (headers: [string, string][]) => Object.fromEntries(headers.filter(([name]) => !NOT_OF_THE_REFUSAL.has(name)).sort(([a], [b]) => a.localeCompare(b)));
    const expected = { status: gateway.status, headers: ofTheRefusal([...gateway.headers]), body: await gateway.text() };
    expect(expected.status).toBe(401);
    expect(JSON.parse(expected.body)).toMatchObject({ Status: 'ERROR', Code: 'INVALID_CREDENTIALS', Errors: [{ Field: 'Authorization' }] });
    expect({ ...refused, headers: ofTheRefusal(refused.headers) }).toEqual(expected);
  },
  240_000,
);
