/**
 * The one schema definition Kysely types every query from. Times are epoch milliseconds (bigint in
 * PostgreSQL, parsed back to numbers), booleans are 0/1 integers and lists are JSON text, so both
 * databases hand back identical rows.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface AccountsTable {
  id: string;
  name: string;
  api_access_enabled: number;
  legacy_tokens_enabled: number;
  created_at: number;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  /** Empty for an invited user who has not set a password yet: nothing signs in with it. */
  password_hash: string;
  created_at: number;
  last_sign_in_at: number | null;
}

export interface MembershipsTable {
  account_id: string;
  user_id: string;
  role: string;
  created_at: number;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

/** One-time links: first-run setup (no user) or an invite that sets one user's password (user and account). */
export interface SetupLinksTable {
  token_hash: string;
  expires_at: number;
  used_at: number | null;
  user_id: string | null;
  account_id: string | null;
}

export interface TokensTable {
  id: string;
  account_id: string;
  kind: string;
  account_sid: string;
  name: string;
  name_lower: string;
  description: string;
  api_version: number;
  primary_contact_user_id: string | null;
  developer_emails: string;
  scopes: string;
  state: string;
  created_at: number;
  created_by: string | null;
  updated_at: number;
  last_used_at: number | null;
  last_used_ip: string | null;
  expires_at: number | null;
  not_before: number | null;
  allowed_cidrs: string;
  rate_limit: string | null;
  secret_hash: string;
  secret_ciphertext: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  revision: number;
}

export interface AuditEventsTable {
  id: string;
  account_id: string;
  token_id: string | null;
  actor_user_id: string | null;
  action: string;
  at: number;
  details: string;
}

export interface UsageDailyTable {
  token_id: string;
  day: string;
  code: string;
  count: number;
}

/** Sign-in throttle counters (src/accounts/throttle.ts): one row per hashed key, its current window and count. */
export interface SignInAttemptsTable {
  key: string;
  window_start: number;
  window_ms: number;
  attempts: number;
}

/** The durable change log: one row per committed change that affects verification, in commit order. */
export interface ChangeLogTable {
  seq: Generated<number>;
  kind: string;
  token_id: string | null;
  account_sid: string | null;
  account_id: string;
  created_at: number;
}

/** The lifecycle outbox: one row per event (src/domain/lifecycle-events.ts), `payload` its JSON; undispatched while `dispatched_at` is null. */
export interface LifecycleEventsTable {
  id: string;
  account_id: string;
  token_id: string;
  type: string;
  occurred_at: number;
  payload: string;
  dispatched_at: number | null;
  /** JSON EventContacts (src/events/dispatcher.ts): whom the event may mail, as the token had them when it happened. */
  contacts: string | null;
}

/** Expiry notices raised: one row per (token, expiry, threshold), so each is raised once on any number of nodes. */
export interface LifecycleNoticesTable {
  token_id: string;
  expires_at: number;
  days_before: number;
  event_id: string;
}

/** Idle-token notices raised: one row per (token, unused stretch), `since` being the stretch's start (its last use or creation). */
export interface UnusedNoticesTable {
  token_id: string;
  since: number;
  event_id: string;
}

/** Each canary token's alert guard, shared by every node (domain/canary.ts `CanaryGuard`). */
export interface CanaryAlertsTable {
  token_id: string;
  last_alert_at: number | null;
  suppressed: number;
}

export interface WebhookEndpointsTable {
  id: string;
  account_id: string;
  url: string;
  description: string;
  /** JSON list of event types. */
  events: string;
  state: string;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

/** One event to one endpoint: pending (due at `next_attempt_at`, claimed by `claim_id` while in flight), delivered or failed. */
export interface WebhookDeliveriesTable {
  id: string;
  account_id: string;
  endpoint_id: string;
  event_id: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  claim_id: string | null;
  created_at: number;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  at: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

/** An account's e-mail choices: `delivery` immediate/hourly/daily; `muted` JSON { primaryContact: types[], developers: types[] }. */
export interface MailSettingsTable {
  account_id: string;
  delivery: string;
  muted: string;
  updated_at: number;
}

/**
 * One e-mail to one recipient: of one event (`batch_key` the event id) or of a digest window (`batch_key`
 * `hourly:<start>`), pending until sent (due at `next_attempt_at`, claimed by `claim_id` while in flight), sent or failed.
 */
export interface MailMessagesTable {
  id: string;
  account_id: string;
  recipient: string;
  batch_key: string;
  delivery: string;
  status: string;
  event_count: number;
  attempts: number;
  /** When it is first sent (a digest's window end); the retry window counts from here. */
  send_at: number;
  next_attempt_at: number | null;
  claim_id: string | null;
  last_error: string | null;
  sent_at: number | null;
  created_at: number;
}

export interface MailMessageEventsTable {
  message_id: string;
  event_id: string;
}

/**
 * A leak report of a token's secret (docs/leak-reports.md): who reported it where, and what it did. `secret_hash` is
 * the keyed hash of the reported secret (as `tokens.secret_hash` holds it), the key that makes a repeat a no-op; it
 * never leaves the store.
 */
export interface TokenExposuresTable {
  id: string;
  account_id: string;
  token_id: string;
  secret_hash: string;
  reporter: string;
  report_type: string;
  source: string;
  url: string;
  reported_at: number;
  action: string;
}

export interface Schema {
  accounts: AccountsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  setup_links: SetupLinksTable;
  tokens: TokensTable;
  audit_events: AuditEventsTable;
  usage_daily: UsageDailyTable;
  sign_in_attempts: SignInAttemptsTable;
  change_log: ChangeLogTable;
  lifecycle_events: LifecycleEventsTable;
  lifecycle_notices: LifecycleNoticesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  mail_settings: MailSettingsTable;
  mail_messages: MailMessagesTable;
  mail_message_events: MailMessageEventsTable;
  token_exposures: TokenExposuresTable;
  unused_notices: UnusedNoticesTable;
  canary_alerts: CanaryAlertsTable;
}

export type TokenRow = Selectable<TokensTable>;
export type NewTokenRow = Insertable<TokensTable>;
export type TokenRowPatch = Updateable<TokensTable>;
export type AccountRow = Selectable<AccountsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewAuditEventRow = Insertable<AuditEventsTable>;
