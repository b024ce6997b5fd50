/**
 * Delivers what the webhook channel queued: claims the deliveries due now (a lease per batch, so two nodes never
 * send one at once), checks each target again, signs and POSTs the event, and records the attempt. A failure is
 * retried on the schedule of domain/lifecycle-events.ts (exponential back-off with jitter, for 24 h); every attempt
 * of one event carries the same Sidekey-Event-Id, so a receiver that saw it before can ignore it.
 */
import { nextAttemptAt } from '../domain/lifecycle-events.js';
import { DELIVERY_ID_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from '../domain/webhooks.js';
import { type KeyRing, open } from '../secrets/keys.js';
import type { Store } from '../store/database.js';
import { claimLeasedBatch } from '../store/leased-work.js';
import { findWork, finishAttempt } from './repository.js';
import { send, type SendOutcome } from './sender.js';
import { TargetRefused, type TargetGuard } from './targets.js';

export interface DeliveryWorkerDeps {
  store: Pick<Store, 'db' | 'dialect'>;
  keys: KeyRing;
  guard: Pick<TargetGuard, 'check'>;
  /** The deadline of one attempt (WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  now?: () => number;
  /** In [0, 1): the jitter of the retry schedule. */
  random?: () => number;
  batchSize?: number;
}

export class DeliveryWorker {
  constructor(private readonly deps: DeliveryWorkerDeps) {}

  private now() {
    return this.deps.now?.() ?? Date.now();
  }

  /** Sends every delivery due now (one batch, at once); returns how many attempts it made. */
  async runOnce(): Promise<number> {
    // The lease outlasts the slowest attempt (resolve + send) with room to record it.
    const batch = await claimLeasedBatch(this.deps.store, 'webhook_deliveries', { now: this.now(), limit: this.deps.batchSize ?? 20, leaseMs: 2 * this.deps.timeoutMs + 30_000 });
    await Promise.all(batch.ids.map((id) => this.attempt(id, batch.claimId)));
    return batch.ids.length;
  }

  private async attempt(deliveryId: string, claimId: string): Promise<void> {
    const { db } = this.deps.store;
    const work = await findWork(db, deliveryId);
    if (!work || work.claimId !== claimId) return;
    const attempt = work.attempts + 1;
    const at = this.now();
    let outcome: SendOutcome;
    if (work.endpointState !== 'enabled') outcome = { statusCode: null, durationMs: 0, error: 'the endpoint is disabled' };
    else outcome = await this.post(work, deliveryId, at);
    const delivered = outcome.error === null;
    const retryAt = delivered || work.endpointState !== 'enabled' ? null : nextAttemptAt(Number(work.createdAt), attempt, this.now(), this.deps.random?.() ?? Math.random());
    await db.transaction().execute((trx) =>
      finishAttempt(trx, { deliveryId, claimId, attempt, at, status: delivered ? 'delivered' : retryAt === null ? 'failed' : 'pending', nextAttemptAt: retryAt, statusCode: outcome.statusCode, durationMs: outcome.durationMs, error: outcome.error }),
    );
  }

  private async post(work: NonNullable<Awaited<ReturnType<typeof findWork>>>, deliveryId: string, at: number): Promise<SendOutcome> {
    const url = new URL(work.url);
    let pinned: Awaited<ReturnType<TargetGuard['check']>>;
    try {
      pinned = await this.deps.guard.check(url);
    } catch (error) {
      return { statusCode: null, durationMs: 0, error: error instanceof TargetRefused ? `refused: ${error.message}` : 'refused: the target could not be checked' };
    }
    // Both secrets sign while a rotation overlaps, so a receiver may switch to the new one at any moment within it.
    const secrets = [open(this.deps.keys, work.secretCiphertext)];
    if (work.previousSecretCiphertext && work.previousSecretExpiresAt !== null && Number(work.previousSecretExpiresAt) > at) secrets.push(open(this.deps.keys, work.previousSecretCiphertext));
    const headers = {
      [SIGNATURE_HEADER]: signatureHeader(secrets, Math.floor(at / 1000), work.payload),
      [EVENT_ID_HEADER]: work.eventId,
      [EVENT_TYPE_HEADER]: work.eventType,
      [DELIVERY_ID_HEADER]: deliveryId,
    };
    return send(url, pinned, headers, work.payload, this.deps.timeoutMs);
  }
}
