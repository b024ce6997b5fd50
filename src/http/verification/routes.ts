/**
 * The verification entrances over HTTP, on the one verifier:
 *   POST /v1/verify  JSON in, JSON out (always 200 for a well-formed question): for services and the SDK.
 *   GET  /v1/auth    forward auth for nginx auth_request, Traefik ForwardAuth, Caddy forward_auth and Envoy
 *                    ext_authz (HTTP mode), reading the original request only the way SIDEKEY_FORWARD_AUTH names
 *                    (domain/forward-auth.ts): 200 with identity headers, or 400/401/403/429 with the envelope.
 * Both may require the service key SIDEKEY_VERIFY_KEY in X-Sidekey-Verify-Key (the production setting).
 * Their request logs are at "warn": thousands of lines a second would cost more than the verification itself.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import type { ProxyTrust } from '../../domain/client-address.js';
import { constantTimeEqual } from '../../domain/credentials.js';
import { ERROR_CODES, managementEnvelope, toEnvelope } from '../../domain/errors.js';
import { headerNamesOf, originalRequest } from '../../domain/forward-auth.js';
import { BODY_LIMIT_BYTES } from '../../domain/input.js';
import { methodOverrideHeader } from '../../domain/forwarding.js';
import { type NowOrLater, andThen } from '../../domain/now-or-later.js';
import { MESSAGE_OF_CODE, TOKEN_KINDS, VERIFICATION_CODES, VERIFICATION_STATUSES, type VerifyAnswer } from '../../domain/verification-answers.js';
import type { VerificationResult, Verifier } from '../../verify/verifier.js';
import { type HttpAnswer, jsonAnswer, sendAnswer, writeAnswer } from '../answer.js';
import { clientAddressOf, firstHeaderValue } from '../client-address.js';
import { type ParsedBody, type Refusal, internalErrorAnswer, refusalOf, requestIdOf } from '../errors.js';
import { type FastPath, readBody, settle } from '../fast-path.js';
import { BODY_ERRORS, errorResponses, verificationSecurity } from '../openapi.js';
import { allowedAnswer, denialAnswer, envelopeAnswer, sharedQuietLogger, useSharedQuietLogger } from './answers.js';

export const VERIFY_KEY_HEADER = 'x-sidekey-verify-key';
/** Sent by nginx (see docs/protect-your-api.md): auth_request treats any status but 2xx/401/403 as an error. */
export const AUTH_STYLE_HEADER = 'x-sidekey-auth-style';

/**
 * The service key check, when one is configured: the refusal to send, or undefined when the key is right. It is
 * compared in constant time; only its length can leak, which says nothing useful about a random key (hashing
 * both sides first would cost more than the verification).
 */
function verifyKeyCheck(expected: string | undefined): ((headers: IncomingHttpHeaders) => HttpAnswer | undefined) | undefined {
  if (!expected) return undefined;
  const refusal = jsonAnswer(401, { ...toEnvelope('This verification endpoint needs the service key in X-Sidekey-Verify-Key (SIDEKEY_VERIFY_KEY).', [{ field: 'X-Sidekey-Verify-Key', message: 'is missing or wrong' }]), Code: 'VERIFY_KEY_INVALID' }, { 'www-authenticate': 'SidekeyVerifyKey' });
  return (headers) => {
    const sent = firstHeaderValue(headers[VERIFY_KEY_HEADER]);
    return sent !== undefined && constantTimeEqual(sent, expected) ? undefined : refusal;
  };
}

/** onRequest hook: the service key, when configured (see verifyKeyCheck). */
export function requireVerifyKey(expected: string | undefined) {
  const check = verifyKeyCheck(expected);
  if (!check) return undefined;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const refusal = check(request.headers);
    if (refusal) return sendAnswer(reply, refusal);
  };
}

// ---- POST /v1/verify ----------------------------------------------------------------------------------------

const VERIFY_PATH = '/v1/verify';
/** The Content-Type of a plain JSON question, as the SDK and services send it (Fastify's JSON parser takes both). */
const JSON_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/json; charset=utf-8']);
const CONTENT_LENGTH = /^[1-9][0-9]{0,8}$/;

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
    userAgent: Type.Optional(Type.String({ maxLength: 1024, description: "the API client's User-Agent, reported when it used a canary token" })),
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

// ---- forward auth -------------------------------------------------------------------------------------------

