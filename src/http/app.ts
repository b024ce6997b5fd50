/**
 * The one Fastify server, assembled from the configuration and the services: web UI, management API (/api/v1,
 * http/management/), OpenAPI docs, health, the verification entrances (/v1/verify, /v1/auth,
 * http/verification/), leak reports from GitHub's secret scanning (/v1/leaks, http/leak-reports.ts), Prometheus metrics (/metrics, http/metrics.ts) and, when UPSTREAM_URL is set, the
 * gateway (http/gateway/). `sidekey serve` and the tests build it the same way; each entrance receives only
 * the services it uses. Forward auth and the gateway are served before Fastify's router (http/fast-path.ts).
 */
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions, type RouteOptions } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccountService } from '../accounts/service.js';
import type { Config } from '../config.js';
import type { Catalog } from '../domain/catalog.js';
import { proxyTrust } from '../domain/client-address.js';
import { BODY_LIMIT_BYTES } from '../domain/input.js';
import { createMetrics } from '../metrics/index.js';
import type { Store } from '../store/database.js';
import type { TokenService } from '../tokens/service.js';
import type { VerificationRuntime } from '../verify/runtime.js';
import type { WebhookService } from '../webhooks/index.js';
import type { MailService } from '../mail/index.js';
import type { Verifier } from '../verify/verifier.js';
import { installClientAddress } from './client-address.js';
import { answerClientError, answerFrameworkError, installErrorHandling, installJsonParser, requestIdOf, sendError } from './errors.js';
import { serveFastPathsFirst } from './fast-path.js';
import { gatewayRoutes } from './gateway/gateway.js';
import { leakReportRoutes } from './leak-reports.js';
import { loggerOptions, requestLogging } from './logging.js';
import { managementApi } from './management/index.js';
import { METRICS_PATH, metricsRoute } from './metrics.js';
import { ErrorEnvelope, Liveness, ReadinessReport } from './management/schemas.js';
import { SECURITY, swaggerOptions, swaggerUiOptions } from './openapi.js';
import { verificationRoutes } from './verification/routes.js';
import { loadWebUi } from './web-ui.js';

/** Paths for machines, never a deep link into the web UI: unanswered (METRICS=off), they get the 404 envelope. */
const OPERATIONS_PATHS = new Set([METRICS_PATH, '/healthz', '/readyz']);

