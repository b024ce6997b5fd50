/**
 * The answers of the verification entrances and the gateway, as plain data (http/answer.ts): a refusal built by
 * domain/verification-answers.ts, and (for nginx auth_request, which understands only 401 and 403) the status
 * and envelope carried in headers; the allowed answer of forward auth; and the identity headers an allowed
 * request carries upstream. Also the quiet logger of the hot-path scopes.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ErrorEnvelope } from '../../domain/errors.js';
import { rateLimitHeaders, refusalOf } from '../../domain/verification-answers.js';
import type { VerificationResult } from '../../verify/verifier.js';
import { type HttpAnswer, jsonAnswer } from '../answer.js';

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

export type AuthStyle = 'nginx' | undefined;

/**
 * A refusal (status, headers and envelope from domain/verification-answers.ts, the SDK's source too).
 * `style: 'nginx'`: auth_request understands only 401 and 403, so any other status travels as a 403 carrying
 * X-Sidekey-Status, and the envelope (bounded) in X-Sidekey-Error.
 */
export function denialAnswer(result: VerificationResult, realm: string, style?: AuthStyle): HttpAnswer {
  const refusal = refusalOf(result, realm);
  return envelopeAnswer(refusal.status, refusal.body, style, refusal.headers);
}

/** An envelope answer of /v1/auth, in the proxy's style. */
export function envelopeAnswer(status: number, envelope: ErrorEnvelope & { Code: string }, style: AuthStyle, headers: Record<string, string> = {}): HttpAnswer {
  if (style === 'nginx') {
    headers['x-sidekey-status'] = String(status);
    let header = asciiJson(envelope);
    if (header.length > MAX_ERROR_HEADER_LENGTH) header = asciiJson({ ...envelope, Errors: [] });
    headers['x-sidekey-error'] = header;
    if (status !== 401 && status !== 403) status = 403;
  }
  return jsonAnswer(status, envelope, headers);
}

/** The allowed answer of forward auth: an empty 200 with the identity and the rate limit in headers. */
export function allowedAnswer(result: VerificationResult): HttpAnswer {
  return { status: 200, headers: { ...identityHeaders(result), ...rateLimitHeaders(result.rateLimit) } };
}

/**
 * One logger at "warn" for every request of a hot-path scope, instead of a child per request: Fastify's
 * per-request child re-runs the log redaction over its bindings, about 3% of a /v1/auth request. Warnings and
 * errors from these routes are still logged (without a request id). The fast path logs through the same one.
 */
export function sharedQuietLogger(log: FastifyBaseLogger, component: string): FastifyBaseLogger {
  return log.child({ component }, { level: 'warn' });
}

export function useSharedQuietLogger(scope: FastifyInstance, quiet: FastifyBaseLogger): void {
  scope.setChildLoggerFactory(() => quiet);
}
