/**
 * Opens the store on SQLite (embedded default) or PostgreSQL (DATABASE_URL=postgres://…), behind one
 * Kysely handle (`Database`) typed by the table definitions (`Schema`). Everything above this file is
 * dialect-agnostic.
 *
 * Every call has a deadline, and a database that fails is an answer, never a crash:
 * - PostgreSQL: connecting (or waiting for a pooled connection) and each query are bounded by `timeoutMs`; the
 *   server cancels a statement a little before that. A connection that timed out or broke is discarded rather
 *   than handed out again, and such failures reach callers as `unavailable` (503). The pool and every client,
 *   idle or in use, have an 'error' listener: a terminated backend or a restarted server costs the connections
 *   it held, not the process. Migrations run before, on their own connection, without the query deadline.
 * - SQLite: a write transaction takes the write lock when it begins (BEGIN IMMEDIATE), waiting at most
 *   `timeoutMs` for another process to release it; a lock not obtained in time is `unavailable` too. The files
 *   (database, -wal, -shm) are readable by their owner only: they hold password hashes and token hashes.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { type CompiledQuery, Kysely, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import type { PostgresPool, PostgresPoolClient, SqliteDatabase } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { unavailable } from '../domain/errors.js';
import type { Schema } from './schema.js';
import { migrateToLatest } from './migrations.js';

export type Dialect = 'sqlite' | 'postgres';
/** The Kysely handle every query runs on (its tables are `Schema`, in schema.ts). */
export type Database = Kysely<Schema>;
/** What a query function runs on: the handle, or a transaction opened on it. */
export type Executor = Database | Transaction<Schema>;

export interface Store {
  db: Database;
  dialect: Dialect;
  /** Where the data lives, for log lines: a file path or the database URL with its password removed. */
  location: string;
  /** The deadline of one database call (connect, or a query), in ms. */
  timeoutMs: number;
  /** PostgreSQL only: the connection pool right now (read at metrics scrape time). */
  poolState?: () => PoolState;
  close(): Promise<void>;
}

interface PoolState {
  /** Connections open, idle or in use. */
  total: number;
  idle: number;
  /** Callers waiting for a connection because all of them are in use. */
  waiting: number;
}

// int8 (epoch milliseconds, counts) as JavaScript numbers: safe up to 2^53, far beyond any time or count here.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export const DEFAULT_DATABASE_TIMEOUT_MS = 1_000;

