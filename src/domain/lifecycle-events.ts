/**
 * Lifecycle events: what happened to a token, as data that leaves Sidekey (webhooks; later e-mail). The names,
 * the payload of each, how an audited change becomes one (`eventFromAudit`), which expiry notice is due for a
 * token (`dueExpiryNotice`), when an idle token's notice is due (`dueUnusedNotice`), what a canary's use says
 * (`canaryUsedEvent`), and the webhook retry schedule (`nextAttemptAt`) — pure functions, no I/O.
 *
 * A payload is built field by field from names listed here, never by passing an audit event's details
 * through: whatever a future mutation adds to its details (a hash, a ciphertext) cannot reach a receiver.
 */
import type { CanaryUse } from './canary.js';

export const LIFECYCLE_EVENT_TYPES = [
  'token.created',
  'token.updated',
  'token.reset',
  'token.disabled',
  'token.enabled',
  'token.deleted',
  'token.upgraded',
  'token.expiring',
  'token.expired',
  'token.exposed',
  'token.canary_used',
  'token.unused',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

export const isLifecycleEventType = (value: string): value is LifecycleEventType => (LIFECYCLE_EVENT_TYPES as readonly string[]).includes(value);

/** The token an event is about, as it was when the event happened. */
export interface EventToken {
  id: string;
  accountSid: string;
  name: string;
}

/** Who caused it: a user of the account, an operator at the shell (`via`), or Sidekey itself (time-based events). */
export type EventActor = { kind: 'user'; userId: string } | { kind: 'operator'; via: string } | { kind: 'system' };

/** The fields that may appear in `token.updated`'s `changes` (the editable settings; never a secret). */
export const UPDATABLE_FIELDS = ['name', 'description', 'primaryContactUserId', 'developerEmails', 'scopes', 'expiresAt', 'notBefore', 'allowedCidrs', 'rateLimit'] as const;

export interface EventData {
  'token.created': { apiVersion: number | null; scopes: string[]; duplicateOf: string | null };
  'token.updated': { changes: Partial<Record<(typeof UPDATABLE_FIELDS)[number], { from: unknown; to: unknown }>> };
  /** `graceEndsAt`: until when the previous Auth Token still works (ISO time), or null when it stopped at once. */
  'token.reset': { graceEndsAt: string | null };
  'token.disabled': Record<string, never>;
  'token.enabled': Record<string, never>;
  'token.deleted': Record<string, never>;
  'token.upgraded': { fromVersion: number; toVersion: number; droppedScopes: string[] };
  'token.expiring': { expiresAt: string; daysBefore: number };
  'token.expired': { expiresAt: string };
  /**
   * A leak report (docs/leak-reports.md): who reported it (`reporter`, e.g. github) under which pattern name, where
   * it was found, and what Sidekey did — `disabled` the token, found it `already_disabled`, or left a canary armed
   * (`canary_kept`). Never the secret.
   */
  'token.exposed': { exposureId: string; reporter: string; reportType: string; source: string; url: string; action: string };
  /**
   * One use of a canary token (domain/canary.ts): who sent it and where; `suppressedUses` counts the uses since
   * the previous event of this canary that no event showed (the rate limit).
   */
  'token.canary_used': { ip: string | null; method: string; path: string; userAgent: string | null; usedAt: string; secretMatched: boolean; suppressedUses: number };
  /** No authenticated use since `since` (its last use, or its creation when it was never used), `days` days or more. */
  'token.unused': { lastUsedAt: string | null; since: string; days: number };
}

/** One event as every channel receives it (a webhook's body is exactly this, as JSON). */
export type LifecycleEvent = {
  [T in LifecycleEventType]: {
    /** Unique per event and stable across retries and redeliveries: a receiver's idempotency key. */
    id: string;
    type: T;
    /** When it happened, ISO 8601 UTC. */
    occurredAt: string;
    accountId: string;
    token: EventToken;
    actor: EventActor;
    data: EventData[T];
  };
}[LifecycleEventType];

/** An audited change as the audit trail records it (the fields `eventFromAudit` reads). */
export interface AuditedChange {
  action: string;
  accountId: string;
  tokenId: string | null;
  at: number;
  actor: { kind: 'user'; userId: string } | { kind: 'operator'; label: string };
  details: Record<string, unknown>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown) => (typeof v === 'string' ? v : '');
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/**
 * The event an audited change raises, or null when it raises none (a reveal, an account setting, the source side
 * of a duplicate). `token` is the token after the change (before it, for a delete).
 */
export function eventFromAudit(change: AuditedChange, token: EventToken, id: string): LifecycleEvent | null {
  const base = { id, occurredAt: iso(change.at), accountId: change.accountId, token: { id: token.id, accountSid: token.accountSid, name: token.name }, actor: actorOf(change.actor) };
  const d = change.details;
  switch (change.action) {
    case 'token.create':
      return { ...base, type: 'token.created', data: { apiVersion: num(d.apiVersion), scopes: strings(d.scopes), duplicateOf: null } };
    case 'token.duplicate':
      // Written twice, once per token: the copy's event (with sourceTokenId) is the creation; the source's is none.
      return typeof d.sourceTokenId === 'string' ? { ...base, type: 'token.created', data: { apiVersion: null, scopes: [], duplicateOf: d.sourceTokenId } } : null;
    case 'token.update':
      return { ...base, type: 'token.updated', data: { changes: pickChanges(d.changes) } };
    case 'token.reset': {
      const grace = num(d.graceSeconds) ?? 0;
      return { ...base, type: 'token.reset', data: { graceEndsAt: grace > 0 ? iso(change.at + grace * 1000) : null } };
    }
    case 'token.disable':
      return { ...base, type: 'token.disabled', data: {} };
    case 'token.enable':
      return { ...base, type: 'token.enabled', data: {} };
    case 'token.delete':
      return { ...base, type: 'token.deleted', data: {} };
    case 'token.upgrade':
      return { ...base, type: 'token.upgraded', data: { fromVersion: num(d.from) ?? 0, toVersion: num(d.to) ?? 0, droppedScopes: strings(d.droppedScopes) } };
    case 'token.expose':
      return { ...base, type: 'token.exposed', data: { exposureId: text(d.exposureId), reporter: text(d.reporter), reportType: text(d.reportType), source: text(d.source), url: text(d.url), action: text(d.action) } };
    default:
      return null;
  }
}

function actorOf(actor: AuditedChange['actor']): EventActor {
  return actor.kind === 'user' ? { kind: 'user', userId: actor.userId } : { kind: 'operator', via: actor.label };
}

/** Settings held as epoch milliseconds, which a payload shows as ISO times like every other time in it. */
const TIME_FIELDS: ReadonlySet<string> = new Set(['expiresAt', 'notBefore']);
const isoOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? iso(v) : null);

