/**
 * The differential test at the SDK middleware: a Fastify service that IS the router (every catalog route,
 * reporting what it ran) with `sidekeyPreHandler` in front of every route, its client talking to a running
 * `sidekey serve`. Whatever the middleware lets through to a route handler must be an endpoint the token may
 * call, on its own Account SID (test/security/support/differential.ts states the property).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createClient, sidekeyPreHandler } from '../../sdk/index.js';
import type { RunningServer } from '../support/servers.js';
import { differentialCorpus, expectTheProperty, sendCorpus } from './support/differential.js';
import { RawHttpClient } from './support/raw-http.js';
import { ROUTER_KINDS, type ReportingRouter, type RouterKind, startReportingRouter } from './support/routers.js';
import { VERIFY_KEY, type World, createWorld, startWorldSidekey } from './support/world.js';

describe('differential: the SDK middleware inside a Fastify service (sidekeyPreHandler)', () => {
  let world: World;
  let sidekey: RunningServer;
  const services = {} as Record<RouterKind, ReportingRouter>;
  const clients = {} as Record<RouterKind, RawHttpClient>;

  beforeAll(async () => {
    world = await createWorld();
    sidekey = await startWorldSidekey(world);
    const verifier = createClient({ baseUrl: sidekey.url, verifyKey: VERIFY_KEY, timeoutMs: 10_000 });
    for (const kind of ROUTER_KINDS) {
      services[kind] = await startReportingRouter(kind, { setup: (app) => void app.addHook('preHandler', sidekeyPreHandler(verifier)) });
      clients[kind] = new RawHttpClient(services[kind].port, { concurrency: 16 });
    }
  }, 120_000);
  afterAll(async () => {
    for (const kind of ROUTER_KINDS) {
      clients[kind]?.close();
      await services[kind]?.close();
    }
    await sidekey?.stop();
    await world?.close();
  });

  ROUTER_KINDS.forEach((kind, r) => {
    it(`whatever the middleware lets through runs an endpoint the token may call, on its own Account SID (${kind} service)`, async () => {
      const cases = differentialCorpus(world, ROUTER_KINDS.length)[r];
      expectTheProperty(await sendCorpus({ name: `sdk in ${kind}`, client: clients[kind], router: services[kind], proxies: false }, world, cases));
    }, 180_000);
  });
});
