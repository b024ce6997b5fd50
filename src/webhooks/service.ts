/**
 * Webhook endpoints of an account: create (the signing secret is shown once), edit, delete, rotate the secret with
 * an overlap, and the delivery log with "redeliver". Account Administrators only; every change audited in its
 * transaction. A URL is refused unless every address its host resolves to may be connected to (targets.ts).
 */
import type { AccountService } from '../accounts/service.js';
import type { AuditLog } from '../audit/index.js';
import type { Actor } from '../domain/actor.js';
import { type FieldError, invalidInput, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { isLifecycleEventType, type LifecycleEventType } from '../domain/lifecycle-events.js';
import { MAX_SECRET_OVERLAP_SECONDS, generateWebhookSecret, webhookUrlProblem } from '../domain/webhooks.js';
import { type KeyRing, seal } from '../secrets/keys.js';
import type { LifecycleEvent } from '../domain/lifecycle-events.js';
import type { LifecycleEvents } from '../events/index.js';
import type { Store } from '../store/database.js';
import type { TokenService } from '../tokens/service.js';
import * as repo from './repository.js';
import { TargetRefused, type TargetGuard } from './targets.js';

export interface WebhookEndpoint {
  id: string;
  accountId: string;
  url: string;
  description: string;
  events: LifecycleEventType[];
  state: 'enabled' | 'disabled';
  /** Until when the previous secret still signs (after a rotation), or null. */
  previousSecretExpiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface EndpointInput {
  url?: string;
  description?: string;
  events?: string[];
  state?: 'enabled' | 'disabled';
}

export interface Delivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  tokenId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: { attempt: number; at: number; statusCode: number | null; durationMs: number; error: string | null }[];
  nextAttemptAt: number | null;
  createdAt: number;
}

const DESCRIPTION_MAX = 500;

export interface WebhookServiceDeps {
  store: Pick<Store, 'db'>;
  keys: KeyRing;
  accounts: Pick<AccountService, 'requireAccountAdministrator'>;
  tokens: Pick<TokenService, 'get'>;
  events: Pick<LifecycleEvents, 'tokenEvents'>;
  audit: Pick<AuditLog, 'record'>;
  guard: Pick<TargetGuard, 'check'>;
  now?: () => number;
}

export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  private now() {
    return this.deps.now?.() ?? Date.now();
  }

  async list(actor: Actor, accountId: string): Promise<WebhookEndpoint[]> {
    await this.deps.accounts.requireAccountAdministrator(actor, accountId);
    return (await repo.listEndpoints(this.deps.store.db, accountId)).map(toEndpoint);
  }

  async get(actor: Actor, accountId: string, id: string): Promise<WebhookEndpoint> {
    await this.deps.accounts.requireAccountAdministrator(actor, accountId);
    return toEndpoint(await this.load(accountId, id));
  }

  async create(actor: Actor, accountId: string, input: EndpointInput): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    await this.deps.accounts.requireAccountAdministrator(actor, accountId);
    const errors: FieldError[] = [];
    if (input.url === undefined) errors.push({ field: 'url', message: 'is required' });
    if (input.events === undefined) errors.push({ field: 'events', message: 'is required' });
    const fields = await this.validate(input, errors);
    const now = this.now();
    const secret = generateWebhookSecret();
    const row: repo.EndpointRow = {
      id: newId('whk'),
      account_id: accountId,
      url: fields.url!,
      description: fields.description ?? '',
      events: JSON.stringify(fields.events),
      state: fields.state ?? 'enabled',
      secret_ciphertext: seal(this.deps.keys, secret),
      previous_secret_ciphertext: null,
      previous_secret_expires_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.deps.store.db.transaction().execute(async (trx) => {
      await repo.insertEndpoint(trx, row);
      await this.deps.audit.record(trx, { accountId, actor, action: 'webhook.create', at: now, details: { webhookId: row.id, url: redactedUrl(row.url), events: fields.events } });
    });
    return { endpoint: toEndpoint(row), secret };
  }

  async update(actor: Actor, accountId: string, id: string, input: EndpointInput): Promise<WebhookEndpoint> {
    await this.deps.accounts.requireAccountAdministrator(actor, accountId);
    const fields = await this.validate(input, []);
    return this.deps.store.db.transaction().execute(async (trx) => {
      const current = await this.load(accountId, id, trx);
      const next: repo.EndpointRow = {
        ...current,
        url: fields.url ?? current.url,
        description: fields.description ?? current.description,
        events: fields.events ? JSON.stringify(fields.events) : current.events,
        state: fields.state ?? current.state,
      };
      const changed = (['url', 'description', 'events', 'state'] as const).filter((k) => next[k] !== current[k]);
      if (changed.length === 0) return toEndpoint(current);
      next.updated_at = this.now();
      await repo.replaceEndpoint(trx, next);
      await this.deps.audit.record(trx, { accountId, actor, action: 'webhook.update', at: next.updated_at, details: { webhookId: id, changed, url: redactedUrl(next.url), events: JSON.parse(next.events), state: next.state } });
      return toEndpoint(next);
    });
  }

  /** The endpoint and its delivery log are gone; the audit trail keeps that it existed. */
  async delete(actor: Actor, accountId: string, id: string): Promise<void> {
    await this.deps.accounts.requireAccountAdministrator(actor, accountId);
    await this.deps.store.db.transaction().execute(async (trx) => {
      const current = await this.load(accountId, id, trx);
      await repo.deleteEndpoint(trx, accountId, id);
      await this.deps.audit.record(trx, { accountId, actor, action: 'webhook.delete', at: this.now(), details: { webhookId: id, url: redactedUrl(current.url) } });
    });
  }

  /** A new signing secret, shown once; the current one keeps signing beside it for `overlapSeconds` (default 24 h). */
  async rotateSecret(actor: Actor, accountId: string, id: string, options: { overlapSeconds?: number } = {}): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    await this.deps.accounts.requireAccountAdministrator(actor, accountId);
    const overlap = options.overlapSeconds ?? 86_400;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_SECRET_OVERLAP_SECONDS) throw invalidInput([{ field: 'overlapSeconds', message: `must be an integer from 0 to ${MAX_SECRET_OVERLAP_SECONDS} (7 days)` }]);
    const secret = generateWebhookSecret();
    return this.deps.store.db.transaction().execute(async (trx) => {
      const current = await this.load(accountId, id, trx);
      const now = this.now();
      const next: repo.EndpointRow = {
        ...current,
        secret_ciphertext: seal(this.deps.keys, secret),
        previous_secret_ciphertext: overlap > 0 ? current.secret_ciphertext : null,
        previous_secret_expires_at: overlap > 0 ? now + overlap * 1000 : null,
        updated_at: now,
      };
      await repo.replaceEndpoint(trx, next);
      await this.deps.audit.record(trx, { accountId, actor, action: 'webhook.rotate_secret', at: now, details: { webhookId: id, overlapSeconds: overlap } });
      return { endpoint: toEndpoint(next), secret };
    });
  }

  /** The endpoint's deliveries, newest first, each with every attempt. */
  async deliveries(actor: Actor, accountId: string, id: string, limit = 100): Promise<Delivery[]> {
    await this.deps.accounts.requireAccountAdministrator(actor, accountId);
    await this.load(accountId, id);
    return this.withAttempts(await repo.listDeliveries(this.deps.store.db, accountId, id, limit));
  }

  /**
   * A token's lifecycle events, newest first, each with the deliveries it produced (its Activity page): for the
   * token managers, who see what was sent about their tokens and whether it arrived, not the endpoints' settings.
   */
  async tokenActivity(actor: Actor, accountId: string, tokenId: string): Promise<{ event: LifecycleEvent; dispatchedAt: number | null; deliveries: Delivery[] }[]> {
    await this.deps.tokens.get(actor, accountId, tokenId); // a token manager's, of a token of this account (or 403/404)
    const events = await this.deps.events.tokenEvents(accountId, tokenId);
    const deliveries = await this.withAttempts(await repo.deliveriesOfEvents(this.deps.store.db, accountId, events.map((e) => e.event.id)));
    return events.map((e) => ({ ...e, deliveries: deliveries.filter((d) => d.eventId === e.event.id) }));
  }

  /** Sends the delivery's event again as a new delivery (same Sidekey-Event-Id, a fresh 24 h of retries). */
  async redeliver(actor: Actor, accountId: string, id: string, deliveryId: string): Promise<Delivery> {
    await this.deps.accounts.requireAccountAdministrator(actor, accountId);
    const now = this.now();
    const newDeliveryId = newId('whd');
    await this.deps.store.db.transaction().execute(async (trx) => {
      await this.load(accountId, id, trx);
      const original = await repo.findDelivery(trx, accountId, id, deliveryId);
      if (!original) throw notFound('Delivery');
      await repo.insertDelivery(trx, { id: newDeliveryId, account_id: accountId, endpoint_id: id, event_id: original.eventId, status: 'pending', attempts: 0, next_attempt_at: now, claim_id: null, created_at: now });
      await this.deps.audit.record(trx, { accountId, tokenId: null, actor, action: 'webhook.redeliver', at: now, details: { webhookId: id, deliveryId: newDeliveryId, redeliveryOf: deliveryId, eventId: original.eventId } });
    });
    const [delivery] = await this.withAttempts([(await repo.findDelivery(this.deps.store.db, accountId, id, newDeliveryId))!]);
    return delivery;
  }

  private async withAttempts(rows: Awaited<ReturnType<typeof repo.listDeliveries>>): Promise<Delivery[]> {
    const attempts = await repo.attemptsOf(this.deps.store.db, rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      endpointId: r.endpointId,
      eventId: r.eventId,
      eventType: r.eventType,
      tokenId: r.tokenId,
      status: r.status as Delivery['status'],
      attempts: attempts.filter((a) => a.delivery_id === r.id).map((a) => ({ attempt: a.attempt, at: Number(a.at), statusCode: a.status_code, durationMs: a.duration_ms, error: a.error })),
      nextAttemptAt: r.status === 'pending' && r.nextAttemptAt !== null ? Number(r.nextAttemptAt) : null,
      createdAt: Number(r.createdAt),
    }));
  }

  private async load(accountId: string, id: string, db: Parameters<typeof repo.findEndpoint>[0] = this.deps.store.db): Promise<repo.EndpointRow> {
    const row = await repo.findEndpoint(db, accountId, id);
    if (!row) throw notFound('Webhook endpoint');
    return row;
  }

  /** The fields given, checked: every problem at once, the URL's target last (it resolves the host). */
  private async validate(input: EndpointInput, errors: FieldError[]): Promise<EndpointInput & { events?: LifecycleEventType[] }> {
    const url = input.url?.trim();
    const urlProblem = url === undefined ? undefined : webhookUrlProblem(url);
    if (urlProblem) errors.push({ field: 'url', message: urlProblem });
    if (input.description !== undefined && input.description.length > DESCRIPTION_MAX) errors.push({ field: 'description', message: `must be at most ${DESCRIPTION_MAX} characters` });
    let events: LifecycleEventType[] | undefined;
    if (input.events !== undefined) {
      const unknown = input.events.filter((e) => !isLifecycleEventType(e));
      if (unknown.length > 0) errors.push({ field: 'events', message: `has unknown event types: ${unknown.join(', ')}` });
      else if (input.events.length === 0) errors.push({ field: 'events', message: 'must name at least one event type' });
      else events = [...new Set(input.events as LifecycleEventType[])].sort();
    }
    if (url !== undefined && !urlProblem && errors.length === 0) {
      try {
        await this.deps.guard.check(new URL(url));
      } catch (error) {
        if (!(error instanceof TargetRefused)) throw error;
        errors.push({ field: 'url', message: `is refused: ${error.message}` });
      }
    }
    if (errors.length > 0) throw invalidInput(errors);
    return { ...input, url, events };
  }
}

function toEndpoint(row: repo.EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    accountId: row.account_id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events),
    state: row.state as WebhookEndpoint['state'],
    previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : Number(row.previous_secret_expires_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The URL as the audit trail keeps it: without its query, which may carry the receiver's own key. */
function redactedUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
}
