/**
 * Time-based events: `token.expiring` at each configured threshold before a token's expiry, `token.expired` when
 * it passes, and (when configured) `token.unused` once a token has been idle for N days. Each notice is raised
 * exactly once however many nodes scan at once, by one mechanism (`raiseOnce`): the notice's key and the event
 * are written in one transaction, and the key lets only the first writer through (PostgreSQL: the other insert
 * waits on the key, then does nothing; SQLite: one writer at a time).
 */
import { DAY_MS, type LifecycleEvent, dueExpiryNotice, dueUnusedNotice, expiryEvent, unusedEvent } from '../domain/lifecycle-events.js';
import { newSortableId } from '../domain/ids.js';
import type { Executor, Store } from '../store/database.js';
import { writeEvent } from './outbox.js';
import { claimNotice, claimUnusedNotice, findExpiryCandidates, findNoticesOf, findTokenSummary, findUnusedCandidates, findUnusedSummary } from './repository.js';

/**
 * One notice, in its own transaction: `claim` re-reads the token, writes the notice's key and returns the event
 * (or null when the token changed or another node was first); the event is written with the key, or neither is.
 */
async function raiseOnce(db: Store['db'], now: number, claim: (trx: Executor, eventId: string) => Promise<LifecycleEvent | null>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const event = await claim(trx, newSortableId('lev', now));
    if (!event) return false;
    await writeEvent(trx, event, now);
    return true;
  });
}

export interface ExpirySchedulerDeps {
  store: Pick<Store, 'db'>;
  /** Days before expiry at which `token.expiring` is raised (LIFECYCLE_EXPIRY_NOTICE_DAYS). */
  thresholdsDays: readonly number[];
  now?: () => number;
  /** Tokens looked at per scan; the rest wait for the next one. */
  batchSize?: number;
}

export class ExpiryScheduler {
  constructor(private readonly deps: ExpirySchedulerDeps) {}

  /** One scan: raises every notice due now that no node raised before. Returns how many it raised. */
  async runOnce(): Promise<number> {
    const now = this.deps.now?.() ?? Date.now();
    const { db } = this.deps.store;
    const horizon = now + Math.max(0, ...this.deps.thresholdsDays) * DAY_MS;
    const candidates = await findExpiryCandidates(db, horizon, this.deps.batchSize ?? 500);
    const raised = new Set((await findNoticesOf(db, candidates.map((c) => c.id))).map((n) => `${n.token_id}/${n.expires_at}/${n.days_before}`));
    let count = 0;
    for (const candidate of candidates) {
      const expiresAt = Number(candidate.expiresAt);
      const due = dueExpiryNotice(expiresAt, now, this.deps.thresholdsDays);
      if (!due || raised.has(`${candidate.id}/${expiresAt}/${due.daysBefore}`)) continue;
      const done = await raiseOnce(db, now, async (trx, id) => {
        // The expiry may have been edited since the scan read it: the notice is for the expiry the token has now.
        const token = await findTokenSummary(trx, candidate.id);
        if (!token || Number(token.expiresAt) !== expiresAt) return null;
        if (!(await claimNotice(trx, { tokenId: token.id, expiresAt, daysBefore: due.daysBefore, eventId: id }))) return null;
        return expiryEvent({ ...token, expiresAt }, due.daysBefore, now, id);
      });
      if (done) count++;
    }
    return count;
  }
}

export interface UnusedSchedulerDeps {
  store: Pick<Store, 'db'>;
  /** Idle days after which `token.unused` is raised (LIFECYCLE_UNUSED_NOTICE_DAYS). */
  days: number;
  now?: () => number;
  batchSize?: number;
}

/** `token.unused`: once per token and idle stretch (a use, recorded as the token's last use, starts a new one). */
export class UnusedScheduler {
  constructor(private readonly deps: UnusedSchedulerDeps) {}

  /** One scan: raises every unused notice due now that no node raised before. Returns how many it raised. */
  async runOnce(): Promise<number> {
    const now = this.deps.now?.() ?? Date.now();
    const { db } = this.deps.store;
    const { days } = this.deps;
    const candidates = await findUnusedCandidates(db, now - days * DAY_MS, this.deps.batchSize ?? 500);
    let count = 0;
    for (const candidate of candidates) {
      const done = await raiseOnce(db, now, async (trx, id) => {
        // Used (or disabled) since the scan read it: a notice is only for the stretch the token is in now.
        const token = await findUnusedSummary(trx, candidate.id);
        if (token?.state !== 'enabled') return null;
        const lastUsedAt = token.lastUsedAt === null ? null : Number(token.lastUsedAt);
        const due = dueUnusedNotice({ lastUsedAt, createdAt: Number(token.createdAt) }, now, days);
        if (!due || !(await claimUnusedNotice(trx, { tokenId: token.id, since: due.since, eventId: id }))) return null;
        return unusedEvent({ ...token, lastUsedAt }, due.since, days, now, id);
      });
      if (done) count++;
    }
    return count;
  }
}
