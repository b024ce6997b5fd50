/**
 * Route protection for Node services, on the client: an Express-style `(req, res, next)` middleware (works
 * with Express, Connect and plain node:http) and a Fastify `preHandler` hook. An allowed request carries the
 * verdict on `req.sidekey`; a refused one is answered with Sidekey's status, headers and error envelope.
 * If Sidekey cannot answer, the request is refused with 503: a protected route never opens by accident.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MESSAGE_OF_CODE, type Refusal, STATUS_OF_CODE, rateLimitHeaders, refusalOf } from '../src/domain/verification-answers.js';
import { type SidekeyClient, type VerifyResult, SidekeyUnavailableError } from './client.js';

export type { Refusal, RefusalEnvelope } from '../src/domain/verification-answers.js';
export { rateLimitHeaders };

export interface ProtectOptions {
  /** The API client's address (default: the socket's peer). Behind a proxy, pass the address it reports. */
  ip?: (request: IncomingMessage) => string | undefined;
  /** The Basic realm of 401 answers; Sidekey's own refusals name the catalog (`name` in the catalog file). */
  realm?: string;
  /** Told when Sidekey could not answer (the request then gets 503). */
  onUnavailable?: (error: SidekeyUnavailableError) => void;
}

declare module 'node:http' {
  interface IncomingMessage {
    /** Set by the Sidekey middleware on allowed requests. */
    sidekey?: VerifyResult;
  }
}

/** Sidekey gave no verdict: refused as the server refuses when it cannot check credentials, naming Sidekey itself. */
const UNREACHABLE = {
  code: 'VERIFIER_UNAVAILABLE',
  status: STATUS_OF_CODE.VERIFIER_UNAVAILABLE,
  message: MESSAGE_OF_CODE.VERIFIER_UNAVAILABLE,
  detail: { field: 'verifier', message: 'could not be reached; nothing was allowed (see Retry-After)' },
  retryAfter: 1,
} as const;

/**
 * The answer to a refused request (`result` undefined: Sidekey could not answer), ready for any framework to
 * send: the same status, headers and envelope as Sidekey's gateway sends for that verdict.
 */
export function refusal(result: VerifyResult | undefined, realm = 'API'): Refusal {
  return refusalOf(result ?? UNREACHABLE, realm);
}

const header = (request: IncomingMessage, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The verdict for a request, or undefined when Sidekey could not answer. */
async function verdict(client: SidekeyClient, request: IncomingMessage & { originalUrl?: string }, options: ProtectOptions): Promise<VerifyResult | undefined> {
  try {
    return await client.verify({
      authorization: header(request, 'authorization'),
      method: request.method ?? 'GET',
      path: request.originalUrl ?? request.url ?? '/',
      apiVersion: header(request, 'ir-version'),
      ip: options.ip ? options.ip(request) : request.socket.remoteAddress,
      userAgent: header(request, 'user-agent'),
    });
  } catch (error) {
    if (!(error instanceof SidekeyUnavailableError)) throw error;
    options.onUnavailable?.(error);
    return undefined;
  }
}

/** Express / Connect / node:http: `app.use(sidekeyMiddleware(client))`. */
export function sidekeyMiddleware(client: SidekeyClient, options: ProtectOptions = {}) {
  return (request: IncomingMessage & { originalUrl?: string }, response: ServerResponse, next: (error?: unknown) => void): void => {
    verdict(client, request, options).then((result) => {
      if (result?.valid) {
        for (const [name, value] of Object.entries(rateLimitHeaders(result.rateLimit))) response.setHeader(name, value);
        request.sidekey = result;
        return next();
      }
      const answer = refusal(result, options.realm);
      const body = JSON.stringify(answer.body);
      response.writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    }, next);
  };
}

/** The minimal Fastify surface used, so this package does not depend on Fastify. */
interface FastifyLikeRequest {
  raw: IncomingMessage & { originalUrl?: string };
  sidekey?: VerifyResult;
}
interface FastifyLikeReply {
  header(name: string, value: string): unknown;
  code(status: number): FastifyLikeReply;
  send(body: unknown): unknown;
}

/** Fastify: `app.addHook('preHandler', sidekeyPreHandler(client))` (or per route as `preHandler`). */
export function sidekeyPreHandler(client: SidekeyClient, options: ProtectOptions = {}) {
  return async (request: FastifyLikeRequest, reply: FastifyLikeReply): Promise<unknown> => {
    const result = await verdict(client, request.raw, options);
    if (result?.valid) {
      for (const [name, value] of Object.entries(rateLimitHeaders(result.rateLimit))) reply.header(name, value);
      request.sidekey = result;
      request.raw.sidekey = result;
      return undefined;
    }
    const answer = refusal(result, options.realm);
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    return reply.code(answer.status).send(answer.body);
  };
}
