/**
 * Every store test runs on SQLite and on PostgreSQL. Each test file gets its own fresh database (a temp
 * directory, or a uniquely named PostgreSQL database dropped afterwards), so runs never collide.
 * In CI a missing PostgreSQL fails the run; elsewhere its tests are skipped with a loud warning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createContext, type Context } from '../../src/app/context.js';
import { createScratchDatabase } from './scratch-postgres.js';

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export type DialectName = 'sqlite' | 'postgres';

let pgAvailable: Promise<boolean> | undefined;
export function isPostgresAvailable(): Promise<boolean> {
  pgAvailable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (error) {
      if (process.env.CI) throw new Error(`PostgreSQL is required in CI but unreachable at ${PG_ADMIN_URL}: ${(error as Error).message}`);
      console.warn(`\n!!! PostgreSQL unreachable at ${PG_ADMIN_URL} (${(error as Error).message}): PostgreSQL store tests are SKIPPED. Start it or set TEST_PG_URL. !!!\n`);
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgAvailable;
}

const postgresReady = await isPostgresAvailable();
export const DIALECTS: DialectName[] = postgresReady ? ['sqlite', 'postgres'] : ['sqlite'];

/** A throwaway database of the given dialect: its DATA_DIR and, for PostgreSQL, its DATABASE_URL. */
export interface TestDatabase {
  dialect: DialectName;
  dataDir: string;
  databaseUrl?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sidekey-test-'));
  if (dialect === 'sqlite') return { dialect, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  const scratch = await createScratchDatabase(PG_ADMIN_URL, 'sidekey_test');
  return {
    dialect,
    dataDir,
    databaseUrl: scratch.url,
    drop: async () => {
      await scratch.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The configuration of a test database, with `overrides` set over what the environment gave. */
export function testConfig(db: TestDatabase, overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ DATA_DIR: db.dataDir, ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}), LOG_LEVEL: 'silent' }), ...overrides };
}

/** A full service context on a fresh database; `now` may be replaced to test time-dependent rules. */
export async function createTestContext(dialect: DialectName, options: { config?: Partial<Config>; now?: () => number } = {}) {
  const db = await createTestDatabase(dialect);
  const context = await createContext(testConfig(db, options.config), { now: options.now });
  return {
    context,
    db,
    async close() {
      await context.close();
      await db.drop();
    },
  };
}

/** `describe` once per dialect: "tokens [sqlite]", "tokens [postgres]". */
export function describeEachDialect(name: string, body: (dialect: DialectName) => void): void {
  for (const dialect of DIALECTS) describe(`${name} [${dialect}]`, () => body(dialect));
}

export type TestContext = Awaited<ReturnType<typeof createTestContext>>;
export type { Context };

/**
 * Runs `runs` as several nodes on one database would. In one process, two SQLite connections cannot wait for each
 * other's write lock (better-sqlite3 waits synchronously, holding the thread the other needs): there they take
 * turns at the same instant; separate processes queue on BEGIN IMMEDIATE. PostgreSQL nodes run truly at once.
 */
export async function runAsNodes<T>(dialect: DialectName, runs: (() => Promise<T>)[]): Promise<T[]> {
  if (dialect === 'postgres') return Promise.all(runs.map((run) => run()));
  const results: T[] = [];
  for (const run of runs) results.push(await run());
  return results;
}
