/**
 * The built-in gateway (`sidekey serve --upstream URL` or UPSTREAM_URL): every path under the catalog's
 * roots (for the brand catalog, /Advertisers/…) is parsed once (domain/request-target.ts), verified, and then
 * proxied to the platform's API as the canonical target that was checked — never the raw one — with the
 * identity headers added and Authorization removed. A path the catalog does not know gets 404 here and never
 * reaches the upstream; a refusal is answered here exactly as GET /v1/auth would answer it.
 *
 * Served before Fastify (http/fast-path.ts) when Fastify would have nothing to say about the request first; the
 * rest (framing the proxy refuses, a target the parser refuses, a Content-Type Fastify cannot read) goes to the
 * Fastify routes, which end in the same function.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalog } from '../../domain/catalog.js';
import type { ProxyTrust } from '../../domain/client-address.js';
import { toEnvelope } from '../../domain/errors.js';
import { neverForwarded } from '../../domain/forwarding.js';
import { type NowOrLater, andThen } from '../../domain/now-or-later.js';
import { type ParsedTarget, type RequestTarget, excerpt, parseRequestTarget } from '../../domain/request-target.js';
import { LETTER_CASE_DIFFERS, RouteTable } from '../../domain/routes.js';
import { catalogPathRoots } from '../../domain/verification.js';
import { MESSAGE_OF_CODE } from '../../domain/verification-answers.js';
import type { VerificationResult, Verifier } from '../../verify/verifier.js';
import { jsonAnswer, writeAnswer } from '../answer.js';
import { clientAddressOf, firstHeaderValue, fromTrustedProxy } from '../client-address.js';
import { internalErrorAnswer, requestIdOf } from '../errors.js';
import { type FastPath, settle } from '../fast-path.js';
import { denialAnswer, identityHeaders, sharedQuietLogger, useSharedQuietLogger } from '../verification/answers.js';
import { createProxy, type ForwardOptions } from './proxy.js';

/** The methods the gateway proxies; any other method gets the app's 404. */
const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'];
const METHOD_SET: ReadonlySet<string> = new Set(METHODS);
/** Methods whose Content-Type Fastify reads (and answers 415 when it cannot): GET and HEAD are not among them. */
const BODY_METHODS: ReadonlySet<string> = new Set(['DELETE', 'PATCH', 'POST', 'PUT', 'OPTIONS']);
/** A Content-Type that Fastify reads as a valid media type (and passes to the gateway's catch-all parser). */
const PLAIN_MEDIA_TYPE = /^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+(?:;.*)?$/s;

/**
 * Request headers a client must never be able to set on the upstream request: the credentials, method
 * overrides and any spelling of X-Sidekey-* (domain/forwarding.ts).
 */
const dropRequestHeader = neverForwarded;

export interface GatewayDeps {
  verifier: Pick<Verifier, 'verify'>;
  catalog: Catalog;
  /** UPSTREAM_URL: where verified requests go. Without it there is no gateway. */
  upstreamUrl: string | undefined;
  /** TRUSTED_PROXIES, for the client address of a request the fast path serves. */
  trusts: ProxyTrust;
  /** The app's logger; the gateway logs at "warn" and above only. */
  log: FastifyBaseLogger;
}

/** What the gateway reads of the connection a request came on. */
interface Peer {
  clientAddress: string | undefined;
  fromTrustedProxy: boolean;
  /** The request's id, for an answer given here (the upstream's answers are its own). */
  requestId: () => string;
}

