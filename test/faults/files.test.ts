/**
 * What a kill -9 or another local user can see or lose on disk: the SQLite files hold password hashes, token
 * hashes and ciphertexts, so they are the owner's only; usage counters reach the database every
 * USAGE_FLUSH_INTERVAL_MS, which bounds what a kill -9 loses.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/database.js';
import { createTestContext } from '../support/databases.js';
import { createBrand } from '../support/fixtures.js';
import { apiPath, issueToken } from '../verify/helpers.js';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sidekey-files-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('files on disk', () => {
  it('the SQLite database and its -wal and -shm files are created readable and writable by their owner only (0600)', async () => {
    const dir = freshDir();
    const store = await openStore({ dataDir: dir });
    try {
      await store.db.insertInto('accounts').values({ id: 'acc_files', name: 'Files', api_access_enabled: 0, legacy_tokens_enabled: 0, created_at: Date.now() }).execute();
      const file = join(dir, 'sidekey.db');
      for (const path of [file, `${file}-wal`, `${file}-shm`]) {
        expect(existsSync(path), path).toBe(true);
        expect(modeOf(path).toString(8), path).toBe('600');
      }
    } finally {
      await store.close();
    }
  });

  it('a database file left readable by others (0644) is tightened to 0600 when opened', async () => {
    const dir = freshDir();
    const first = await openStore({ dataDir: dir });
    await first.close();
    const file = join(dir, 'sidekey.db');
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, '');
    chmodSync(`${file}-wal`, 0o644);
    const again = await openStore({ dataDir: dir });
    try {
      expect(modeOf(file).toString(8)).toBe('600');
      expect(modeOf(`${file}-wal`).toString(8)).toBe('600');
    } finally {
      await again.close();
    }
  });

  it('usage counters are written every USAGE_FLUSH_INTERVAL_MS, so a kill -9 loses at most that much of them', async () => {
    const t = await createTestContext('sqlite', { config: { usageFlushIntervalMs: 100 } });
    try {
      const brand = await createBrand(t.context);
      const issued = await issueToken(t.context, brand);
      expect((await t.context.verifier.verify({ authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid) })).code).toBe('ALLOWED');
      const started = Date.now();
      let usage = await t.context.tokens.usage(brand.admin, brand.accountId, issued.tokenId);
      while (usage.lastUsedAt === null && Date.now() - started < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        usage = await t.context.tokens.usage(brand.admin, brand.accountId, issued.tokenId);
      }
      expect(usage.days[usage.days.length - 1].allowed).toBe(1);
      expect(usage.lastUsedAt).not.toBeNull();
    } finally {
      await t.close();
    }
  });
});
