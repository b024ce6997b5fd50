/**
 * The verification entrances over HTTP, on the one verifier:
 *   POST /v1/verify  JSON in, JSON out (always 200 for a well-formed question): for services and the SDK.
 *   GET  /v1/auth    forward auth for nginx auth_request, Traefik ForwardAuth, Caddy forward_auth and Envoy
 *                    ext_authz (HTTP mode), reading the original request only the way SIDEKEY_FORWARD_AUTH names
 *                    (domain/forward-auth.ts): 200 with identity headers, or 400/401/403/429 with the envelope.
 * Both may require the service key SIDEKEY_VERIFY_KEY in X-Sidekey-Verify-Key (the production setting).
 * Their request logs are at "warn": thousands of lines a second would cost more than the verification itself.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { constantTimeEqual } from '../../domain/credentials.js';
import { toEnvelope } from '../../domain/errors.js';
import { headerNamesOf, originalRequest } from '../../domain/forward-auth.js';
import { methodOverrideHeader } from '../../domain/forwarding.js';
import { MESSAGE_OF_CODE, TOKEN_KINDS, VERIFICATION_CODES, VERIFICATION_STATUSES, type VerifyAnswer } from '../../domain/verification-answers.js';
import type { VerificationResult, Verifier } from '../../verify/verifier.js';
import { firstHeaderValue } from '../client-address.js';
import { BODY_ERRORS, errorResponses, verificationSecurity } from '../openapi.js';
import { sendDenial, sendEnvelope, useSharedQuietLogger } from './answers.js';

export const VERIFY_KEY_HEADER = 'x-sidekey-verify-key';
/** Sent by nginx (see docs/protect-your-api.md): auth_request treats any status but 2xx/401/403 as an error. */
export const AUTH_STYLE_HEADER = 'x-sidekey-auth-style';

/**
 * The allowed answer of forward auth, written straight to the socket: an empty 200 with seven headers. This
 * is most of what the verification endpoints ever answer, and Fastify's reply pipeline (header bookkeeping,
 * onSend hooks of the app's cookie plugin, serialization) cost more than the verification itself. Nothing in
 * that pipeline applies to a bodiless proxy answer.
 */
function sendAllowed(reply: FastifyReply, result: VerificationResult): void {
  const token = result.token!;
  const limit = result.rateLimit!;
  reply.hijack();
  reply.raw.writeHead(200, [
    'x-sidekey-account-id', token.accountId,
    'x-sidekey-token-id', token.id,
    'x-sidekey-account-sid', token.accountSid,
    'x-sidekey-api-version', String(result.apiVersion ?? token.apiVersion),
    'x-ratelimit-limit', String(limit.limit),
    'x-ratelimit-remaining', String(limit.remaining),
    'x-ratelimit-reset', String(limit.reset),
    'content-length', '0',
  ]);
  reply.raw.end();
}

/**
 * onRequest hook: the service key, when configured, compared in constant time. Only its length can leak, which
 * says nothing useful about a random key (hashing both sides first would cost more than the verification).
 */
export function requireVerifyKey(expected: string | undefined) {
  if (!expected) return undefined;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const sent = firstHeaderValue(request.headers[VERIFY_KEY_HEADER]);
    if (sent !== undefined && constantTimeEqual(sent, expected)) return;
    return reply
      .status(401)
      .header('WWW-Authenticate', 'SidekeyVerifyKey')
      .send({ ...toEnvelope('This verification endpoint needs the service key in X-Sidekey-Verify-Key (SIDEKEY_VERIFY_KEY).', [{ field: 'X-Sidekey-Verify-Key', message: 'is missing or wrong' }]), Code: 'VERIFY_KEY_INVALID' });
  };
}

// ---- POST /v1/verify ----------------------------------------------------------------------------------------

