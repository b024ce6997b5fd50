/**
 * Sign-in throttling. Every attempt first reserves a slot in two budgets, in the database every node shares, with
 * one atomic upsert each — before the password is checked — so no number of parallel attempts gets more password
 * checks than the budget allows:
 * - per (e-mail, client address): PAIR.budget attempts per window; a window that ends used up doubles the next
 *   one, up to PAIR.maxWindowMs (back-off). Another address is another pair, so an attacker who knows an e-mail
 *   slows only its own guesses, never the real user's sign-in from elsewhere.
 * - per client address: ADDRESS.budget attempts per window, across e-mails (one address guessing many accounts).
 * A correct password clears its pair and gives back its address slot, so people who sign in successfully from one
 * office address never use that address's budget up.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../store/database.js';

export interface Budget {
  budget: number;
  windowMs: number;
  maxWindowMs: number;
}

const MINUTE = 60_000;
export const PAIR: Budget = { budget: 5, windowMs: 15 * MINUTE, maxWindowMs: 24 * 60 * MINUTE };
export const ADDRESS: Budget = { budget: 30, windowMs: 15 * MINUTE, maxWindowMs: 15 * MINUTE };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Keys are hashes: the table never holds an e-mail or an address in clear, and every key has one length. */
export const pairKey = (email: string, address: string) => `pair:${sha256(`${email}\n${address}`)}`;
export const addressKey = (address: string) => `addr:${sha256(address)}`;

export interface Reservation {
  key: string;
  windowStart: number;
  granted: boolean;
  /** When a refused caller may try again (epoch ms). */
  retryAt: number;
}

/**
 * Counts one attempt against `key` in one statement (the row's current window, or a new one when it has ended)
 * and says whether it is within the budget. Concurrent calls serialise on the row in both databases.
 */
export async function reserve(db: Executor, key: string, limit: Budget, now: number): Promise<Reservation> {
  const ended = sql<boolean>`sign_in_attempts.window_start + sign_in_attempts.window_ms <= ${now}`;
  const doubled = sql<number>`case when sign_in_attempts.window_ms * 2 > ${limit.maxWindowMs} then ${limit.maxWindowMs} else sign_in_attempts.window_ms * 2 end`;
  const row = await db
    .insertInto('sign_in_attempts')
    .values({ key, window_start: now, window_ms: limit.windowMs, attempts: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        window_ms: sql<number>`case when ${ended} then (case when sign_in_attempts.attempts >= ${limit.budget} then ${doubled} else ${limit.windowMs} end) else sign_in_attempts.window_ms end`,
        window_start: sql<number>`case when ${ended} then ${now} else sign_in_attempts.window_start end`,
        attempts: sql<number>`case when ${ended} then 1 else sign_in_attempts.attempts + 1 end`,
      }),
    )
    .returning(['attempts', 'window_start', 'window_ms'])
    .executeTakeFirstOrThrow();
  const windowStart = Number(row.window_start);
  return { key, windowStart, granted: Number(row.attempts) <= limit.budget, retryAt: windowStart + Number(row.window_ms) };
}

/** Gives a slot back (a refused sibling reservation, or a correct password's address slot). */
export async function release(db: Executor, reservation: Reservation): Promise<void> {
  await db
    .updateTable('sign_in_attempts')
    .set({ attempts: sql<number>`attempts - 1` })
    .where('key', '=', reservation.key)
    .where('window_start', '=', reservation.windowStart)
    .where('attempts', '>', 0)
    .execute();
}

export async function clear(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('sign_in_attempts').where('key', '=', key).execute();
}

/** Rows whose window ended a day ago or more: nothing is remembered from them any more. */
export async function deleteStale(db: Executor, now: number): Promise<void> {
  await db.deleteFrom('sign_in_attempts').where(sql<boolean>`window_start + window_ms < ${now - PAIR.maxWindowMs}`).execute();
}
