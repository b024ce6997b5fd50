/**
 * The verification API's answers, the one source for the server and the SDK (sdk/ compiles this file and the
 * envelope it builds on into its package): the answer codes with their HTTP status, message and Errors entry,
 * the JSON answer of POST /v1/verify, and the refusal an API client receives — status, headers and envelope,
 * the same bytes whether the gateway, GET /v1/auth or a service protected by the SDK refuses.
 * Pure, and it imports nothing but the envelope shape (domain/errors.ts): the SDK must build from these two alone.
 */
import { type ErrorEnvelope, toEnvelope } from './errors.js';

/** In order of precedence: a 401 beats every 403, a 403 beats a 429. */
export const VERIFICATION_CODES = [
  'ALLOWED',
  /** Decided before the credentials are read: the target is one that servers could route differently. */
  'REQUEST_TARGET_REFUSED',
  'INVALID_CREDENTIALS',
  'API_ACCESS_DISABLED',
  'TOKEN_DISABLED',
  'TOKEN_EXPIRED',
  'TOKEN_NOT_YET_VALID',
  'IP_NOT_ALLOWED',
  'VERSION_UNSUPPORTED',
  'INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
  /** The verifier cannot tell whether the credentials are still valid (its view is stale and the database is away). */
  'VERIFIER_UNAVAILABLE',
] as const;
export type VerificationCode = (typeof VERIFICATION_CODES)[number];
export type DenialCode = Exclude<VerificationCode, 'ALLOWED'>;

/** The status of each answer; a malformed target (domain/request-target.ts) is answered 400 instead of 403. */
export const VERIFICATION_STATUSES = [200, 400, 401, 403, 429, 503] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export const STATUS_OF_CODE: Record<VerificationCode, Exclude<VerificationStatus, 400>> = {
  ALLOWED: 200,
  REQUEST_TARGET_REFUSED: 403,
  INVALID_CREDENTIALS: 401,
  API_ACCESS_DISABLED: 403,
  TOKEN_DISABLED: 403,
  TOKEN_EXPIRED: 403,
  TOKEN_NOT_YET_VALID: 403,
  IP_NOT_ALLOWED: 403,
  VERSION_UNSUPPORTED: 403,
  INSUFFICIENT_SCOPE: 403,
  RATE_LIMITED: 429,
  VERIFIER_UNAVAILABLE: 503,
};

/** What an API client reads. The 401 message never says which part was wrong: that would help guessing. */
export const MESSAGE_OF_CODE: Record<VerificationCode, string> = {
  ALLOWED: 'Allowed.',
  REQUEST_TARGET_REFUSED: 'This request target is refused: servers could read it as a different endpoint than the one checked.',
  INVALID_CREDENTIALS: 'Missing or invalid credentials. Send Authorization: Basic base64(AccountSID:AuthToken), with the same Account SID in the path.',
  API_ACCESS_DISABLED: 'API access is disabled for this account.',
  TOKEN_DISABLED: 'This API access token is disabled.',
  TOKEN_EXPIRED: 'This API access token has expired.',
  TOKEN_NOT_YET_VALID: 'This API access token is not valid yet.',
  IP_NOT_ALLOWED: 'This API access token may not be used from this IP address.',
  VERSION_UNSUPPORTED: 'The requested API version is not supported.',
  INSUFFICIENT_SCOPE: 'This API access token does not have the scope this endpoint needs.',
  RATE_LIMITED: 'Rate limit exceeded. Retry after the number of seconds in Retry-After.',
  VERIFIER_UNAVAILABLE: 'The credentials cannot be checked right now. Retry after the number of seconds in Retry-After.',
};

/** The Errors entry of each refusal, unless the verdict carries a more precise one (`detail`: scope, version, path). */
export const FIELD_OF_CODE: Record<DenialCode, { field: string; message: string }> = {
  REQUEST_TARGET_REFUSED: { field: 'path', message: 'is refused' },
  INVALID_CREDENTIALS: { field: 'Authorization', message: 'is missing, malformed or not valid' },
  API_ACCESS_DISABLED: { field: 'account', message: 'has API access turned off' },
  TOKEN_DISABLED: { field: 'token', message: 'is disabled' },
  TOKEN_EXPIRED: { field: 'token', message: 'has expired' },
  TOKEN_NOT_YET_VALID: { field: 'token', message: 'is not valid yet' },
  IP_NOT_ALLOWED: { field: 'ip', message: "is not in the token's allowed address ranges" },
  VERSION_UNSUPPORTED: { field: 'IR-Version', message: 'is not a supported API version' },
  INSUFFICIENT_SCOPE: { field: 'scope', message: 'is not granted to this token' },
  RATE_LIMITED: { field: 'rateLimit', message: 'is used up until the window resets (see Retry-After)' },
  VERIFIER_UNAVAILABLE: { field: 'verifier', message: 'cannot reach its database; nothing was allowed (see Retry-After)' },
};

