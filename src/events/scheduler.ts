/**
 * Time-based events: `token.expiring` at each configured threshold before a token's expiry, and `token.expired`
 * when it passes. Each (token, expiry, threshold) is raised exactly once however many nodes scan at once: the
 * notice row and the event are written in one transaction, and the notice's primary key lets only the first
 * writer through (PostgreSQL: the other insert waits on the key, then does nothing; SQLite: one writer at a time).
 */
import { DAY_MS, dueExpiryNotice, expiryEvent } from '../domain/lifecycle-events.js';
import { newSortableId } from '../domain/ids.js';
import type { Store } from '../store/database.js';
import { writeEvent } from './outbox.js';
import { claimNotice, findExpiryCandidates, findNoticesOf, findTokenSummary } from './repository.js';

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
      const done = await db.transaction().execute(async (trx) => {
        // The expiry may have been edited since the scan read it: the notice is for the expiry the token has now.
        const token = await findTokenSummary(trx, candidate.id);
        if (!token || Number(token.expiresAt) !== expiresAt) return false;
        const id = newSortableId('lev', now);
        if (!(await claimNotice(trx, { tokenId: token.id, expiresAt, daysBefore: due.daysBefore, eventId: id }))) return false;
        await writeEvent(trx, expiryEvent({ ...token, expiresAt }, due.daysBefore, now, id), now);
        return true;
      });
      if (done) count++;
    }
    return count;
  }
}