/** The wire shape of domain/verification-answers.ts's VerifyQuestion. */
const VerifyBody = Type.Object(
  {
    accountSid: Type.Optional(Type.String({ maxLength: 128 })),
    authToken: Type.Optional(Type.String({ maxLength: 256 })),
    authorization: Type.Optional(Type.String({ maxLength: 512, description: 'the raw Authorization header value, instead of accountSid + authToken' })),
    method: Type.String({ pattern: '^[A-Za-z]{1,10}$' }),
    path: Type.String({ minLength: 1, maxLength: 8192, description: 'the path the API client called, query string included' }),
    apiVersion: Type.Optional(Type.Union([Type.Integer(), Type.String({ maxLength: 16 })], { description: "the request's IR-Version header, if any" })),
    ip: Type.Optional(Type.String({ maxLength: 64, description: "the API client's IP address, for tokens with an IP allow-list" })),
  },
  { additionalProperties: false },
);

/** The wire shape of domain/verification-answers.ts's VerifyAnswer, for validation of the answer and OpenAPI. */
const VerifyAnswerSchema = Type.Object({
  valid: Type.Boolean(),
  code: Type.Enum([...VERIFICATION_CODES], { type: 'string' }),
  status: Type.Enum([...VERIFICATION_STATUSES], { type: 'integer' }),
  message: Type.String(),
  token: Type.Union([
    Type.Object({
      id: Type.String(),
      accountId: Type.String(),
      accountSid: Type.String(),
      name: Type.String(),
      kind: Type.Enum([...TOKEN_KINDS], { type: 'string' }),
      apiVersion: Type.Integer(),
      scopes: Type.Array(Type.String()),
    }),
    Type.Null(),
  ]),
  apiVersion: Type.Optional(Type.Integer()),
  requiredScope: Type.Optional(Type.Object({ id: Type.String(), name: Type.String(), method: Type.String(), path: Type.String() })),
  detail: Type.Optional(Type.Object({ field: Type.String(), message: Type.String() })),
  rateLimit: Type.Union([Type.Object({ limit: Type.Integer(), remaining: Type.Integer(), reset: Type.Integer() }), Type.Null()]),
  retryAfter: Type.Optional(Type.Integer()),
});

/** The allowed answer of forward auth: no body, the identity and the rate limit in headers. */
const AllowedAnswer = Type.Null({
  description: 'Allowed: the identity headers for the upstream, and the rate limit',
  headers: {
    'x-sidekey-account-id': Type.String(),
    'x-sidekey-token-id': Type.String(),
    'x-sidekey-account-sid': Type.String(),
    'x-sidekey-api-version': Type.String({ description: "the API version the request is judged by: IR-Version, or the token's" }),
    'x-ratelimit-limit': Type.String(),
    'x-ratelimit-remaining': Type.String(),
    'x-ratelimit-reset': Type.String({ description: 'seconds until the window resets' }),
  },
});

/** The request headers forward auth reads: the original request's pair of the configured proxy, and IR-Version. */
function forwardAuthHeaders(style: Config['forwardAuth']) {
  const pair = headerNamesOf(style);
  return Type.Object({
    'ir-version': Type.Optional(Type.String({ description: 'the API version the client asked for' })),
    ...(pair
      ? {
          [pair.method.toLowerCase()]: Type.Optional(Type.String({ description: `the original method, set by ${style} (SIDEKEY_FORWARD_AUTH); required, a 400 without it` })),
          [pair.uri.toLowerCase()]: Type.Optional(Type.String({ description: `the original path and query, set by ${style} (SIDEKEY_FORWARD_AUTH); required, a 400 without it` })),
        }
      : {}),
    [AUTH_STYLE_HEADER]: Type.Optional(Type.String({ description: '`nginx`: every refusal is a 403 carrying X-Sidekey-Status and X-Sidekey-Error (auth_request reads only 401 and 403)' })),
  });
}

function toAnswer(result: VerificationResult): VerifyAnswer {
  return { ...result, token: (result.token as VerifyAnswer['token']) ?? null, rateLimit: result.rateLimit ?? null };
}

// ---- the plugin ---------------------------------------------------------------------------------------------

const AUTH_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const AUTH_PREFIX = '/v1/auth';

export interface VerificationRoutesDeps {
  /** The verifier behind each entrance (each may be wrapped to count its answers apart). */
  verifiers: Record<'verify' | 'auth', Pick<Verifier, 'verify'>>;
  /** The realm of the Basic challenge on a 401: the catalog's name. */
  realm: string;
  config: Pick<Config, 'verifyKey' | 'forwardAuth'>;
}

