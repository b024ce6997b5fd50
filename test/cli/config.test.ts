import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { loadCatalog } from '../../src/app/context.js';
import { openStore } from '../../src/store/database.js';
import { operator } from '../../src/domain/actor.js';
import { createTestContext, DIALECTS } from '../support/databases.js';

describe('configuration', () => {
  it('has working defaults: 127.0.0.1:8080, ./data, the brand catalog, IR SIDs, retrievable secrets', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, sidPrefix: 'IR', revealMode: 'retrievable', previousMasterKeys: [], trustedProxies: [], logLevel: 'info' });
    expect(config.dataDir).toBe(join(process.cwd(), 'data'));
    expect(config.catalogPath).toMatch(/catalog\/brand\.json$/);
    expect(loadCatalog(config.catalogPath).latestVersion).toBe(14);
  });

  it('reads the environment, lists split on commas', () => {
    const config = loadConfig({ PORT: '9090', HOST: '0.0.0.0', SID_PREFIX: 'XY', SIDEKEY_REVEAL: 'once', TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2', SIDEKEY_PREVIOUS_MASTER_KEYS: 'a,,b ' });
    expect(config).toMatchObject({ port: 9090, host: '0.0.0.0', sidPrefix: 'XY', revealMode: 'once', trustedProxies: ['10.0.0.1', '10.0.0.2'], previousMasterKeys: ['a', 'b'] });
  });

  it('the staleness bound, the database deadline and the usage flush interval: defaults, environment, and bad values refused', () => {
    expect(loadConfig({})).toMatchObject({ maxStalenessMs: 1500, databaseTimeoutMs: 1000, usageFlushIntervalMs: 5000 });
    expect(loadConfig({ SIDEKEY_MAX_STALENESS_MS: '2000', DATABASE_TIMEOUT_MS: '800', USAGE_FLUSH_INTERVAL_MS: '1000' })).toMatchObject({ maxStalenessMs: 2000, databaseTimeoutMs: 800, usageFlushIntervalMs: 1000 });
    expect(() => loadConfig({ SIDEKEY_MAX_STALENESS_MS: 'soon', DATABASE_TIMEOUT_MS: '0', USAGE_FLUSH_INTERVAL_MS: '1.5' })).toThrow(/SIDEKEY_MAX_STALENESS_MS must be[\s\S]*DATABASE_TIMEOUT_MS must be[\s\S]*USAGE_FLUSH_INTERVAL_MS must be/);
  });

  it('refuses bad values at start-up, naming each', () => {
    expect(() => loadConfig({ PORT: 'http', SID_PREFIX: 'ir', SIDEKEY_REVEAL: 'never' })).toThrow(/PORT must be 0-65535[\s\S]*SID_PREFIX must be two capital letters[\s\S]*SIDEKEY_REVEAL must be "retrievable" or "once"/);
  });

  it('a catalog that cannot be read or is invalid stops start-up with its path and the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidekey-config-'));
    expect(() => loadCatalog(join(dir, 'missing.json'))).toThrow(/Cannot read the scope catalog at .*missing\.json \(CATALOG_PATH\)/);
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    expect(() => loadCatalog(join(dir, 'broken.json'))).toThrow(/CATALOG_PATH/);
    writeFileSync(join(dir, 'empty.json'), JSON.stringify({ versions: [], categories: [] }));
    expect(() => loadCatalog(join(dir, 'empty.json'))).toThrow(/catalog is invalid:[\s\S]*at least one version/);
  });

  it('a DATABASE_URL that is not postgres:// is refused with a clear message', async () => {
    await expect(openStore({ dataDir: mkdtempSync(join(tmpdir(), 'sidekey-config-')), databaseUrl: 'mysql://localhost/db' })).rejects.toThrow(/DATABASE_URL must start with postgres:\/\//);
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
});
