/**
 * The built-in gateway (`sidekey serve --upstream URL` or UPSTREAM_URL): every path under the catalog's
 * roots (for the brand catalog, /Advertisers/…) is verified and then proxied to the platform's API with the
 * identity headers added and Authorization removed. A path the catalog does not know gets 404 here and
 * never reaches the upstream; a refusal is answered here exactly as GET /v1/auth would answer it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import proxy from '@fastify/http-proxy';
import type { Context } from '../app/context.js';
import { toEnvelope } from '../domain/errors.js';
import { catalogPathRoots } from '../domain/verification.js';
import { trustedProxies } from '../verify/client-ip.js';
import { RouteTable, pathSegments } from '../verify/route-table.js';
import type { VerificationResult } from '../verify/verifier.js';
import { clientIpOf, identityHeaders, sendDenial, useSharedQuietLogger } from './verification.js';

/** Where the verifier's answer waits between the preHandler and the header rewrites, on the request itself. */
const ANSWER = Symbol('sidekey.answer');
type Answered = FastifyRequest & { [ANSWER]?: VerificationResult };

/** Request headers a client must never be able to set on the upstream request. */
const isSidekeyHeader = (name: string) => name.startsWith('x-sidekey-');

export function gatewayRoutes(context: Context) {
  const { config, catalog, verifier } = context;
  const upstream = config.upstreamUrl;
  // Every scope of every version in one table: a path is proxied if any version knows it.
  const allRoutes = new RouteTable(catalog.scopesById.values());
  const isTrusted = trustedProxies(config.trustedProxies);

  const knowsPath = (url: string) => allRoutes.knows(pathSegments(url));

  const verifyThenProxy = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!knowsPath(request.url)) {
      return reply.status(404).send(toEnvelope(`No endpoint ${request.method} ${request.url.split('?')[0]} in the ${catalog.name} catalog.`));
    }
    const ir = request.headers['ir-version'];
    const result = await verifier.verify({
      authorization: request.headers.authorization,
      method: request.method,
      path: request.url,
      apiVersion: Array.isArray(ir) ? ir[0] : ir,
      ip: clientIpOf(request, isTrusted),
    });
    if (!result.valid) return sendDenial(reply, result, catalog.name);
    (request as Answered)[ANSWER] = result;
  };

  const plugin = async (app: FastifyInstance) => {
    useSharedQuietLogger(app, 'gateway');
    for (const root of catalogPathRoots(catalog)) {
      await app.register(proxy, {
        upstream: upstream!,
        prefix: `/${root}`,
        rewritePrefix: `/${root}`,
        preHandler: verifyThenProxy,
        // The default handler returns the reply, which Fastify then awaits through an end-of-stream listener on
        // every response; reply.from() sends by itself, so returning nothing skips that work.
        handler: (_request, reply, dest, options) => {
          reply.from(dest, options);
        },
        // The platform's API answers API clients, not browsers: helmet's page-security headers would only add bytes.
        config: { helmet: { skipRoute: true } },
        replyOptions: {
          // The only place @fastify/http-proxy lets a plugin change the upstream request's headers
          // (`headers` is already a copy made for the upstream request).
          rewriteRequestHeaders: (request, headers) => {
            const result = (request as Answered)[ANSWER]!;
            delete headers.authorization;
            for (const name in headers) if (isSidekeyHeader(name)) delete headers[name];
            // The platform's API still learns who called, as behind any reverse proxy.
            const peer = (request as FastifyRequest).socket.remoteAddress;
            if (peer) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${peer}` : peer;
            return Object.assign(headers, identityHeaders(result));
          },
          rewriteHeaders: (headers, request) => {
            const limit = (request as Answered | undefined)?.[ANSWER]?.rateLimit;
            if (!limit) return headers;
            // The upstream response's own header object, made for this response only: changed in place.
            headers['x-ratelimit-limit'] = String(limit.limit);
            headers['x-ratelimit-remaining'] = String(limit.remaining);
            headers['x-ratelimit-reset'] = String(limit.reset);
            return headers;
          },
        },
      });
    }
  };
  return async (app: FastifyInstance) => {
    if (!upstream) return;
    await app.register(plugin, { logLevel: 'warn' });
  };
}