function pickChanges(changes: unknown): EventData['token.updated']['changes'] {
  const out: EventData['token.updated']['changes'] = {};
  if (!changes || typeof changes !== 'object') return out;
  for (const field of UPDATABLE_FIELDS) {
    const change = (changes as Record<string, unknown>)[field] as { from?: unknown; to?: unknown } | undefined;
    if (change && typeof change === 'object') out[field] = TIME_FIELDS.has(field) ? { from: isoOrNull(change.from), to: isoOrNull(change.to) } : { from: change.from ?? null, to: change.to ?? null };
  }
  return out;
}

export const DAY_MS = 86_400_000;

/**
 * The time-based notice due for a token that expires at `expiresAt`: `expired` (daysBefore 0) once it has, else the
 * nearest threshold already reached (a token created 5 days before it expires gets the 7-day notice, not the 30-day
 * one as well), else none. Each (token, expiresAt, daysBefore) is sent once: changing the expiry starts afresh.
 */
export function dueExpiryNotice(expiresAt: number, nowMs: number, thresholdsDays: readonly number[]): { daysBefore: number } | null {
  if (nowMs >= expiresAt) return { daysBefore: 0 };
  const reached = thresholdsDays.filter((days) => nowMs >= expiresAt - days * DAY_MS);
  return reached.length > 0 ? { daysBefore: Math.min(...reached) } : null;
}