export function verificationRoutes({ verifiers, realm, config }: VerificationRoutesDeps) {
  const verifyKeyHook = requireVerifyKey(config.verifyKey);

  const plugin = async (scope: FastifyInstance) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    useSharedQuietLogger(scope, 'verification');
    if (verifyKeyHook) app.addHook('onRequest', verifyKeyHook);

    app.post(
      '/v1/verify',
      {
        helmet: false,
        schema: {
          tags: ['verification'],
          operationId: 'verify',
          summary: 'May these credentials call this endpoint? Always 200 with the answer (valid, code, status) for a well-formed question.',
          security: verificationSecurity(verifyKeyHook !== undefined, false),
          body: VerifyBody,
          response: { 200: VerifyAnswerSchema, ...errorResponses(...BODY_ERRORS, ...(verifyKeyHook ? ([401] as const) : [])) },
        },
      },
      async (request) => {
        const { body } = request;
        const result = await verifiers.verify.verify(body);
        return toAnswer(result);
      },
    );

    // Forward auth: its own scope, because proxies may send any method with any body, which it ignores.
    await app.register(async (auth) => {
      auth.removeAllContentTypeParsers();
      auth.addContentTypeParser('*', (_request, payload, done) => {
        payload.resume();
        done(null, undefined);
      });
      const handler = async (request: FastifyRequest, reply: FastifyReply) => {
        const headers = request.headers;
        const style = firstHeaderValue(headers[AUTH_STYLE_HEADER]) === 'nginx' ? 'nginx' : undefined;
        const inPath = request.url.length > AUTH_PREFIX.length && request.url[AUTH_PREFIX.length] === '/';
        const original = originalRequest(config.forwardAuth, { headers, method: request.method, pathAfterPrefix: inPath ? request.url.slice(AUTH_PREFIX.length) : undefined });
        if (!original.ok) return sendEnvelope(reply, 400, { ...toEnvelope(original.message, [{ field: original.field, message: original.message }]), Code: original.code }, style);
        // The proxy passes the client's headers on to the API too: one that changes the method is refused here.
        const override = methodOverrideHeader(Object.keys(headers));
        if (override !== undefined) {
          const message = `The request carries ${override}: the API would run another method than the one checked.`;
          return sendEnvelope(reply, 403, { ...toEnvelope(MESSAGE_OF_CODE.REQUEST_TARGET_REFUSED, [{ field: override, message }]), Code: 'REQUEST_TARGET_REFUSED' }, style);
        }
        const result = await verifiers.auth.verify({
          authorization: headers.authorization,
          method: original.method,
          path: original.target,
          apiVersion: firstHeaderValue(headers['ir-version']),
          ip: request.clientAddress,
        });
        if (!result.valid) return sendDenial(reply, result, realm, style);
        return sendAllowed(reply, result);
      };
      const schema = {
        tags: ['verification'],
        summary: 'Forward auth (nginx auth_request, Traefik ForwardAuth, Caddy forward_auth, Envoy ext_authz)',
        security: verificationSecurity(verifyKeyHook !== undefined, true),
        headers: forwardAuthHeaders(config.forwardAuth),
        response: { 200: AllowedAnswer, ...errorResponses(400, 401, 403, 429, 503) },
      };
      // No browser ever reads these answers (proxies and services do): helmet's page-security headers would only add bytes.
      // One route per method, so each operation of the document has its own id; GET's automatic HEAD route is in
      // the document too (as forwardAuthGet-head), since proxies may ask with HEAD.
      for (const method of AUTH_METHODS.filter((m) => m !== 'HEAD')) {
        const operationId = `forwardAuth${method[0]}${method.slice(1).toLowerCase()}`;
        auth.route({ method, url: AUTH_PREFIX, schema: { ...schema, operationId }, handler, helmet: false, config: { swagger: { exposeHeadRoute: method === 'GET' } } });
      }
      auth.route({ method: [...AUTH_METHODS], url: `${AUTH_PREFIX}/*`, schema: { ...schema, hide: true }, handler, helmet: false });
    });
  };
  return async (app: FastifyInstance) => {
    await app.register(plugin, { logLevel: 'warn' });
  };
}
