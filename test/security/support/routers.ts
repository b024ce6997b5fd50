/**
 * Upstream routers that report what they matched: real Fastify routers with every route of the scope catalog
 * registered (all versions; `{Param}` becomes `:Param`), answering `{method, template, params, url}` and
 * recording every request that reached them, routed or not, with its headers.
 *
 *   fastify  Fastify 5 with its defaults (but for maxParamLength): `#` and `?` end the path, letter case and
 *            slashes count, percent-escapes are decoded before matching.
 *   lenient  the routers that read a request more loosely, as Fastify 4 (`;` ends the path), Spring and
 *            ASP.NET do: `;` delimiter, trailing and duplicate slashes and letter case ignored, and a
 *            `_method` query parameter overriding the method (Rails, Laravel, Express method-override).
 *
 * Whatever an entrance lets through, the router's record says which endpoint the upstream ran.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Catalog } from '../../../src/domain/catalog.js';
import { brandCatalog } from '../../verify/helpers.js';

export type RouterKind = 'fastify' | 'lenient';
export const ROUTER_KINDS: RouterKind[] = ['fastify', 'lenient'];

/** The header every test request carries, so a router's record can be matched to the request sent. */
export const PROBE_HEADER = 'x-probe-id';

export interface CatalogRoute {
  method: string;
  /** As the catalog writes it: `/Advertisers/{AccountSID}/Actions/{ActionId}`. */
  template: string;
}

/** Every (method, template) pair of every version of the catalog. */
export function catalogRoutes(catalog: Catalog = brandCatalog()): CatalogRoute[] {
  const seen = new Map<string, CatalogRoute>();
  for (const scope of catalog.scopesById.values()) seen.set(`${scope.method} ${scope.path}`, { method: scope.method, template: scope.path });
  return [...seen.values()];
}

export const fastifyPathOf = (template: string) => template.replace(/\{([^}]+)\}/g, ':$1');

export interface RouterHit {
  probe: string | undefined;
  /** The method and target as they arrived on the wire. */
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Set when the request got past the router's preHandler hooks (for the SDK entrance: Sidekey let it through). */
  passed?: boolean;
  /** Set once the router ran a route: the method it ran, the catalog template and the parameters it read. */
  routed?: { method: string; template: string; params: Record<string, string> };
}

export interface ReportingRouter {
  kind: RouterKind;
  app: FastifyInstance;
  url: string;
  port: number;
  hits: RouterHit[];
  /** The hit of the request that carried this probe id (the first one, if it arrived more than once). */
  hitOf(probe: string): RouterHit | undefined;
  /** How many requests carrying this probe id arrived (more than one would mean a request was duplicated). */
  arrivals(probe: string): number;
  close(): Promise<void>;
}

const hitKey = Symbol('routerHit');
type Recorded = IncomingMessage & { [hitKey]?: RouterHit };

export interface RouterOptions {
  /** Runs on the Fastify instance before the catalog routes are added (the SDK entrance adds its preHandler here). */
  setup?: (app: FastifyInstance) => void | Promise<void>;
}

/** Builds (but does not start) a reporting router of the given kind. */
export async function buildReportingRouter(kind: RouterKind, options: RouterOptions = {}) {
  const hits: RouterHit[] = [];
  const byProbe = new Map<string, RouterHit[]>();
  const record = (request: Recorded) => {
    const probe = single(request.headers[PROBE_HEADER]);
    const hit: RouterHit = { probe, method: request.method ?? '', url: request.url ?? '', headers: request.headers };
    hits.push(hit);
    if (probe !== undefined) byProbe.set(probe, [...(byProbe.get(probe) ?? []), hit]);
    request[hitKey] = hit;
  };
  const lenient = kind === 'lenient';
  const routerOptions = lenient
    ? { maxParamLength: 10_000, useSemicolonDelimiter: true, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false }
    : { maxParamLength: 10_000 };
  const app: FastifyInstance = Fastify({
    logger: false,
    // maxParamLength: a long id is routed like any other (at Fastify's default of 100 the router answers 404,
    // which reaches no endpoint and so says nothing about what an entrance checked).
    routerOptions,
    // The raw request is recorded before Fastify reads it, so a request Fastify itself refuses is seen too.
    serverFactory: (handler: (request: IncomingMessage, response: ServerResponse) => void) =>
      createServer((request: Recorded, response: ServerResponse) => {
        record(request);
        if (lenient) {
          const override = methodOverride(request.url ?? '');
          if (override) request.method = override;
        }
        handler(request, response);
      }),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    payload.resume();
    payload.on('end', () => done(null, undefined));
  });
  await options.setup?.(app);
  app.addHook('preHandler', async (request) => {
    const hit = (request.raw as Recorded)[hitKey];
    if (hit) hit.passed = true;
  });
  for (const route of catalogRoutes()) {
    app.route({
      method: route.method as 'GET',
      url: fastifyPathOf(route.template),
      handler: async (request, reply) => {
        const routed = { method: request.method, template: route.template, params: { ...(request.params as Record<string, string>) } };
        const hit = (request.raw as Recorded)[hitKey];
        if (hit) hit.routed = routed;
        return reply.send({ ...routed, url: request.url, router: kind });
      },
    });
  }
  const router = {
    kind,
    app,
    hits,
    hitOf: (probe: string) => byProbe.get(probe)?.[0],
    arrivals: (probe: string) => byProbe.get(probe)?.length ?? 0,
  };
  return router;
}

/** A reporting router listening on a free loopback port. */
export async function startReportingRouter(kind: RouterKind, options: RouterOptions = {}): Promise<ReportingRouter> {
  const router = await buildReportingRouter(kind, options);
  router.app.server.keepAliveTimeout = 65_000;
  await router.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = router.app.server.address() as { port: number };
  return { ...router, url: `http://127.0.0.1:${port}`, port, close: () => router.app.close() };
}

/** `?_method=DELETE` (any case), as method-override middleware reads it. */
function methodOverride(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  for (const pair of url.slice(q + 1).split('&')) {
    const [name, value] = pair.split('=');
    if (name === '_method' && value && /^[A-Za-z]{1,10}$/.test(value)) return value.toUpperCase();
  }
  return undefined;
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
