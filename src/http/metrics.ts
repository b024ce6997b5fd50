/**
 * GET /metrics: the node's Prometheus metrics (src/metrics/), unless METRICS=off. Guarded like the verification
 * endpoints: with SIDEKEY_VERIFY_KEY set it requires X-Sidekey-Verify-Key; without one it answers only callers on
 * this host (a loopback client address, after TRUSTED_PROXIES), since the numbers describe the deployment's
 * traffic and should not be public by default. Not in the OpenAPI document: it is for Prometheus, not API clients.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { proxyTrust } from '../domain/client-address.js';
import type { Metrics } from '../metrics/index.js';
import { sendError } from './errors.js';
import { requireVerifyKey } from './verification/routes.js';

export const METRICS_PATH = '/metrics';

const isLoopback = proxyTrust(['loopback']);

function requireLoopback() {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.clientAddress !== undefined && isLoopback(request.clientAddress)) return;
    return sendError(request, reply, 'FORBIDDEN', 'Metrics are served to this host only unless SIDEKEY_VERIFY_KEY is set; then they need it in X-Sidekey-Verify-Key.');
  };
}

export interface MetricsRouteDeps {
  metrics: Pick<Metrics, 'render' | 'contentType'>;
  config: Pick<Config, 'metrics' | 'verifyKey'>;
}

export function metricsRoute({ metrics, config }: MetricsRouteDeps) {
  return async (app: FastifyInstance) => {
    if (config.metrics === 'off') return;
    const guard = requireVerifyKey(config.verifyKey) ?? requireLoopback();
    app.get(METRICS_PATH, { schema: { hide: true }, onRequest: guard, logLevel: 'warn' }, async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));
  };
}
