/**
 * The one place that talks HTTP to the management API: JSON in and out, the session cookie, the CSRF header
 * on every mutation, and the error envelope turned into an `ApiError` the UI can show field by field.
 */
import type { ErrorEnvelopeDto } from '../../../src/http/management/schemas.js';

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The message for a given field (`name`, `developerEmails`, `rateLimit.limit`, …), if the server named it. */
  fieldMessage(field: string): string | undefined {
    return this.fieldErrors.find((f) => f.field === field)?.message;
  }
}

export const isApiError = (error: unknown): error is ApiError => error instanceof ApiError;

// The CSRF token lives only in memory: it comes with sign-in, and after a reload it is fetched again
// from GET /session/csrf before the first mutation (the cookie alone must never authorise a write).
let csrfToken: string | null = null;
let csrfRequest: Promise<string> | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
  csrfRequest = null;
}

async function ensureCsrfToken(): Promise<string> {
  if (csrfToken) return csrfToken;
  csrfRequest ??= send<{ csrfToken: string }>('GET', '/session/csrf').then((r) => {
    csrfToken = r.csrfToken;
    return r.csrfToken;
  });
  try {
    return await csrfRequest;
  } finally {
    csrfRequest = null;
  }
}

const API_BASE = '/api/v1';
const isMutation = (method: string) => method !== 'GET' && method !== 'HEAD';
/** Sign-in, first-run setup and invites are public (the first three create the session): no CSRF token to send yet. */
const PUBLIC_POSTS = ['/session', '/setup', '/invite', '/invite/check'];
const opensSession = (method: string, path: string) => method === 'POST' && PUBLIC_POSTS.includes(path);

async function send<T>(method: string, path: string, body?: unknown, csrf?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let response: Response;
  try {
    response = await fetch(API_BASE + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'Cannot reach the server. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw toApiError(response.status, payload);
  return payload as T;
}

function toApiError(status: number, payload: unknown): ApiError {
  const envelope = payload as Partial<ErrorEnvelopeDto> | undefined;
  const fields = Array.isArray(envelope?.Errors) ? envelope.Errors.map((e) => ({ field: e.Field, message: e.Message })) : [];
  const message = typeof envelope?.Message === 'string' && envelope.Message ? envelope.Message : fallbackMessage(status);
  return new ApiError(status, message, fields);
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'Your session has ended. Sign in again.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'Not found.';
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  return `The server could not complete the request (HTTP ${status}).`;
}

export async function request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const csrf = isMutation(method) && !opensSession(method, path) ? await ensureCsrfToken() : undefined;
  return send<T>(method, path, body, csrf);
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
};

/** Builds `?a=1&b=2` from the defined, non-empty values only. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
