/**
 * The built-in gateway (`sidekey serve --upstream URL` or UPSTREAM_URL): every path under the catalog's
 * roots (for the brand catalog, /Advertisers/…) is parsed once (domain/request-target.ts), verified, and then
 * proxied to the platform's API as the canonical target that was checked — never the raw one — with the
 * identity headers added and Authorization removed. A path the catalog does not know gets 404 here and never
 * reaches the upstream; a refusal is answered here exactly as GET /v1/auth would answer it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalog } from '../../domain/catalog.js';
import { toEnvelope } from '../../domain/errors.js';
import { neverForwarded } from '../../domain/forwarding.js';
import { excerpt, parseRequestTarget } from '../../domain/request-target.js';
import { LETTER_CASE_DIFFERS, RouteTable } from '../../domain/routes.js';
import { catalogPathRoots } from '../../domain/verification.js';
import { MESSAGE_OF_CODE } from '../../domain/verification-answers.js';
import type { VerificationResult, Verifier } from '../../verify/verifier.js';
import { firstHeaderValue } from '../client-address.js';
import { identityHeaders, sendDenial, useSharedQuietLogger } from '../verification/answers.js';
import { createProxy, type ForwardOptions } from './proxy.js';

/** The methods the gateway proxies; any other method gets the app's 404. */
const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'];

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
}

export function gatewayRoutes({ verifier, catalog, upstreamUrl: upstream }: GatewayDeps) {
  // Every scope of every version in one table: a path is proxied if any version knows it.
  const allRoutes = new RouteTable(catalog.scopesById.values());

  const refused = (status: 400 | 403, message: string): VerificationResult => ({ valid: false, code: 'REQUEST_TARGET_REFUSED', status, message: MESSAGE_OF_CODE.REQUEST_TARGET_REFUSED, detail: { field: 'path', message } });

  const proxy = createProxy(upstream ?? 'http://127.0.0.1');

  const verifyThenProxy = async (request: FastifyRequest, reply: FastifyReply) => {
    const framing = proxy.refusal(request.raw);
    if (framing) {
      reply.hijack();
      return proxy.refuse(reply.raw, framing);
    }
    const target = parseRequestTarget(request.url);
    if (target.refused) return sendDenial(reply, refused(target.status, target.reason), catalog.name);
    const known = allRoutes.knows(target.segments);
    if (known === LETTER_CASE_DIFFERS) return sendDenial(reply, refused(403, "A path segment differs from the catalog's spelling only in letter case; servers disagree on which endpoint that is."), catalog.name);
    if (!known) return reply.status(404).send(toEnvelope(`No endpoint ${request.method} ${excerpt(target.path)} in the ${catalog.name} catalog.`));
    const result = await verifier.verify({
      authorization: request.headers.authorization,
      method: request.method,
      target,
      apiVersion: firstHeaderValue(request.headers['ir-version']),
      ip: request.clientAddress,
    });
    if (!result.valid) return sendDenial(reply, result, catalog.name);
    // From here the answer is the upstream's, streamed as it comes: Fastify's reply pipeline (serialization,
    // onSend hooks) has nothing to add to it.
    reply.hijack();
    const limit = result.rateLimit;
    const options: ForwardOptions = {
      target: target.canonical,
      requestHeaders: identityHeaders(result),
      dropRequestHeader,
      responseHeaders: limit
        ? { 'x-ratelimit-limit': String(limit.limit), 'x-ratelimit-remaining': String(limit.remaining), 'x-ratelimit-reset': String(limit.reset) }
        : undefined,
      peerTrusted: request.fromTrustedProxy,
    };
    proxy.forward(request.raw, reply.raw, options);
  };

  const plugin = async (app: FastifyInstance) => {
    useSharedQuietLogger(app, 'gateway');
    // Bodies are streamed to the upstream untouched: never parsed here, whatever their type.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    app.addHook('onClose', async () => proxy.close());
    for (const root of catalogPathRoots(catalog)) {
      for (const url of [`/${root}`, `/${root}/`, `/${root}/*`]) {
        // The platform's API answers API clients, not browsers: helmet's page-security headers would only add bytes.
        // Its operations are the upstream's, not Sidekey's: the OpenAPI document describes the gateway in words.
        app.route({ method: METHODS, url, handler: verifyThenProxy, helmet: false, schema: { hide: true } });
      }
    }
  };
  return async (app: FastifyInstance) => {
    if (!upstream) return;
    await app.register(plugin, { logLevel: 'warn' });
  };
}
