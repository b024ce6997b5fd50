/**
 * The differential test at the built-in gateway: `sidekey serve --upstream` in front of reporting routers
 * (Fastify 5, and a lenient router that treats `;` as a delimiter). Whatever the gateway forwards must run an
 * endpoint the token may call, on the token's own Account SID, with the identity of the token it checked and
 * nothing a client wrote in an X-Sidekey-* header (test/security/support/differential.ts states the property).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { RunningServer } from '../support/servers.js';
import { DIALECTS } from '../support/databases.js';
import { differentialCorpus, expectTheProperty, sendCorpus } from './support/differential.js';
import { RawHttpClient } from './support/raw-http.js';
import { ROUTER_KINDS, type ReportingRouter, type RouterKind, startReportingRouter } from './support/routers.js';
import { type World, createWorld, startWorldSidekey } from './support/world.js';

// The other entrances run on SQLite; this one on PostgreSQL when it is there (CI), so both stores are covered.
const dialect = DIALECTS.includes('postgres') ? 'postgres' : 'sqlite';

describe(`differential: the built-in gateway (sidekey serve --upstream) [${dialect}]`, () => {
  let world: World;
  const routers = {} as Record<RouterKind, ReportingRouter>;
  const gateways = {} as Record<RouterKind, RunningServer>;
  const clients = {} as Record<RouterKind, RawHttpClient>;

  beforeAll(async () => {
    world = await createWorld(dialect);
    for (const kind of ROUTER_KINDS) {
      routers[kind] = await startReportingRouter(kind);
      gateways[kind] = await startWorldSidekey(world, {}, ['--upstream', routers[kind].url]);
      clients[kind] = new RawHttpClient(gateways[kind].port, { concurrency: 16 });
    }
  }, 120_000);
  afterAll(async () => {
    for (const kind of ROUTER_KINDS) {
      clients[kind]?.close();
      await gateways[kind]?.stop();
      await routers[kind]?.close();
    }
    await world?.close();
  });

  ROUTER_KINDS.forEach((kind, r) => {
    it(`whatever the gateway forwards runs an endpoint the token may call, on its own Account SID, with its identity (${kind} router)`, async () => {
      const cases = differentialCorpus(world, ROUTER_KINDS.length)[r];
      expectTheProperty(await sendCorpus({ name: `gateway → ${kind}`, client: clients[kind], router: routers[kind], proxies: true }, world, cases));
    }, 180_000);
  });
});
