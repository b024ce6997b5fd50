/**
 * Opens the store on SQLite (embedded default) or PostgreSQL (DATABASE_URL=postgres://…), behind one
 * Kysely instance typed by `Schema`. Everything above this file is dialect-agnostic.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Schema } from './schema.js';
import { migrateToLatest } from './migrations.js';

export type Dialect = 'sqlite' | 'postgres';
export type Executor = Kysely<Schema> | Transaction<Schema>;

export interface Store {
  db: Kysely<Schema>;
  dialect: Dialect;
  /** Where the data lives, for log lines: a file path or the database URL with its password removed. */
  location: string;
  close(): Promise<void>;
}

// int8 (epoch milliseconds, counts) as JavaScript numbers: safe up to 2^53, far beyond any time or count here.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export interface StoreOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Run pending migrations on open (serve and tests do; `sidekey migrate` does it explicitly). */
  migrate?: boolean;
  poolSize?: number;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export async function openStore(options: StoreOptions): Promise<Store> {
  let store: Store;
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    store = { db, dialect: 'postgres', location: redactUrl(options.databaseUrl), close: () => db.destroy() };
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    const file = join(options.dataDir, 'sidekey.db');
    const sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
    store = { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
  }
  if (options.migrate !== false) await migrateToLatest(store.db);
  return store;
}
