/** What a SQLite store sets on its connection. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../../src/store/database.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('a SQLite store', () => {
  it("keeps SQLite's own 2 MB page cache, not the 16 MB better-sqlite3 is built with (native memory held for good once misses fill it)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidekey-sqlite-settings-'));
    dirs.push(dir);
    const store = await openStore({ dataDir: dir });
    try {
      const { rows } = await sql<{ cache_size: number }>`pragma cache_size`.execute(store.db);
      expect(rows).toEqual([{ cache_size: -2000 }]);
    } finally {
      await store.close();
    }
  });
});