const AUTH_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const AUTH_METHOD_SET: ReadonlySet<string> = new Set(AUTH_METHODS);
const AUTH_PREFIX = '/v1/auth';
/** A path after /v1/auth/ made of these only is routed by Fastify to `/v1/auth/*` as it is (nothing to decode). */
const PLAIN_PATH = /^[A-Za-z0-9\-._~!$&'()*+,=:@/]*(?:\?|$)/;

/** What forward auth reads of a request: its method, raw target, headers and the client address. */
interface AuthCall {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  clientAddress: string | undefined;
}

export interface VerificationRoutesDeps {
  /** The verifier behind each entrance (each may be wrapped to count its answers apart). */
  verifiers: Record<'verify' | 'auth', Pick<Verifier, 'verify'>>;
  /** The realm of the Basic challenge on a 401: the catalog's name. */
  realm: string;
  config: Pick<Config, 'verifyKey' | 'forwardAuth'>;
  /** TRUSTED_PROXIES, for the client address of a request the fast path serves. */
  trusts: ProxyTrust;
  /** The app's logger; these entrances log at "warn" and above only. */
  log: FastifyBaseLogger;
  /** The app's JSON body parser (http/errors.ts installJsonParser), for the questions the fast path reads. */
  parseJson: (text: string) => ParsedBody;
}

/** The verification entrances: the Fastify plugin with their routes, and their fast paths (POST /v1/verify, forward auth). */
export function verificationRoutes({ verifiers, realm, config, trusts, log, parseJson }: VerificationRoutesDeps): { plugin: (app: FastifyInstance) => Promise<void>; fastPaths: FastPath[] } {
  const checkVerifyKey = verifyKeyCheck(config.verifyKey);
  const verifyKeyHook = requireVerifyKey(config.verifyKey);
  const quiet = sharedQuietLogger(log, 'verification');

  /** The answer to a forward-auth call (the service key already checked): the one function both ways in use. */
  const authAnswer = ({ method, url, headers, clientAddress }: AuthCall): NowOrLater<HttpAnswer> => {
    const style = firstHeaderValue(headers[AUTH_STYLE_HEADER]) === 'nginx' ? 'nginx' : undefined;
    const inPath = url.length > AUTH_PREFIX.length && url[AUTH_PREFIX.length] === '/';
    const original = originalRequest(config.forwardAuth, { headers, method, pathAfterPrefix: inPath ? url.slice(AUTH_PREFIX.length) : undefined });
    if (!original.ok) return envelopeAnswer(400, { ...toEnvelope(original.message, [{ field: original.field, message: original.message }]), Code: original.code }, style);
    // The proxy passes the client's headers on to the API too: one that changes the method is refused here.
    const override = methodOverrideHeader(Object.keys(headers));
    if (override !== undefined) {
      const message = `The request carries ${override}: the API would run another method than the one checked.`;
      return envelopeAnswer(403, { ...toEnvelope(MESSAGE_OF_CODE.REQUEST_TARGET_REFUSED, [{ field: override, message }]), Code: 'REQUEST_TARGET_REFUSED' }, style);
    }
    const result = verifiers.auth.verify({ authorization: headers.authorization, method: original.method, path: original.target, apiVersion: firstHeaderValue(headers['ir-version']), ip: clientAddress, userAgent: headers['user-agent'] });
    return andThen(result, (settled) => (settled.valid ? allowedAnswer(settled) : denialAnswer(settled, realm, style)));
  };

  /**
   * Forward auth before Fastify: a call without a body (what every proxy sends: nginx drops it, the others send
   * none) to /v1/auth, /v1/auth?… or a plain /v1/auth/… path. A call with a body or a Content-Type, or an
   * Envoy path with escapes, goes to Fastify's routes, which answer it the same way.
   */
  const fastPath: FastPath = (req, res) => {
    const url = req.url!;
    if (!url.startsWith(AUTH_PREFIX)) return false;
    const next = url.charCodeAt(AUTH_PREFIX.length);
    if (!(Number.isNaN(next) || next === 0x3f /* ? */ || (next === 0x2f /* / */ && PLAIN_PATH.test(url.slice(AUTH_PREFIX.length + 1))))) return false;
    const headers = req.headers;
    if (!AUTH_METHOD_SET.has(req.method!) || headers['content-type'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    const contentLength = headers['content-length'];
    if (contentLength !== undefined && contentLength !== '0') return false;
    const requestId = requestIdOf(req);
    const refusal = checkVerifyKey?.(headers);
    if (refusal) {
      writeAnswer(res, refusal, requestId);
      return true;
    }
    settle(
      () => authAnswer({ method: req.method!, url, headers, clientAddress: clientAddressOf(req, trusts) }),
      (answer) => writeAnswer(res, answer, requestId),
      (error: unknown) => {
        quiet.error({ err: error, reqId: requestId }, 'request errored');
        writeAnswer(res, internalErrorAnswer(requestId), requestId);
      },
    );
    return true;
  };

  const verifyResponses = { 200: VerifyAnswerSchema, ...errorResponses(...BODY_ERRORS, ...(verifyKeyHook ? ([401] as const) : [])) };
  /**
   * What the route's schemas compile to in Fastify's own compilers (set once the app is ready): ajv compiles a
   * schema object once, so `validate` is the very function Fastify validates the route's body with, and each
   * serializer is built from the route's response schema as Fastify builds its own.
   */
  let compiled: { validate: ReturnType<FastifySchemaCompiler<unknown>>; serializers: Map<number, (value: unknown) => string> } | undefined;

  /** The JSON text of an answer with `status`, as Fastify serializes it: by the route's schema for it, if it has one. */
  const serialize = (status: number, value: unknown) => compiled!.serializers.get(status)?.(value) ?? JSON.stringify(value);

  /** A refusal as Fastify's error handler sends it on this route (see http/errors.ts). */
  const refusalAnswer = (refusal: Refusal, requestId: string, headers: Record<string, string>): HttpAnswer => {
    const status = ERROR_CODES[refusal.code];
    if (refusal.retryAfterSeconds !== undefined) headers['retry-after'] = String(refusal.retryAfterSeconds);
    return { status, headers, body: serialize(status, managementEnvelope(refusal.code, refusal.message, refusal.fields, requestId)) };
  };

  const verifiedAnswer = (result: VerificationResult): HttpAnswer => ({ status: 200, headers: {}, body: serialize(200, toAnswer(result)) });

  /**
   * The answer to the body of a question, in the order Fastify's route takes its steps: parse (an error closes
   * the connection, as Fastify's content-type parsing does), validate against VerifyBody (which coerces in
   * place), verify, serialize. Every refusal is the error handler's (refusalOf), every answer the route's.
   */
  const verifyAnswer = (body: ParsedBody, requestId: string): NowOrLater<HttpAnswer> => {
    if (!body.ok) {
      const refusal = refusalOf(body.error);
      if (refusal === undefined) throw body.error;
      return refusalAnswer(refusal, requestId, { connection: 'close' });
    }
    const { validate } = compiled!;
    // As Fastify calls an ajv validator: with the holder of the value, so coercion may replace the root too.
    const holder = { body: body.value };
    const valid = (validate as (data: unknown, context: { parentData: object; parentDataProperty: string }) => boolean)(holder.body, { parentData: holder, parentDataProperty: 'body' });
    if (!valid) return refusalAnswer(refusalOf({ validation: validate.errors ?? [], validationContext: 'body' })!, requestId, {});
    return andThen(verifiers.verify.verify(holder.body as Parameters<Verifier['verify']>[0]), verifiedAnswer);
  };

  /**
   * POST /v1/verify before Fastify: a question with the headers every client sends (the plain JSON content type,
   * a Content-Length within the body limit, no Transfer-Encoding), to the bare path. Anything else — chunked, an
   * odd content type, a query string — goes to Fastify's route unread.
   */
  const verifyFastPath: FastPath = (req, res) => {
    if (req.url !== VERIFY_PATH || req.method !== 'POST' || compiled === undefined) return false;
    const headers = req.headers;
    const contentType = headers['content-type'];
    const contentLength = headers['content-length'];
    if (contentType === undefined || !JSON_CONTENT_TYPES.has(contentType) || headers['transfer-encoding'] !== undefined) return false;
    if (contentLength === undefined || !CONTENT_LENGTH.test(contentLength) || Number(contentLength) > BODY_LIMIT_BYTES) return false;
    const requestId = requestIdOf(req);
    const refusal = checkVerifyKey?.(headers);
    if (refusal) {
      writeAnswer(res, refusal, requestId);
      return true;
    }
    readBody(req, (error, text) => {
      settle(
        () => verifyAnswer(error ? { ok: false, error } : parseJson(text!), requestId),
        (answer) => writeAnswer(res, answer, requestId),
        (failure: unknown) => {
          quiet.error({ err: failure, reqId: requestId }, 'request errored');
          writeAnswer(res, internalErrorAnswer(requestId), requestId);
        },
      );
    });
    return true;
  };

  const plugin = async (scope: FastifyInstance) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    useSharedQuietLogger(scope, quiet);
    if (verifyKeyHook) app.addHook('onRequest', verifyKeyHook);
    app.addHook('onReady', async () => {
      const serializers = new Map<number, (value: unknown) => string>();
      for (const [status, schema] of Object.entries(verifyResponses)) serializers.set(Number(status), scope.serializerCompiler!({ schema, method: 'POST', url: VERIFY_PATH, httpStatus: status }));
      compiled = { validate: scope.validatorCompiler!({ schema: VerifyBody, method: 'POST', url: VERIFY_PATH, httpPart: 'body' }), serializers };
    });

    app.post(
      VERIFY_PATH,
      {
        helmet: false,
        schema: {
          tags: ['verification'],
          operationId: 'verify',
          summary: 'May these credentials call this endpoint? Always 200 with the answer (valid, code, status) for a well-formed question.',
          security: verificationSecurity(verifyKeyHook !== undefined, false),
          body: VerifyBody,
          response: verifyResponses,
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
      const handler = async (request: FastifyRequest, reply: FastifyReply) =>
        sendAnswer(reply, await authAnswer({ method: request.method, url: request.url, headers: request.headers, clientAddress: request.clientAddress }));
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
  return {
    plugin: async (app: FastifyInstance) => {
      await app.register(plugin, { logLevel: 'warn' });
    },
    fastPaths: [verifyFastPath, fastPath],
  };
}
