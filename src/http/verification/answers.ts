/**
 * How the verification entrances and the gateway send a refusal built by domain/verification-answers.ts, and
 * (for nginx auth_request, which understands only 401 and 403) the status and envelope carried in headers.
 * Also the identity headers an allowed request carries upstream, and the quiet logger of the hot-path scopes.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ErrorEnvelope } from '../../domain/errors.js';
import { refusalOf } from '../../domain/verification-answers.js';
import type { VerificationResult } from '../../verify/verifier.js';

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
 * A refusal (status, headers and envelope from domain/verification-answers.ts, the SDK's source too).
 * `style: 'nginx'`: auth_request understands only 401 and 403, so any other status travels as a 403 carrying
 * X-Sidekey-Status, and the envelope (bounded) in X-Sidekey-Error.
 */
export function sendDenial(reply: FastifyReply, result: VerificationResult, realm: string, style?: 'nginx') {
  const refusal = refusalOf(result, realm);
  reply.headers(refusal.headers);
  return sendEnvelope(reply, refusal.status, refusal.body, style);
}

/** An envelope answer of /v1/auth, in the proxy's style. */
export function sendEnvelope(reply: FastifyReply, status: number, envelope: ErrorEnvelope & { Code: string }, style: 'nginx' | undefined) {
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
