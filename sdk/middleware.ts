/**
 * Route protection for Node services, on the client: an Express-style `(req, res, next)` middleware (works
 * with Express, Connect and plain node:http) and a Fastify `preHandler` hook. An allowed request carries the
 * verdict on `req.sidekey`; a refused one is answered with Sidekey's status, headers and error envelope.
 * If Sidekey cannot answer, the request is refused with 503: a protected route never opens by accident.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type SidekeyClient, type VerifyResult, SidekeyUnavailableError } from './client.js';

export interface ProtectOptions {
  /** The API client's address (default: the socket's peer). Behind a proxy, pass the address it reports. */
  ip?: (request: IncomingMessage) => string | undefined;
  /** The Basic realm of 401 answers. */
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

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The response for a refused request (or an unavailable Sidekey), ready for any framework to send. */
export function refusal(result: VerifyResult | undefined, realm = 'API'): Answer {
  if (!result) {
    return { status: 503, headers: { 'retry-after': '1' }, body: envelope('Authorization is unavailable right now. Retry shortly.', 'Authorization', 'could not be checked', 'VERIFIER_UNAVAILABLE') };
  }
  const headers = rateLimitHeaders(result);
  if (result.status === 401) headers['www-authenticate'] = `Basic realm="${realm.replace(/["\\]/g, '')}", charset="UTF-8"`;
  if (result.retryAfter !== undefined) headers['retry-after'] = String(result.retryAfter);
  const field = result.detail?.field ?? (result.code === 'INSUFFICIENT_SCOPE' ? 'scope' : 'Authorization');
  const body = envelope(result.message, field, result.detail?.message ?? result.message, result.code);
  if (result.requiredScope) {
    const { id, name, method, path } = result.requiredScope;
    body.RequiredScope = { Id: id, Name: name, Method: method, Path: path };
  }
  return { status: result.status, headers, body };
}

export function rateLimitHeaders(result: VerifyResult): Record<string, string> {
  if (!result.rateLimit) return {};
  return {
    'x-ratelimit-limit': String(result.rateLimit.limit),
    'x-ratelimit-remaining': String(result.rateLimit.remaining),
    'x-ratelimit-reset': String(result.rateLimit.reset),
  };
}

function envelope(message: string, field: string, fieldMessage: string, code: string): Record<string, unknown> {
  return { Status: 'ERROR', Message: message, Code: code, Errors: [{ Field: field, Message: fieldMessage }] };
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
        for (const [name, value] of Object.entries(rateLimitHeaders(result))) response.setHeader(name, value);
        request.sidekey = result;
        return next();
      }
      const answer = refusal(result, options.realm);
      response.writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(answer.body));
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
      for (const [name, value] of Object.entries(rateLimitHeaders(result))) reply.header(name, value);
      request.sidekey = result;
      request.raw.sidekey = result;
      return undefined;
    }
    const answer = refusal(result, options.realm);
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    return reply.code(answer.status).send(answer.body);
  };
}
