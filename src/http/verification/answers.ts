/**
 * How the verification entrances and the gateway answer a refusal: impact.com's error envelope with the machine
 * code, the rate-limit headers, the Basic challenge on a 401, and (for nginx auth_request, which understands only
 * 401 and 403) the status and envelope carried in headers. Also the identity headers an allowed request carries
 * upstream, and the quiet logger of the hot-path scopes.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { toEnvelope } from '../../domain/errors.js';
import type { VerificationCode } from '../../domain/verification.js';
import type { VerificationResult } from '../../verify/verifier.js';

/** The Errors entry of each refusal, unless the verifier gave a more precise one (scope, version, path). */
const FIELD_OF_CODE: Record<VerificationCode, { field: string; message: string }> = {
  ALLOWED: { field: '', message: '' },
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

/** impact.com's envelope, plus the machine-readable Code and, for a missing scope, which scope. */
export function denialEnvelope(result: VerificationResult) {
  const field = result.detail ?? FIELD_OF_CODE[result.code];
  const envelope: ReturnType<typeof toEnvelope> & { Code: string; RequiredScope?: { Id: string; Name: string; Method: string; Path: string } } = {
    ...toEnvelope(result.message, [field]),
    Code: result.code,
  };
  if (result.requiredScope) {
    const { id, name, method, path } = result.requiredScope;
    envelope.RequiredScope = { Id: id, Name: name, Method: method, Path: path };
  }
  return envelope;
}

export function basicChallenge(realm: string): string {
  return `Basic realm="${realm.replace(/["\\]/g, '')}", charset="UTF-8"`;
}

export function setRateLimitHeaders(reply: FastifyReply, result: VerificationResult): void {
  if (!result.rateLimit) return;
  reply.header('X-RateLimit-Limit', result.rateLimit.limit);
  reply.header('X-RateLimit-Remaining', result.rateLimit.remaining);
  reply.header('X-RateLimit-Reset', result.rateLimit.reset);
}

/** The identity an upstream may rely on (only after every client-sent X-Sidekey-* header was removed). */
export function identityHeaders(result: VerificationResult): Record<string, string> {
  const token = result.token!;
  return {
    'x-sidekey-account-id': token.accountId,
    'x-sidekey-token-id': token.id,
    'x-sidekey-account-sid': token.accountSid,
    'x-sidekey-api-version': String(result.apiVersion ?? token.apiVersion),
  };
}

const asciiJson = (value: unknown) => JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Past this, X-Sidekey-Error carries the envelope without its Errors list (nginx's proxy_buffer_size is 4 KB). */
const MAX_ERROR_HEADER_LENGTH = 2048;

/**
 * Status, headers and envelope of a refusal. `style: 'nginx'`: auth_request understands only 401 and 403, so
 * any other status travels as a 403 carrying X-Sidekey-Status, and the envelope (bounded) in X-Sidekey-Error.
 */
export function sendDenial(reply: FastifyReply, result: VerificationResult, realm: string, style?: 'nginx') {
  const envelope = denialEnvelope(result);
  setRateLimitHeaders(reply, result);
  reply.header('X-Sidekey-Code', result.code);
  if (result.status === 401) reply.header('WWW-Authenticate', basicChallenge(realm));
  if (result.retryAfter !== undefined) reply.header('Retry-After', result.retryAfter);
  return sendEnvelope(reply, result.status, envelope, style);
}

/** An envelope answer of /v1/auth, in the proxy's style. */
export function sendEnvelope(reply: FastifyReply, status: number, envelope: ReturnType<typeof toEnvelope> & { Code: string }, style: 'nginx' | undefined) {
  if (style === 'nginx') {
    reply.header('X-Sidekey-Status', status);
    let header = asciiJson(envelope);
    if (header.length > MAX_ERROR_HEADER_LENGTH) header = asciiJson({ ...envelope, Errors: [] });
    reply.header('X-Sidekey-Error', header);
    if (status !== 401 && status !== 403) status = 403;
  }
  return reply.status(status).send(envelope);
}

/**
 * One logger at "warn" for every request of a hot-path scope, instead of a child per request: Fastify's
 * per-request child re-runs the log redaction over its bindings, about 3% of a /v1/auth request.
 * Warnings and errors from these routes are still logged (without a request id).
 */
export function useSharedQuietLogger(scope: FastifyInstance, component: string): void {
  const quiet = scope.log.child({ component }, { level: 'warn' });
  scope.setChildLoggerFactory(() => quiet);
}