export interface StoreOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Run pending migrations on open (serve and tests do; `sidekey migrate` does it explicitly). */
  migrate?: boolean;
  poolSize?: number;
  timeoutMs?: number;
  /** A pooled connection failed while nobody was using it (logged; the pool replaces it). */
  onConnectionError?: (error: unknown) => void;
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
  const timeoutMs = options.timeoutMs ?? DEFAULT_DATABASE_TIMEOUT_MS;
  if (options.databaseUrl) {
    if (options.migrate !== false) await migratePostgres(options.databaseUrl, timeoutMs);
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      // The server gives up first, so a slow statement ends cleanly and its connection stays usable.
      statement_timeout: Math.max(1, timeoutMs - 100),
      // A node cut off inside a transaction (a partition, a frozen process) holds its row locks until the server
      // gives up on it: soon, so other nodes' writes to those rows fail for a moment, not for as long as TCP waits.
      // No transaction here waits on anything but its own statements.
      idle_in_transaction_session_timeout: 2 * timeoutMs,
      keepAlive: true,
      application_name: 'sidekey',
    });
    pool.on('error', (error) => options.onConnectionError?.(error));
    const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: guardedPool(pool, options.onConnectionError) }) });
    const poolState = (): PoolState => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
    return { db, dialect: 'postgres', location: redactUrl(options.databaseUrl), timeoutMs, poolState, close: () => db.destroy() };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, 'sidekey.db');
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${timeoutMs}`);
  // SQLite's own default page cache (2 MB; better-sqlite3 builds it with 16 MB): the verifier keeps its own cache
  // of tokens, a miss reads a handful of index pages the operating system's file cache holds too, and the page
  // cache is native memory the process holds from the first burst of misses on (~75 B per token of 200,000).
  sqlite.pragma(`cache_size = -${SQLITE_PAGE_CACHE_KIB}`);
  // SQLite gives -wal and -shm the database file's mode; a database created before that rule is tightened here.
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: guardedSqlite(sqlite) }) });
  const store: Store = { db, dialect: 'sqlite', location: file, timeoutMs, close: () => db.destroy() };
  if (options.migrate !== false) await migrateToLatest(store.db);
  return store;
}

async function migratePostgres(databaseUrl: string, timeoutMs: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, connectionTimeoutMillis: 10 * timeoutMs });
  pool.on('error', () => {}); // a failure surfaces through the migration's own query
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

/** SQLSTATE classes that mean "the database or the link failed", not "this statement was wrong". */
const FAULT_CLASSES = new Set(['08', '53', '57', '58']);

/**
 * A failure of the database or of the way to it (timeout, lost connection, shutdown), as opposed to an error
 * the statement itself caused (a constraint, a type): those pass through unchanged.
 */
function isDatabaseFault(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return FAULT_CLASSES.has(String(error.code).slice(0, 2));
  return !(error instanceof TypeError || error instanceof RangeError);
}

/**
 * The pool as Kysely sees it. A client that failed with a fault is discarded when released, and answers no
 * further query meanwhile (so a rollback after a timeout does not wait once more); faults become 503s. A pooled
 * connection the server dropped while idle (a terminated backend, a restart) may be handed out before its
 * error arrives: when the first query on a client fails that way, and not by its deadline, it runs once more on
 * a new connection, since nothing had happened on the old one. A prepared statement the connection can no longer
 * run (isStalePreparedStatement) counts as such a failure. Texts given to preparedOnPostgres run as named statements.
 */
function guardedPool(pool: pg.Pool, onConnectionError: ((error: unknown) => void) | undefined): PostgresPool {
  const acquire = async () => {
    try {
      return await pool.connect();
    } catch (error) {
      throw isDatabaseFault(error) ? unavailable() : error;
    }
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client = await acquire();
      let broken: unknown;
      let used = false;
      // While checked out, the pool's own listener is off: an error between queries would otherwise be unhandled.
      const onError = (error: unknown) => {
        broken ??= error;
        onConnectionError?.(error);
      };
      client.on('error', onError);
      const replace = async () => {
        client.removeListener('error', onError);
        client.release(true);
        broken = undefined;
        client = await acquire();
        client.on('error', onError);
      };
      const run = async (text: string, parameters: unknown[] | undefined): Promise<unknown> => {
        const first = !used;
        used = true;
        if (broken && first) await replace();
        if (broken) throw unavailable();
        try {
          return await client.query(statement(text, parameters));
        } catch (error) {
          if (!isDatabaseFault(error) && !isStalePreparedStatement(error, text)) throw error;
          broken ??= error;
          if (!first || isDeadline(error)) throw unavailable();
          await replace();
          try {
            return await client.query(statement(text, parameters));
          } catch (again) {
            if (!isDatabaseFault(again)) throw again;
            broken ??= again;
            throw unavailable();
          }
        }
      };
      return {
        query: ((text: unknown, parameters?: unknown) => (typeof text === 'string' ? run(text, parameters as unknown[] | undefined) : client.query(text as never))) as PostgresPoolClient['query'],
        release(destroy?: boolean) {
          client.removeListener('error', onError);
          client.release(destroy || broken !== undefined ? true : undefined);
        },
      };
    },
    end: () => pool.end(),
  };
}

/** How many texts may run as named prepared statements (see preparedOnPostgres); each connection keeps each it ran. */
const PREPARED_TEXTS = 200;
/** The texts that run as named prepared statements, and their names. */
const preparedNames = new Map<string, string>();

/**
 * On PostgreSQL, `query` runs as a named prepared statement: each connection parses it once, and plans it once
 * when PostgreSQL estimates the generic plan no dearer than planning it for the values (after five runs; else it
 * plans each run). Meant for a long query asked over and over (the token list's name search), where parsing it
 * costs a good part of running it. Past PREPARED_TEXTS texts, a query runs as
 * any other. Its select list must name its columns: a migration that adds a column to a table would otherwise
 * change the result of a `*` that connections have prepared, and PostgreSQL refuses to run such a statement (a
 * connection that refuses one is replaced, as a broken one is). On SQLite every statement is prepared anyway.
 */
export function preparedOnPostgres<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  if (!preparedNames.has(query.sql) && preparedNames.size < PREPARED_TEXTS) preparedNames.set(query.sql, `sidekey_${createHash('sha256').update(query.sql).digest('hex').slice(0, 24)}`);
  return query;
}

const statement = (text: string, values: unknown[] | undefined): pg.QueryConfig => ({ text, values, name: preparedNames.get(text) });

/**
 * The connection's prepared statement for `text` is gone (DISCARD ALL, a pooler that switched the server
 * connection) or can no longer run (its result's columns changed): another connection prepares it afresh.
 */
const isStalePreparedStatement = (error: unknown, text: string) =>
  preparedNames.has(text) && error instanceof pg.DatabaseError && (error.code === '26000' || (error.code === '0A000' && error.message.startsWith('cached plan must not change result type')));

/** The query ran out of time (client-side read timeout, or the server's statement_timeout). */
const isDeadline = (error: unknown) => (error instanceof Error && error.message === 'Query read timeout') || (error instanceof pg.DatabaseError && error.code === '57014');

/** The SQLite page cache of the one connection, in KiB. */
const SQLITE_PAGE_CACHE_KIB = 2000;

/** How many prepared statements a SQLite store keeps, and the longest text it keeps one for. */
const STATEMENT_CACHE = { entries: 200, maxLength: 2_000 };

/**
 * better-sqlite3 as Kysely sees it: transactions begin IMMEDIATE, and a lock not obtained in time is a 503.
 * Kysely prepares every query it runs; the statements of short texts (the lookups a verification, a session or
 * a page makes, over and over) are prepared once and kept, least recently used going first. Preparing costs
 * tens of microseconds and some 15 KB of native memory that the garbage collector does not see, so a burst of
 * cache misses would otherwise grow the process far beyond its heap. Long texts (multi-row writes, whose text
 * varies with their row count) are prepared each time. An iteration (a stream) gets a statement of its own: a
 * statement cannot run again while it is being iterated.
 */
function guardedSqlite(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const busy = (run: () => unknown) => {
    try {
      return run();
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' ? unavailable() : error;
    }
  };
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const statementFor = (text: string): BetterSqlite3.Statement => {
    const known = prepared.get(text);
    if (known !== undefined) {
      prepared.delete(text);
      prepared.set(text, known);
      return known;
    }
    const statement = busy(() => sqlite.prepare(text)) as BetterSqlite3.Statement;
    if (text.length <= STATEMENT_CACHE.maxLength) {
      prepared.set(text, statement);
      if (prepared.size > STATEMENT_CACHE.entries) prepared.delete(prepared.keys().next().value as string);
    }
    return statement;
  };
  return {
    close: () => {
      prepared.clear();
      sqlite.close();
    },
    prepare(given: string) {
      const text = given === 'begin' ? 'begin immediate' : given;
      const statement = statementFor(text);
      return {
        reader: statement.reader,
        all: (parameters) => busy(() => statement.all(...parameters)) as unknown[],
        run: (parameters) => busy(() => statement.run(...parameters)) as ReturnType<BetterSqlite3.Statement['run']>,
        iterate: (parameters) => sqlite.prepare(text).iterate(...parameters),
      };
    },
  };
}
