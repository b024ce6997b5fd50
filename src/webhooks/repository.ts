/** The webhook_endpoints, webhook_deliveries and webhook_attempts queries. */
import type { Executor } from '../store/database.js';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../store/schema.js';

export type EndpointRow = WebhookEndpointsTable;
export type DeliveryRow = WebhookDeliveriesTable;

export async function insertEndpoint(db: Executor, row: EndpointRow): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

export async function findEndpoint(db: Executor, accountId: string, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export async function listEndpoints(db: Executor, accountId: string): Promise<EndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute();
}

export async function enabledEndpoints(db: Executor, accountId: string): Promise<EndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('state', '=', 'enabled').execute();
}

export async function replaceEndpoint(db: Executor, row: EndpointRow): Promise<void> {
  const { id, account_id, ...rest } = row;
  await db.updateTable('webhook_endpoints').set(rest).where('id', '=', id).where('account_id', '=', account_id).execute();
}

export async function deleteEndpoint(db: Executor, accountId: string, id: string): Promise<void> {
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).where('account_id', '=', accountId).execute();
}

export async function insertDelivery(db: Executor, row: DeliveryRow): Promise<void> {
  await db.insertInto('webhook_deliveries').values(row).execute();
}

/** What one claimed delivery sends: its endpoint and the event's payload as stored (the exact bytes signed). */
export async function findWork(db: Executor, deliveryId: string) {
  return db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
    .innerJoin('lifecycle_events', 'lifecycle_events.id', 'webhook_deliveries.event_id')
    .select([
      'webhook_deliveries.id as id',
      'webhook_deliveries.attempts as attempts',
      'webhook_deliveries.created_at as createdAt',
      'webhook_deliveries.claim_id as claimId',
      'webhook_deliveries.event_id as eventId',
      'lifecycle_events.type as eventType',
      'lifecycle_events.payload as payload',
      'webhook_endpoints.url as url',
      'webhook_endpoints.state as endpointState',
      'webhook_endpoints.secret_ciphertext as secretCiphertext',
      'webhook_endpoints.previous_secret_ciphertext as previousSecretCiphertext',
      'webhook_endpoints.previous_secret_expires_at as previousSecretExpiresAt',
    ])
    .where('webhook_deliveries.id', '=', deliveryId)
    .executeTakeFirst();
}

/** Records an attempt's outcome if `claimId` still holds the delivery (a lease that ran out lost it); false otherwise. */
export async function finishAttempt(
  db: Executor,
  outcome: { deliveryId: string; claimId: string; attempt: number; at: number; status: 'pending' | 'delivered' | 'failed'; nextAttemptAt: number | null; statusCode: number | null; durationMs: number; error: string | null },
): Promise<boolean> {
  const updated = await db
    .updateTable('webhook_deliveries')
    .set({ status: outcome.status, attempts: outcome.attempt, next_attempt_at: outcome.nextAttemptAt, claim_id: null })
    .where('id', '=', outcome.deliveryId)
    .where('claim_id', '=', outcome.claimId)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  await db.insertInto('webhook_attempts').values({ delivery_id: outcome.deliveryId, attempt: outcome.attempt, at: outcome.at, status_code: outcome.statusCode, duration_ms: outcome.durationMs, error: outcome.error }).execute();
  return true;
}

/** An endpoint's deliveries, newest first, each with its event's type and token. */
export async function listDeliveries(db: Executor, accountId: string, endpointId: string, limit: number) {
  return deliveryQuery(db, accountId).where('webhook_deliveries.endpoint_id', '=', endpointId).orderBy('webhook_deliveries.created_at', 'desc').orderBy('webhook_deliveries.id', 'desc').limit(limit).execute();
}

/** The deliveries these events produced (a token's Activity page). */
export async function deliveriesOfEvents(db: Executor, accountId: string, eventIds: string[]) {
  if (eventIds.length === 0) return [];
  return deliveryQuery(db, accountId).where('webhook_deliveries.event_id', 'in', eventIds).orderBy('webhook_deliveries.created_at').orderBy('webhook_deliveries.id').execute();
}

export async function findDelivery(db: Executor, accountId: string, endpointId: string, deliveryId: string) {
  return deliveryQuery(db, accountId).where('webhook_deliveries.endpoint_id', '=', endpointId).where('webhook_deliveries.id', '=', deliveryId).executeTakeFirst();
}

function deliveryQuery(db: Executor, accountId: string) {
  return db
    .selectFrom('webhook_deliveries')
    .innerJoin('lifecycle_events', 'lifecycle_events.id', 'webhook_deliveries.event_id')
    .select([
      'webhook_deliveries.id as id',
      'webhook_deliveries.endpoint_id as endpointId',
      'webhook_deliveries.event_id as eventId',
      'lifecycle_events.type as eventType',
      'lifecycle_events.token_id as tokenId',
      'webhook_deliveries.status as status',
      'webhook_deliveries.attempts as attempts',
      'webhook_deliveries.next_attempt_at as nextAttemptAt',
      'webhook_deliveries.created_at as createdAt',
    ])
    .where('webhook_deliveries.account_id', '=', accountId);
}

export async function attemptsOf(db: Executor, deliveryIds: string[]) {
  if (deliveryIds.length === 0) return [];
  return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt').execute();
}

/** Deletes up to `limit` delivered or failed deliveries created before `before`; their attempts go with them (cascade). */
export async function deleteFinishedDeliveries(db: Executor, before: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where('id', 'in', (eb) => eb.selectFrom('webhook_deliveries').select('id').where('status', 'in', ['delivered', 'failed']).where('created_at', '<', before).limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
