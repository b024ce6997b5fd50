/**
 * Sends what the mail channel queued, over SMTP: claims the messages due now (a lease per batch, so two nodes never
 * send one at once), renders each from the events it lists, sends it, and records the outcome. A refusal or an
 * unreachable server is retried on the webhook deliveries' schedule (domain/lifecycle-events.ts: back-off with
 * jitter, for 24 h from when the message was first due).
 */
import { createTransport, type Transporter } from 'nodemailer';
import { type LifecycleEvent, nextAttemptAt } from '../domain/lifecycle-events.js';
import type { MailDelivery } from '../domain/mail.js';
import type { Store } from '../store/database.js';
import { claimLeasedBatch } from '../store/leased-work.js';
import { renderMail } from './render.js';
import { eventsOfMessage, findMessage, finishAttempt, userDisplays } from './repository.js';

export interface MailWorkerDeps {
  store: Pick<Store, 'db' | 'dialect'>;
  /** SMTP_URL, MAIL_FROM and PUBLIC_URL. */
  smtpUrl: string;
  from: string;
  baseUrl: string;
  /** The deadline of each step of one SMTP exchange (connect, greeting, each answer). */
  timeoutMs: number;
  now?: () => number;
  /** In [0, 1): the jitter of the retry schedule. */
  random?: () => number;
  batchSize?: number;
}

/** Why a send failed, in words safe to store and show: the server's answer or the connection's failure, cut short. */
const failure = (error: unknown) => (error instanceof Error ? error.message : 'the message could not be sent').replace(/\s+/g, ' ').slice(0, 300);

export class MailWorker {
  private readonly transport: Transporter;

  constructor(private readonly deps: MailWorkerDeps) {
    this.transport = createTransport({ url: deps.smtpUrl, connectionTimeout: deps.timeoutMs, greetingTimeout: deps.timeoutMs, socketTimeout: deps.timeoutMs } as Parameters<typeof createTransport>[0]);
  }

  private now() {
    return this.deps.now?.() ?? Date.now();
  }

  /** Sends every message due now (one batch); returns how many attempts it made. */
  async runOnce(): Promise<number> {
    // The lease outlasts the slowest exchange (connect, greeting, a few commands) with room to record it.
    const batch = await claimLeasedBatch(this.deps.store, 'mail_messages', { now: this.now(), limit: this.deps.batchSize ?? 20, leaseMs: 6 * this.deps.timeoutMs + 30_000 });
    await Promise.all(batch.ids.map((id) => this.attempt(id, batch.claimId)));
    return batch.ids.length;
  }

  close(): void {
    this.transport.close();
  }

  private async attempt(messageId: string, claimId: string): Promise<void> {
    const { db } = this.deps.store;
    const message = await findMessage(db, messageId);
    if (!message || message.claim_id !== claimId) return;
    const events = (await eventsOfMessage(db, messageId)).map((payload) => JSON.parse(payload) as LifecycleEvent);
    const attempt = message.attempts + 1;
    let error: string | null = null;
    if (events.length === 0) error = 'no event to tell';
    else {
      const users = await userDisplays(db, [...new Set(events.flatMap((e) => (e.actor.kind === 'user' ? [e.actor.userId] : [])))]);
      const mail = renderMail(events, { baseUrl: this.deps.baseUrl, users, delivery: message.delivery as MailDelivery });
      try {
        await this.transport.sendMail({ from: this.deps.from, to: message.recipient, subject: mail.subject, text: mail.text, html: mail.html, headers: { 'Auto-Submitted': 'auto-generated', 'X-Sidekey-Message-Id': messageId } });
      } catch (caught) {
        error = failure(caught);
      }
    }
    const now = this.now();
    const retryAt = error === null || events.length === 0 ? null : nextAttemptAt(Number(message.send_at), attempt, now, this.deps.random?.() ?? Math.random());
    await db.transaction().execute((trx) =>
      finishAttempt(trx, { messageId, claimId, attempt, status: error === null ? 'sent' : retryAt === null ? 'failed' : 'pending', nextAttemptAt: retryAt, sentAt: error === null ? now : null, error }),
    );
  }
}