export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** What the server is built from (the composition root's Context has all of it). */
export interface AppParts {
  config: Config;
  catalog: Catalog;
  accounts: AccountService;
  tokens: TokenService;
  webhooks: WebhookService;
  mail: MailService;
  verifier: Pick<Verifier, 'verify' | 'cache' | 'cacheLookups'>;
  verification: Pick<VerificationRuntime, 'readiness' | 'connections' | 'freshness' | 'tailer' | 'usage'>;
  store: Pick<Store, 'dialect' | 'poolState'>;
}

export interface AppOptions {
  /** Where log lines go (tests capture them to prove no secret is ever logged). */
  logger?: FastifyServerOptions['logger'];
  /** Plugins mounted at the root after the entrances (tests add routes that misbehave on purpose). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
  /** Told of every route as it is registered (tests enumerate the API with it). */
  onRoute?: (route: RouteOptions) => void;
}

export async function buildApp(parts: AppParts, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config, catalog, accounts, tokens, webhooks, mail, verifier, verification, store } = parts;
  const metrics = createMetrics({ verifier, store, freshness: verification.freshness, tailer: verification.tailer, usage: verification.usage, connections: () => verification.connections() });
  const { trustedProxies } = config;
  const trusts = proxyTrust(trustedProxies);
  // The web UI's files, and the single-page app's deep links, are logged at debug: a session fetches dozens.
  const webUiRoutes = new Set<string>();
  const webUiAnswers = new WeakSet<FastifyRequest>();
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config.logLevel),
    logController: requestLogging((request) => webUiAnswers.has(request) || (request.routeOptions.url !== undefined && webUiRoutes.has(request.routeOptions.url))),
    trustProxy: trustedProxies.length > 0 ? trusts : false,
    bodyLimit: BODY_LIMIT_BYTES,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    // Every request has an id: the caller's sane X-Request-Id or a new one. It is on every answer and log line.
    requestIdHeader: false,
    genReqId: requestIdOf,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', verbose: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  installClientAddress(app, trusts);
  installErrorHandling(app);
  const parseJson = installJsonParser(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    // Management answers carry sessions, CSRF tokens and secrets: no browser or proxy may keep a copy of any of them.
    if (request.url.startsWith('/api/v1/') || request.url === '/api/v1') reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
  });
  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"], // Mantine injects CSS variables at runtime.
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    hsts: false, // Set by the TLS terminator, which knows whether this deployment is https-only.
  });
  app.addSchema(ErrorEnvelope);
  await app.register(swagger, swaggerOptions());
  // The UI keeps what is typed into Authorize (the CSRF token) across reloads of the page.
  await app.register(swaggerUi, swaggerUiOptions());
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Liveness: the process runs. Readiness: the database answers within its deadline and the change feed is
  // within the staleness bound (503 otherwise, so a load balancer stops sending traffic here).
  const health = { tags: ['health'], security: SECURITY.public };
  app.get('/healthz', { schema: { ...health, operationId: 'liveness', summary: 'Liveness: the process runs', response: { 200: Liveness } } }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: { ...health, operationId: 'readiness', summary: 'Readiness: the database answers and the change feed is fresh (503 otherwise)', response: { 200: ReadinessReport, 503: ReadinessReport } } }, async (_request, reply) => {
    const { ready, ...report } = await parts.verification.readiness();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', ...report });
  });

  await app.register(metricsRoute({ metrics, config }));

  await app.register(
    async (api) => {
      // Counted by route template: raw URLs carry ids, and one series per token would grow without end.
      api.addHook('onResponse', async (request, reply) => metrics.recordManagementRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode));
      await managementApi(api, { accounts, tokens, webhooks, mail, catalog, sessionTtlSeconds: config.sessionTtlSeconds, publicUrl: config.publicUrl });
    },
    { prefix: '/api/v1' },
  );
  await app.register(leakReportRoutes({ tokens, keys: config.leakReportPublicKeys ?? [] }));
  const verifiers = { verify: metrics.instrument('verify', verifier), auth: metrics.instrument('auth', verifier) };
  const verificationEntrances = verificationRoutes({ verifiers, realm: catalog.name, config, trusts, log: app.log, parseJson });
  await app.register(verificationEntrances.plugin);
  const gateway = gatewayRoutes({ verifier: metrics.instrument('gateway', verifier), catalog, upstreamUrl: config.upstreamUrl, trusts, log: app.log });
  await app.register(gateway.plugin);
  for (const plugin of options.plugins ?? []) await app.register(plugin);

  const ui = loadWebUi(WEB_DIST);
  const hasUi = ui !== null;
  if (ui) {
    // Every route added while the UI registers serves one of its files.
    let registeringUi = true;
    app.addHook('onRoute', (route) => {
      if (registeringUi) webUiRoutes.add(route.url);
    });
    await app.register(ui.routes);
    registeringUi = false;
  }
  // Unknown API paths get the envelope; every other GET is a deep link into the single-page app.
  app.setNotFoundHandler(async (request, reply) => {
    const isApi = /^\/(api|v1)\//.test(request.url) || OPERATIONS_PATHS.has(request.url.split('?')[0]);
    const isAsset = request.url.startsWith('/assets/');
    if (!isApi && !isAsset && request.method === 'GET' && ui) {
      webUiAnswers.add(request);
      return ui.sendIndex(request, reply);
    }
    return sendError(request, reply, 'ROUTE_NOT_FOUND', hasUi || isApi ? `No route ${request.method} ${request.url.split('?')[0]}` : 'The web UI is not built: run `npm run build:web`.');
  });
  serveFastPathsFirst(app, [...verificationEntrances.fastPaths, gateway.fastPath]);
  return app;
}
