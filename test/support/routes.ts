import type { Role } from '../../src/domain/roles.js';

/** The management routes under /api/v1/accounts, with a valid request for each: shared by the authorisation matrix and the CSRF test. */
export interface RouteRow {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  /** The success status for a permitted user on their own account. */
  ok: number;
  body?: unknown;
  /** The roles permitted on their own account, when not the token managers (Account Administrator, Implementation Specialist). */
  roles?: readonly Role[];
}

const A = '/api/v1/accounts/:accountId';
const T = `${A}/tokens/:tokenId`;
const W = `${A}/webhooks`;
const ADMIN_ONLY: readonly Role[] = ['account_administrator'];
/** A webhook target the matrix may save: its harness allows loopback targets (WEBHOOK_ALLOWED_PRIVATE_TARGETS). */
export const MATRIX_WEBHOOK_URL = 'http://127.0.0.1:9/hooks';
export const ACCOUNT_ROUTES: RouteRow[] = [
  { method: 'GET', url: `${A}/api-settings`, ok: 200 },
  { method: 'POST', url: `${A}/api-access`, ok: 200 },
  { method: 'POST', url: `${A}/legacy-tokens`, ok: 200 },
  { method: 'GET', url: `${A}/users`, ok: 200 },
  { method: 'GET', url: `${A}/tokens`, ok: 200 },
  { method: 'POST', url: `${A}/tokens`, ok: 201, body: { name: 'Matrix token', scopes: ['listActions'] } },
  { method: 'GET', url: T, ok: 200 },
  { method: 'PATCH', url: T, ok: 200, body: { description: 'edited by the matrix' } },
  { method: 'DELETE', url: T, ok: 204 },
  { method: 'POST', url: `${T}/duplicate`, ok: 201 },
  { method: 'POST', url: `${T}/reset`, ok: 200, body: { graceSeconds: 60 } },
  { method: 'POST', url: `${T}/upgrade`, ok: 200, body: { apiVersion: 14 } },
  { method: 'POST', url: `${T}/disable`, ok: 200 },
  { method: 'POST', url: `${T}/enable`, ok: 200 },
  { method: 'GET', url: `${T}/credentials`, ok: 200 },
  { method: 'GET', url: `${T}/events`, ok: 200 },
  { method: 'GET', url: `${T}/usage`, ok: 200 },
  { method: 'GET', url: `${T}/lifecycle-events`, ok: 200 },
  { method: 'GET', url: W, ok: 200, roles: ADMIN_ONLY },
  { method: 'POST', url: W, ok: 201, roles: ADMIN_ONLY, body: { url: MATRIX_WEBHOOK_URL, events: ['token.created'] } },
  { method: 'GET', url: `${W}/:webhookId`, ok: 200, roles: ADMIN_ONLY },
  { method: 'PATCH', url: `${W}/:webhookId`, ok: 200, roles: ADMIN_ONLY, body: { description: 'edited by the matrix' } },
  { method: 'DELETE', url: `${W}/:webhookId`, ok: 204, roles: ADMIN_ONLY },
  { method: 'POST', url: `${W}/:webhookId/rotate-secret`, ok: 200, roles: ADMIN_ONLY, body: { overlapSeconds: 60 } },
  { method: 'GET', url: `${W}/:webhookId/deliveries`, ok: 200, roles: ADMIN_ONLY },
  { method: 'POST', url: `${W}/:webhookId/deliveries/:deliveryId/redeliver`, ok: 201, roles: ADMIN_ONLY },
];

/** Routes any complete list of /api/v1 must hold: every account route, sign-in and sign-out. */
export const KNOWN_ROUTES = [...ACCOUNT_ROUTES.map((r) => `${r.method} ${r.url}`), 'POST /api/v1/session', 'DELETE /api/v1/session'];
