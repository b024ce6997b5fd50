/**
 * The durable change log. A mutation that affects verification appends its row in its own transaction, so the
 * row exists exactly when the mutation does; every node reads rows past the last sequence it applied.
 *
 * Readers rely on sequence order being commit order. SQLite has one writer at a time, so it is. On PostgreSQL
 * two transactions could take sequences 10 and 11 and commit 11 first; a reader would then pass 10 for ever.
 * So on PostgreSQL the append takes a transaction-scoped advisory lock before its sequence and holds it until
 * commit: appends are the last statement of their transactions, and commit one after the other. The same
 * statement queues a NOTIFY, which PostgreSQL delivers only when (and if) the transaction commits.
 */
import { sql } from 'kysely';
import type { Dialect, Executor } from '../store/database.js';
import type { LoggedChangeKind } from './feed.js';

export const DEFAULT_CHANNEL = 'sidekey_changes';
/** The advisory lock key that orders appends (any constant; it only has to be the same on every node). */
const APPEND_LOCK_KEY = 7_361_022_081;

export interface LoggedChange {
  seq: number;
  change: LoggedChangeKind;
}

export class ChangeLog {
  readonly channel: string;

  constructor(
    private readonly dialect: Dialect,
    channel = DEFAULT_CHANNEL,
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid NOTIFY channel name "${channel}"`);
    this.channel = channel;
  }

  /**
   * Records `change` in the caller's transaction. Must be the transaction's last statement (see above). Its time
   * is the real clock's, whatever clock the services run on: it only decides when the row is pruned.
   */
  async append(trx: Executor, change: LoggedChangeKind, accountId: string): Promise<void> {
    const row = {
      kind: change.kind,
      token_id: change.kind === 'token' ? change.tokenId : null,
      account_sid: change.kind === 'token' ? change.accountSid : null,
      account_id: accountId,
      created_at: Date.now(),
    };
    if (this.dialect === 'sqlite') {
      await trx.insertInto('change_log').values(row).execute();
      return;
    }
    await sql`insert into change_log (kind, token_id, account_sid, account_id, created_at)
      select ${row.kind}, ${row.token_id}, ${row.account_sid}, ${row.account_id}, ${row.created_at}::bigint
      from (select pg_advisory_xact_lock(${APPEND_LOCK_KEY}::bigint), pg_notify(${this.channel}, '')) as serialized`.execute(trx);
  }

  /** Up to `limit` changes after sequence `seq`, oldest first. */
  async after(db: Executor, seq: number, limit: number): Promise<LoggedChange[]> {
    const rows = await db.selectFrom('change_log').select(['seq', 'kind', 'token_id', 'account_sid', 'account_id']).where('seq', '>', seq).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), change: toChange(r) }));
  }

  /** The newest sequence (0 for an empty log): where a node that starts with an empty cache begins. */
  async latest(db: Executor): Promise<number> {
    const row = await db.selectFrom('change_log').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** Deletes rows recorded before `before` (epoch ms); returns how many. */
  async prune(db: Executor, before: number): Promise<number> {
    const result = await db.deleteFrom('change_log').where('created_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toChange(row: { kind: string; token_id: string | null; account_sid: string | null; account_id: string }): LoggedChangeKind {
  if (row.kind === 'token' && row.token_id && row.account_sid) return { kind: 'token', tokenId: row.token_id, accountSid: row.account_sid };
  return { kind: 'account', accountId: row.account_id };
}