/** `canary`: a decoy that never authenticates; any use of it alerts its contacts (domain/canary.ts). */
export const TOKEN_KINDS = ['scoped', 'legacy_rw', 'legacy_ro', 'canary'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

// ---- POST /v1/verify: question and answer -------------------------------------------------------------------

/** The question about one request: POST /v1/verify's body. */
export interface VerifyQuestion {
  /** The API client's raw Authorization header (Basic or Bearer)… */
  authorization?: string;
  /** …or the Account SID and Auth Token separately. */
  accountSid?: string;
  authToken?: string;
  method: string;
  /** The request target the API client sent, query string included. */
  path: string;
  /** The request's IR-Version header, if any. */
  apiVersion?: number | string;
  /** The API client's address, for tokens restricted to IP ranges. */
  ip?: string;
  /** The API client's User-Agent, reported when the credentials are a canary token's. */
  userAgent?: string;
}

/** The token the credentials authenticated. */
export interface VerifiedToken {
  id: string;
  accountId: string;
  accountSid: string;
  name: string;
  kind: TokenKind;
  apiVersion: number;
  scopes: string[];
}

/** What the X-RateLimit-* headers report: the tightest bucket after this request. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets (impact.com documents "seconds until reset"). */
  reset: number;
}

/** The scope an endpoint needs. */
export interface RequiredScope {
  id: string;
  name: string;
  method: string;
  path: string;
}

/** The verdict on one request, as POST /v1/verify answers it (always with HTTP 200). */
export interface VerifyAnswer {
  valid: boolean;
  code: VerificationCode;
  /** The HTTP status to answer the API client with. */
  status: VerificationStatus;
  message: string;
  /** Present once the credentials authenticated a token. */
  token: VerifiedToken | null;
  /** The API version the scope check used (the token's, or the one the request named). */
  apiVersion?: number;
  /** The scope this endpoint needs (always on INSUFFICIENT_SCOPE when the catalog knows the endpoint). */
  requiredScope?: RequiredScope;
  /** What exactly was wrong, for the refusal's Errors entry. */
  detail?: { field: string; message: string };
  /** On every answer that reached a token, except a 401. */
  rateLimit: RateLimitState | null;
  /** Seconds, on RATE_LIMITED and VERIFIER_UNAVAILABLE. */
  retryAfter?: number;
}

// ---- the refusal an API client receives ---------------------------------------------------------------------

/** What a refusal is built from: the server's own verdict and the wire answer both are one. */
export interface RefusedVerdict {
  code: VerificationCode;
  status: VerificationStatus;
  message: string;
  requiredScope?: RequiredScope;
  detail?: { field: string; message: string };
  rateLimit?: RateLimitState | null;
  retryAfter?: number;
}

/** impact.com's envelope, plus the machine-readable Code and, for a missing scope, which scope. */
export interface RefusalEnvelope extends ErrorEnvelope {
  Code: VerificationCode;
  RequiredScope?: { Id: string; Name: string; Method: string; Path: string };
}

/** A refusal ready for any framework to send: header names are lower-case, values strings. */
export interface Refusal {
  status: VerificationStatus;
  headers: Record<string, string>;
  body: RefusalEnvelope;
}

export function refusalEnvelope(verdict: RefusedVerdict): RefusalEnvelope {
  const field = verdict.detail ?? FIELD_OF_CODE[verdict.code as DenialCode];
  const envelope: RefusalEnvelope = { ...toEnvelope(verdict.message, [field]), Code: verdict.code };
  if (verdict.requiredScope) {
    const { id, name, method, path } = verdict.requiredScope;
    envelope.RequiredScope = { Id: id, Name: name, Method: method, Path: path };
  }
  return envelope;
}

/** The 401 challenge; quotes and backslashes are dropped from the realm rather than escaped. */
export function basicChallenge(realm: string): string {
  return `Basic realm="${realm.replace(/["\\]/g, '')}", charset="UTF-8"`;
}

export function rateLimitHeaders(rateLimit: RateLimitState | null | undefined): Record<string, string> {
  if (!rateLimit) return {};
  return {
    'x-ratelimit-limit': String(rateLimit.limit),
    'x-ratelimit-remaining': String(rateLimit.remaining),
    'x-ratelimit-reset': String(rateLimit.reset),
  };
}

/** Status, headers and envelope of a refused request; `realm` names the API in the 401 challenge. */
export function refusalOf(verdict: RefusedVerdict, realm: string): Refusal {
  const headers = rateLimitHeaders(verdict.rateLimit);
  headers['x-sidekey-code'] = verdict.code;
  if (verdict.status === 401) headers['www-authenticate'] = basicChallenge(realm);
  if (verdict.retryAfter !== undefined) headers['retry-after'] = String(verdict.retryAfter);
  return { status: verdict.status, headers, body: refusalEnvelope(verdict) };
}
