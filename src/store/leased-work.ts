/**
 * Work that leaves Sidekey on its own schedule — webhook deliveries, e-mail messages — kept as rows that are
 * `pending` until done, due at `next_attempt_at`, and claimed for a while by one worker (`claim_id`). A claim is a
 * lease: the batch's `next_attempt_at` moves to the lease's end, so no node takes the rows again while it runs, and a
 * node that dies mid-attempt leaves them to be retried when it ends. PostgreSQL skips rows another node is claiming
 * (FOR UPDATE SKIP LOCKED); SQLite has one write transaction at a time.
 */
import type { Kysely } from 'kysely';
import { randomOpaqueId } from '../domain/credentials.js';
import type { Dialect, Executor, Store } from './database.js';
import type { Schema } from './schema.js';

interface LeasedRow {
  id: string;
  status: string;
  next_attempt_at: number | null;
  claim_id: string | null;
}

/** The tables whose rows are leased work. */
export type LeasedWorkTable = { [T in keyof Schema]: Schema[T] extends LeasedRow ? T : never }[keyof Schema];

/** The columns this module reads and writes are the same in every such table: one query serves them all. */
const asLeased = (db: Executor) => db as unknown as Kysely<Record<LeasedWorkTable, LeasedRow>>;

/** Whether any row is due: a read, so an idle worker takes no write lock. */
async function hasDue(db: Executor, table: LeasedWorkTable, now: number): Promise<boolean> {
  const row = await asLeased(db).selectFrom(table).select('id').where('status', '=', 'pending').where('next_attempt_at', '<=', now).limit(1).executeTakeFirst();
  return row !== undefined;
}

async function claimDue(trx: Executor, dialect: Dialect, table: LeasedWorkTable, o: { now: number; limit: number; claimId: string; leaseUntil: number }): Promise<string[]> {
  const db = asLeased(trx);
  let query = db.selectFrom(table).select('id').where('status', '=', 'pending').where('next_attempt_at', '<=', o.now).orderBy('next_attempt_at').limit(o.limit);
  if (dialect === 'postgres') query = query.forUpdate().skipLocked();
  const ids = (await query.execute()).map((r) => r.id);
  if (ids.length > 0) await db.updateTable(table).set({ claim_id: o.claimId, next_attempt_at: o.leaseUntil }).where('id', 'in', ids).execute();
  return ids;
}

export interface LeasedBatch {
  claimId: string;
  ids: string[];
}

/**
 * Claims up to `limit` rows of `table` due at `now` for `leaseMs`: the ids and the claim that an attempt checks
 * before it records its outcome (a row whose claim has moved on belongs to another worker now).
 */
export async function claimLeasedBatch(store: Pick<Store, 'db' | 'dialect'>, table: LeasedWorkTable, o: { now: number; limit: number; leaseMs: number }): Promise<LeasedBatch> {
  const claimId = randomOpaqueId(16);
  if (!(await hasDue(store.db, table, o.now))) return { claimId, ids: [] };
  const ids = await store.db.transaction().execute((trx) => claimDue(trx, store.dialect, table, { now: o.now, limit: o.limit, claimId, leaseUntil: o.now + o.leaseMs }));
  return { claimId, ids };
}
