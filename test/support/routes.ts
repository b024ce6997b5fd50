import type { Role } from '../../src/domain/roles.js';

/** The management routes under /api/v1/accounts, with a valid request for each: shared by the authorisation matrix and the CSRF test. */
export interface RouteRow {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  /** The success status for a permitted user on their own account. */
  ok: number;
  body?: unknown;
  /** Who is permitted; unset, the token managers (Account Administrator, Implementation Specialist). */
  roles?: readonly Role[];
}

const ADMINISTRATOR: readonly Role[] = ['account_administrator'];

const A = '/api/v1/accounts/:accountId';
const T = `${A}/tokens/:tokenId`;
const U = `${A}/users/:userId`;
const W = `${A}/webhooks`;
/** A webhook target the matrix may save: its harness allows loopback targets (WEBHOOK_ALLOWED_PRIVATE_TARGETS). */
export const MATRIX_WEBHOOK_URL = 'http://127.0.0.1:9/hooks';
export const ACCOUNT_ROUTES: RouteRow[] = [
  { method: 'GET', url: `${A}/api-settings`, ok: 200 },
  { method: 'POST', url: `${A}/api-access`, ok: 200 },
  { method: 'POST', url: `${A}/legacy-tokens`, ok: 200 },
  { method: 'GET', url: `${A}/users`, ok: 200 },
  { method: 'POST', url: `${A}/users`, ok: 201, body: { email: 'matrix-user@brand.test', role: 'analyst', invite: true }, roles: ADMINISTRATOR },
  { method: 'PATCH', url: U, ok: 200, body: { role: 'finance' }, roles: ADMINISTRATOR },
  { method: 'DELETE', url: U, ok: 204, roles: ADMINISTRATOR },
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
  { method: 'GET', url: `${T}/exposures`, ok: 200 },
  { method: 'GET', url: `${A}/exposures`, ok: 200 },
  { method: 'GET', url: W, ok: 200, roles: ADMINISTRATOR },
  { method: 'POST', url: W, ok: 201, roles: ADMINISTRATOR, body: { url: MATRIX_WEBHOOK_URL, events: ['token.created'] } },
  { method: 'GET', url: `${W}/:webhookId`, ok: 200, roles: ADMINISTRATOR },
  { method: 'PATCH', url: `${W}/:webhookId`, ok: 200, roles: ADMINISTRATOR, body: { description: 'edited by the matrix' } },
  { method: 'DELETE', url: `${W}/:webhookId`, ok: 204, roles: ADMINISTRATOR },
  { method: 'POST', url: `${W}/:webhookId/rotate-secret`, ok: 200, roles: ADMINISTRATOR, body: { overlapSeconds: 60 } },
  { method: 'GET', url: `${W}/:webhookId/deliveries`, ok: 200, roles: ADMINISTRATOR },
  { method: 'POST', url: `${W}/:webhookId/deliveries/:deliveryId/redeliver`, ok: 201, roles: ADMINISTRATOR },
  { method: 'GET', url: `${A}/mail-settings`, ok: 200, roles: ADMINISTRATOR },
  { method: 'PATCH', url: `${A}/mail-settings`, ok: 200, roles: ADMINISTRATOR, body: { delivery: 'daily', events: { developers: ['token.expiring'] } } },
];

/** The signed-in user's own mutations (no account in the path): any signed-in user may make them. */
export const OWN_USER_MUTATIONS: RouteRow[] = [
  { method: 'PATCH', url: '/api/v1/me', ok: 200, body: { name: 'Renamed' } },
  { method: 'POST', url: '/api/v1/me/password', ok: 200, body: { currentPassword: 'correct horse battery staple', newPassword: 'a brand new passphrase' } },
];

/** Routes any complete list of /api/v1 must hold: every account route, sign-in and sign-out. */
export const KNOWN_ROUTES = [...ACCOUNT_ROUTES.map((r) => `${r.method} ${r.url}`), ...OWN_USER_MUTATIONS.map((r) => `${r.method} ${r.url}`), 'POST /api/v1/session', 'DELETE /api/v1/session'];
