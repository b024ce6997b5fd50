/**
 * The fast paths: GET /v1/auth (and its other methods), POST /v1/verify and the gateway are served by node:http's
 * request listener itself, before Fastify's router, body parsing, reply pipeline and hooks — which cost more
 * than the verification.
 * Every other request, and every one a fast path declines, goes to Fastify untouched (not a byte of its body
 * read), where the same routes still exist: they serve what the fast paths decline, `app.inject`, and the
 * OpenAPI document.
 *
 * A fast path is a function of the raw request: it either takes the request — and then answers it exactly once,
 * with the answer the route's own function computes (http/answer.ts), so the answer is the one Fastify would
 * send — or returns false before it has read or written anything. It takes only requests that Fastify would
 * route to that same handler with nothing of its own to say first (no framing, content-type or URL error).
 * POST /v1/verify reads the body as well: what Fastify would refuse in it (not JSON, too deep, not a question)
 * is refused with the route's own parser, validator and the error handler's rule (http/errors.ts refusalOf).
 *
 * Fastify's listener is replaced on the server Fastify made, so Fastify still binds it (and, for `localhost`,
 * the secondary addresses, which are served by Fastify alone).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { NowOrLater } from '../domain/now-or-later.js';

/** Answers the request and returns true, or returns false having touched nothing of it. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/** `fastPaths` are tried in order; an entrance that is not configured (no gateway without UPSTREAM_URL) is undefined. */
export function serveFastPathsFirst(app: FastifyInstance, fastPaths: readonly (FastPath | undefined)[]): void {
  const fastify = app.routing;
  const server = app.server;
  if (!server.listeners('request').includes(fastify)) throw new Error("Fastify's request listener is not app.routing: the fast paths cannot be put in front of it.");
  // While the app closes, Fastify answers every new request itself (503, Connection: close).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  const paths = fastPaths.filter((path): path is FastPath => path !== undefined);
  server.removeListener('request', fastify);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!closing) for (const path of paths) if (path(req, res)) return;
    fastify(req, res);
  });
}

/**
 * Hands `use` what `compute` returns: at once when it is a value, once it resolves when it is a promise; what
 * `compute` throws or rejects with goes to `fail` (what `use` throws does not).
 */
export function settle<T>(compute: () => NowOrLater<T>, use: (value: T) => void, fail: (error: unknown) => void): void {
  let value: NowOrLater<T>;
  try {
    value = compute();
  } catch (error) {
    fail(error);
    return;
  }
  if (value instanceof Promise) value.then(use, fail);
  else use(value);
}

/**
 * The body of a request a fast path took, read as Fastify reads one for a string parser (raw chunks, decoded as
 * UTF-8 once at the end). The fast path took it only with a Content-Length within the body limit and no
 * Transfer-Encoding, and node's parser ends the body at exactly that length: neither the limit nor the length
 * check can fail. A stream error is a 400 (statusCode set), as Fastify makes it.
 */
export function readBody(req: Readable, done: (error: (Error & { statusCode?: number }) | null, text?: string) => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  // Inline listeners, none removed: the request ends or fails once, and a listener per event is all it costs.
  req.on('data', (chunk: Buffer) => {
    length += chunk.length;
    chunks.push(chunk);
  });
  req.on('end', () => {
    ended = true;
    done(null, chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, length).toString('utf8'));
  });
  req.on('error', (error: Error & { statusCode?: number }) => {
    if (ended) return;
    ended = true;
    if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
    done(error);
  });
}
