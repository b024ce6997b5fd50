import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VARIABLES, loadConfig } from '../../src/config.js';
import { loadCatalog } from '../../src/app/context.js';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { operator } from '../../src/domain/actor.js';
import { createTestContext, DIALECTS } from '../support/databases.js';
import { GitHubReporter } from '../support/github-reporter.js';

describe('configuration', () => {
  it('has working defaults: 127.0.0.1:8080, ./data, the brand catalog, IR SIDs, retrievable secrets', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, sidPrefix: 'IR', revealMode: 'retrievable', previousMasterKeys: [], trustedProxies: [], logLevel: 'info' });
    expect(config.dataDir).toBe(join(process.cwd(), 'data'));
    expect(config.catalogPath).toMatch(/catalog\/brand\.json$/);
    expect(loadCatalog(config.catalogPath).latestVersion).toBe(14);
  });

  it('reads the environment, lists split on commas, keys as base64 or hex', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const config = loadConfig({ PORT: '9090', HOST: '0.0.0.0', SID_PREFIX: 'XY', SIDEKEY_REVEAL: 'once', TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2', SIDEKEY_PREVIOUS_MASTER_KEYS: `${a.toString('base64')},,${b.toString('hex')} `, LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ port: 9090, host: '0.0.0.0', sidPrefix: 'XY', revealMode: 'once', trustedProxies: ['10.0.0.1', '10.0.0.2'], previousMasterKeys: [a, b], logLevel: 'debug' });
  });

  it('refuses bad values at start-up, naming every one', () => {
    const bad = { PORT: 'http', SID_PREFIX: 'ir', SIDEKEY_REVEAL: 'never', SESSION_TTL_SECONDS: '59', SIDEKEY_FORWARD_AUTH: 'apache', LOG_LEVEL: 'verbose', TRUSTED_PROXIES: 'loopback, proxy.internal, 10.0.0.0/255.0.255.0', UPSTREAM_URL: 'platform:9000', DATABASE_URL: 'mysql://root:hunter2@localhost/db' };
    let message = '';
    try {
      loadConfig(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    const lines = message.split('\n').slice(1).map((line) => line.trim());
    expect(lines).toEqual([
      'PORT must be a whole number from 0 to 65535, got "http"',
      'DATABASE_URL must be a postgres:// or postgresql:// URL',
      'SID_PREFIX must be two capital letters, got "ir"',
      'SIDEKEY_REVEAL must be one of "retrievable", "once", got "never"',
      'UPSTREAM_URL must be a http:// or https:// URL, got "platform:9000"',
      expect.stringMatching(/^TRUSTED_PROXIES "proxy.internal" is not an IP address.*; "10.0.0.0\/255.0.255.0" is not/),
      'SIDEKEY_FORWARD_AUTH must be one of "nginx", "traefik", "caddy", "envoy", got "apache"',
      'LOG_LEVEL must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"',
      'SESSION_TTL_SECONDS must be a whole number from 60 up, got "59"',
    ]);
    expect(message).not.toContain('hunter2');
  });

  it('a port, session lifetime or level is exact: no fractions, signs or spaces, and an empty variable is unset', () => {
    for (const PORT of ['8080.5', '-1', ' 80', '65536', '1e3', '0x50']) expect(() => loadConfig({ PORT }), PORT).toThrow(/PORT must be a whole number/);
    expect(loadConfig({ PORT: '0', SESSION_TTL_SECONDS: '60', LOG_LEVEL: 'silent' })).toMatchObject({ port: 0, sessionTtlSeconds: 60, logLevel: 'silent' });
    const empty = loadConfig({ PORT: '', HOST: '', UPSTREAM_URL: '', DATABASE_URL: '' });
    expect(empty).toMatchObject({ port: 8080, host: '127.0.0.1' });
    expect([empty.upstreamUrl, empty.databaseUrl]).toEqual([undefined, undefined]);
  });

  it('e-mail: SMTP_URL is smtp:// or smtps:// and needs MAIL_FROM (one address) and PUBLIC_URL; the password is never repeated', () => {
    const on = loadConfig({ SMTP_URL: 'smtps://mailer:s3cret-pw@mail.brand.test:465', MAIL_FROM: 'Sidekey <sidekey@brand.test>', PUBLIC_URL: 'https://sidekey.brand.test' });
    expect(on).toMatchObject({ smtpUrl: 'smtps://mailer:s3cret-pw@mail.brand.test:465', mailFrom: 'Sidekey <sidekey@brand.test>' });
    expect(loadConfig({}).smtpUrl).toBeUndefined();
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as Error).message.split('\n').slice(1).map((line) => line.trim());
      }
    };
    expect(problems({ SMTP_URL: 'https://s3cret-pw@mail.brand.test', MAIL_FROM: 'sidekey@brand.test', PUBLIC_URL: 'https://sidekey.brand.test' })).toEqual(['SMTP_URL must be a smtp:// or smtps:// URL']);
    expect(problems({ SMTP_URL: 'smtp://mail.brand.test', MAIL_FROM: 'Sidekey <not an address>', PUBLIC_URL: 'https://sidekey.brand.test' })).toEqual([expect.stringMatching(/^MAIL_FROM must be one e-mail address, .*, got "Sidekey <not an address>"$/)]);
    expect(problems({ SMTP_URL: 'smtp://mail.brand.test' })).toEqual([
      'MAIL_FROM must be set when SMTP_URL is: it is the sender of every notification',
      'PUBLIC_URL must be set when SMTP_URL is: notifications link to the token page at this address',
    ]);
    for (const from of ['sidekey@brand.test', 'Sidekey Notifications <sidekey@brand.test>']) expect(problems({ SMTP_URL: 'smtp://mail.brand.test', MAIL_FROM: from, PUBLIC_URL: 'https://x.test' }), from).toEqual([]);
    for (const from of ['two@brand.test, three@brand.test', 'nobody', 'a@b', 'x@y.z\r\nBcc: victim@brand.test']) expect(problems({ SMTP_URL: 'smtp://mail.brand.test', MAIL_FROM: from, PUBLIC_URL: 'https://x.test' }).join(' '), from).toMatch(/^MAIL_FROM must be one e-mail address/);
  });

  it('TRUSTED_PROXIES takes the forms Fastify takes, netmasks included', () => {
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/255.0.0.0, uniquelocal, ::1, 192.168.0.0/16' }).trustedProxies).toEqual(['10.0.0.0/255.0.0.0', 'uniquelocal', '::1', '192.168.0.0/16']);
    expect(() => loadConfig({ TRUSTED_PROXIES: '0.0.0.0/0' })).toThrow(/TRUSTED_PROXIES "0.0.0.0\/0" is every address/);
  });

  it('`serve --port abc` is refused like PORT=abc, before anything starts, naming the flag as typed', () => {
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', 'abc'], { encoding: 'utf8', env: { ...process.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'sidekey-config-')) }, timeout: 30_000 });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toBe('sidekey: --port must be a whole number from 0 to 65535, got "abc"\n');
  });

  it("the README's configuration table documents every setting with its default, and no setting that does not exist", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const documented = rows.map((row) => {
      const [variable, fallback] = row.split('|').slice(1, 3).map((cell) => cell.trim());
      // A default in code is a literal; prose (unset, none, key file, derived) means the setting has none.
      const literal = /^`([^`]*)`$/.exec(fallback);
      return { env: variable.replace(/`/g, ''), default: literal ? literal[1] : undefined };
    });
    const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
    // A default inside the package (the built-in catalog) is documented relative to it.
    const shown = (fallback: string | undefined) => (fallback && isAbsolute(fallback) ? relative(packageRoot, fallback) : fallback || undefined);
    const byName = (a: { env: string }, b: { env: string }) => a.env.localeCompare(b.env);
    expect(documented.sort(byName)).toEqual(VARIABLES.map((v) => ({ env: v.env, default: shown(v.default) })).sort(byName));
    for (const variable of VARIABLES) expect(variable.description, variable.env).not.toBe('');
  });

  it('the staleness bound, the database deadline and the usage flush interval: defaults, environment, and bad values refused', () => {
    expect(loadConfig({})).toMatchObject({ maxStalenessMs: 1500, databaseTimeoutMs: 1000, usageFlushIntervalMs: 5000 });
    expect(loadConfig({ SIDEKEY_MAX_STALENESS_MS: '2000', DATABASE_TIMEOUT_MS: '800', USAGE_FLUSH_INTERVAL_MS: '1000' })).toMatchObject({ maxStalenessMs: 2000, databaseTimeoutMs: 800, usageFlushIntervalMs: 1000 });
    expect(() => loadConfig({ SIDEKEY_MAX_STALENESS_MS: 'soon', DATABASE_TIMEOUT_MS: '0', USAGE_FLUSH_INTERVAL_MS: '1.5' })).toThrow(/SIDEKEY_MAX_STALENESS_MS must be[\s\S]*DATABASE_TIMEOUT_MS must be[\s\S]*USAGE_FLUSH_INTERVAL_MS must be/);
  });

  it('the token cache size: 200000 by default, set by TOKEN_CACHE_ENTRIES, and a bad value refused naming the setting', () => {
    expect(loadConfig({}).tokenCacheEntries).toBe(200_000);
    expect(loadConfig({ TOKEN_CACHE_ENTRIES: '1100000' }).tokenCacheEntries).toBe(1_100_000);
    for (const bad of ['lots', '1e6', '-5', '99', '1_000_000', '100000001']) {
      expect(() => loadConfig({ TOKEN_CACHE_ENTRIES: bad }), bad).toThrow(`TOKEN_CACHE_ENTRIES must be a whole number from 100 to 100000000, got "${bad}"`);
    }
  });

  it('a catalog that cannot be read or is invalid stops start-up with its path and the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidekey-config-'));
    expect(() => loadCatalog(join(dir, 'missing.json'))).toThrow(/Cannot read the scope catalog at .*missing\.json \(CATALOG_PATH\)/);
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    expect(() => loadCatalog(join(dir, 'broken.json'))).toThrow(/CATALOG_PATH/);
    writeFileSync(join(dir, 'empty.json'), JSON.stringify({ versions: [], categories: [] }));
    expect(() => loadCatalog(join(dir, 'empty.json'))).toThrow(/catalog is invalid:[\s\S]*at least one version/);
  });

  it.each(DIALECTS)('a configured SID prefix is used for new tokens [%s]', async (dialect) => {
    const t = await createTestContext(dialect, { config: { sidPrefix: 'XY' } });
    try {
      const { accountId } = await t.context.accounts.createAccount('Prefixed');
      await t.context.tokens.enableApiAccess(operator(), accountId);
      const { token } = await t.context.tokens.create(operator(), accountId, { name: 'XY token' });
      expect(token.accountSid).toMatch(/^XY[0-9A-Za-z]{32}$/);
    } finally {
      await t.close();
    }
  });

  it("LEAK_REPORT_PUBLIC_KEYS: GitHub's public-keys document inline or in a file; unset, no key; a bad one refused naming the setting", () => {
    const [github, previous] = [new GitHubReporter(), new GitHubReporter()];
    expect(loadConfig({}).leakReportPublicKeys).toBeUndefined();
    const inline = loadConfig({ LEAK_REPORT_PUBLIC_KEYS: github.publicKeys(previous) }).leakReportPublicKeys!;
    expect(inline.map((k) => k.keyIdentifier)).toEqual([github.keyIdentifier, previous.keyIdentifier]);
    const file = join(mkdtempSync(join(tmpdir(), 'sidekey-leak-keys-')), 'secret_scanning.json');
    writeFileSync(file, github.publicKeys());
    expect(loadConfig({ LEAK_REPORT_PUBLIC_KEYS: file }).leakReportPublicKeys!.map((k) => k.keyIdentifier)).toEqual([github.keyIdentifier]);
    expect(() => loadConfig({ LEAK_REPORT_PUBLIC_KEYS: `${file}.missing` })).toThrow(/LEAK_REPORT_PUBLIC_KEYS names a file that cannot be read \(ENOENT\)/);
    expect(() => loadConfig({ LEAK_REPORT_PUBLIC_KEYS: '{"public_keys": [{"key_identifier": "k", "key": "nope"}]}' })).toThrow(/LEAK_REPORT_PUBLIC_KEYS public_keys\[0\]\.key is not a PEM public key/);
    expect(() => loadConfig({ LEAK_REPORT_PUBLIC_KEYS: '{"keys": []}' })).toThrow(/LEAK_REPORT_PUBLIC_KEYS must be a JSON object with a non-empty "public_keys" list/);
  });
});