/** The event a due notice raises. */
export function expiryEvent(token: EventToken & { accountId: string; expiresAt: number }, daysBefore: number, nowMs: number, id: string): LifecycleEvent {
  const base = { id, occurredAt: iso(nowMs), accountId: token.accountId, token: { id: token.id, accountSid: token.accountSid, name: token.name }, actor: { kind: 'system' } as const };
  return daysBefore === 0
    ? { ...base, type: 'token.expired', data: { expiresAt: iso(token.expiresAt) } }
    : { ...base, type: 'token.expiring', data: { expiresAt: iso(token.expiresAt), daysBefore } };
}

/** The event a canary's use raises, built field by field from the use (never the Auth Token that was sent). */
export function canaryUsedEvent(token: EventToken & { accountId: string }, use: CanaryUse, suppressedUses: number, id: string): LifecycleEvent {
  return {
    id,
    type: 'token.canary_used',
    occurredAt: iso(use.at),
    accountId: token.accountId,
    token: { id: token.id, accountSid: token.accountSid, name: token.name },
    actor: { kind: 'system' },
    data: { ip: use.ip, method: use.method, path: use.path, userAgent: use.userAgent, usedAt: iso(use.at), secretMatched: use.secretMatched, suppressedUses },
  };
}

/**
 * The unused stretch an enabled token is in, when it has lasted `days` days or more: `since` is its last
 * authenticated use, or its creation when it has none. A use starts a new stretch (a new `since`), so a token
 * gets one notice per stretch, however long it lasts.
 */
export function dueUnusedNotice(token: { lastUsedAt: number | null; createdAt: number }, nowMs: number, days: number): { since: number } | null {
  const since = token.lastUsedAt ?? token.createdAt;
  return nowMs - since >= days * DAY_MS ? { since } : null;
}

/** The event a due unused notice raises. */
export function unusedEvent(token: EventToken & { accountId: string; lastUsedAt: number | null }, since: number, days: number, nowMs: number, id: string): LifecycleEvent {
  return {
    id,
    type: 'token.unused',
    occurredAt: iso(nowMs),
    accountId: token.accountId,
    token: { id: token.id, accountSid: token.accountSid, name: token.name },
    actor: { kind: 'system' },
    data: { lastUsedAt: token.lastUsedAt === null ? null : iso(token.lastUsedAt), since: iso(since), days },
  };
}

/**
 * The retention window: what finished before the returned instant is deleted — events handed to every channel,
 * deliveries delivered or given up (with their attempts). What is still pending is kept whatever its age, and so
 * is an event any delivery still names (a redelivery may be asked for it). The exactly-once keys of notices are
 * never deleted: without them an old notice would be raised again.
 */
export function retentionCutoff(nowMs: number, days: number): number {
  return nowMs - days * DAY_MS;
}

/** Webhook retries: the first wait, its growth cap, and how long an event is tried before the delivery gives up. */
export const RETRY = { firstDelayMs: 30_000, maxDelayMs: 3_600_000, windowMs: DAY_MS } as const;

/**
 * When to try a failed delivery again, or null to give up. The wait doubles from 30 s up to an hour, each one
 * drawn between half and all of that (jitter, so receivers coming back are not hit by every sender at once);
 * no attempt starts more than 24 h after the delivery was created. `random` is in [0, 1).
 */
export function nextAttemptAt(createdAt: number, attemptsMade: number, nowMs: number, random: number): number | null {
  const ceiling = Math.min(RETRY.firstDelayMs * 2 ** Math.max(0, attemptsMade - 1), RETRY.maxDelayMs);
  const at = nowMs + Math.round(ceiling * (0.5 + random / 2));
  return at <= createdAt + RETRY.windowMs ? at : null;
}