/** The gateway: its Fastify plugin and its fast path; both undefined without an upstream. */
export function gatewayRoutes({ verifier, catalog, upstreamUrl: upstream, trusts, log }: GatewayDeps): { plugin: (app: FastifyInstance) => Promise<void>; fastPath: FastPath | undefined } {
  if (!upstream) return { plugin: async () => {}, fastPath: undefined };
  // Every scope of every version in one table: a path is proxied if any version knows it.
  const allRoutes = new RouteTable(catalog.scopesById.values());
  const roots = catalogPathRoots(catalog).map((root) => `/${root}`);
  const quiet = sharedQuietLogger(log, 'gateway');

  const refused = (status: 400 | 403, message: string): VerificationResult => ({ valid: false, code: 'REQUEST_TARGET_REFUSED', status, message: MESSAGE_OF_CODE.REQUEST_TARGET_REFUSED, detail: { field: 'path', message } });

  const proxy = createProxy(upstream);

  /**
   * The one way every gateway request ends, once its framing was found forwardable: refused here, or proxied —
   * in the same turn when the verification is synchronous (a warm cache).
   */
  const verifyThenProxy = (req: IncomingMessage, res: ServerResponse, target: ParsedTarget, peer: Peer): NowOrLater<void> => {
    if (target.refused) return writeAnswer(res, denialAnswer(refused(target.status, target.reason), catalog.name), peer.requestId());
    const known = allRoutes.knows(target.segments);
    if (known === LETTER_CASE_DIFFERS) return writeAnswer(res, denialAnswer(refused(403, "A path segment differs from the catalog's spelling only in letter case; servers disagree on which endpoint that is."), catalog.name), peer.requestId());
    if (!known) return writeAnswer(res, jsonAnswer(404, toEnvelope(`No endpoint ${req.method} ${excerpt(target.path)} in the ${catalog.name} catalog.`)), peer.requestId());
    const result = verifier.verify({ authorization: req.headers.authorization, method: req.method!, target, apiVersion: firstHeaderValue(req.headers['ir-version']), ip: peer.clientAddress, userAgent: req.headers['user-agent'] });
    return andThen(result, (settled) => proxyIfValid(req, res, target, peer, settled));
  };

  /** A refusal of the verification, written here; or the request, forwarded as the canonical target it was checked as. */
  const proxyIfValid = (req: IncomingMessage, res: ServerResponse, target: RequestTarget, peer: Peer, result: VerificationResult): void => {
    if (!result.valid) {
      writeAnswer(res, denialAnswer(result, catalog.name), peer.requestId());
      return;
    }
    // From here the answer is the upstream's, streamed as it comes.
    const limit = result.rateLimit;
    const options: ForwardOptions = {
      target: target.canonical,
      requestHeaders: identityHeaders(result),
      dropRequestHeader,
      responseHeaders: limit
        ? { 'x-ratelimit-limit': String(limit.limit), 'x-ratelimit-remaining': String(limit.remaining), 'x-ratelimit-reset': String(limit.reset) }
        : undefined,
      peerTrusted: peer.fromTrustedProxy,
    };
    proxy.forward(req, res, options);
  };

  // verifyThenProxy ends the exchange itself, so nothing is left to use its result for: settle is here for its one
  // error path, now or later.
  const answerOnce = (req: IncomingMessage, res: ServerResponse, target: ParsedTarget, peer: Peer) =>
    settle(
      () => verifyThenProxy(req, res, target, peer),
      () => {},
      (error: unknown) => {
        quiet.error({ err: error }, 'request errored');
        if (res.headersSent) res.destroy();
        else writeAnswer(res, internalErrorAnswer(peer.requestId()), peer.requestId());
      },
    );

  const isUnderRoot = (url: string) => {
    for (const root of roots) {
      if (!url.startsWith(root)) continue;
      const next = url.charCodeAt(root.length);
      if (Number.isNaN(next) || next === 0x2f /* / */ || next === 0x3f /* ? */) return true;
    }
    return false;
  };

  const fastPath: FastPath = (req, res) => {
    const url = req.url!;
    const method = req.method!;
    if (!isUnderRoot(url) || !METHOD_SET.has(method)) return false;
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && BODY_METHODS.has(method) && !PLAIN_MEDIA_TYPE.test(contentType)) return false;
    if (proxy.refusal(req) !== undefined) return false;
    const target = parseRequestTarget(url);
    if (target.refused) return false;
    let requestId: string | undefined;
    answerOnce(req, res, target, { clientAddress: clientAddressOf(req, trusts), fromTrustedProxy: fromTrustedProxy(req, trusts), requestId: () => (requestId ??= requestIdOf(req)) });
    return true;
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // Nothing of the answer goes through Fastify's reply pipeline (serialization, onSend hooks): the upstream's
    // is streamed as it comes, and a refusal is written as the fast path writes it.
    reply.hijack();
    const framing = proxy.refusal(request.raw);
    if (framing) return proxy.refuse(reply.raw, framing);
    answerOnce(request.raw, reply.raw, parseRequestTarget(request.url), { clientAddress: request.clientAddress, fromTrustedProxy: request.fromTrustedProxy, requestId: () => request.id });
  };

  const plugin = async (app: FastifyInstance) => {
    useSharedQuietLogger(app, quiet);
    // Bodies are streamed to the upstream untouched: never parsed here, whatever their type.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    app.addHook('onClose', async () => proxy.close());
    for (const root of roots) {
      for (const url of [root, `${root}/`, `${root}/*`]) {
        // The platform's API answers API clients, not browsers: helmet's page-security headers would only add bytes.
        // Its operations are the upstream's, not Sidekey's: the OpenAPI document describes the gateway in words.
        app.route({ method: METHODS, url, handler, helmet: false, schema: { hide: true } });
      }
    }
  };
  return {
    plugin: async (app: FastifyInstance) => {
      await app.register(plugin, { logLevel: 'warn' });
    },
    fastPath,
  };
}
