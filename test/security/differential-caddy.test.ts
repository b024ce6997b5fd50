/**
 * The differential test at the Caddy entrance: `/v1/auth` behind Debian's Caddy `forward_auth`, configured as
 * Caddy documents it (test/security/support/proxies.ts), with Sidekey set to SIDEKEY_FORWARD_AUTH=caddy, in
 * front of reporting routers (Fastify 5, and a lenient router that treats `;` as a delimiter). Whatever Caddy
 * lets through must run an endpoint the token may call, on its own Account SID, with the identity Sidekey
 * answered (test/security/support/differential.ts states the property).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningCaddy, type RunningServer, caddyAvailable } from '../support/servers.js';
import { freePort } from '../verify/helpers.js';
import { differentialCorpus, expectTheProperty, sendCorpus } from './support/differential.js';
import { startForwardAuthCaddy } from '../support/documented-proxies.js';
import { RawHttpClient } from './support/raw-http.js';
import { ROUTER_KINDS, type ReportingRouter, type RouterKind, startReportingRouter } from './support/routers.js';
import { VERIFY_KEY, type World, createWorld, startWorldSidekey } from './support/world.js';

if (!caddyAvailable() && process.env.CI) throw new Error('Caddy is required in CI (apt-get install caddy)');
if (!caddyAvailable()) console.warn('\n!!! caddy not found (CADDY_BIN): the Caddy differential tests are SKIPPED !!!\n');

describe('differential: /v1/auth behind Caddy forward_auth', () => {
  if (!caddyAvailable()) return it.skip('caddy is not installed', () => {});
  let world: World;
  let sidekey: RunningServer;
  let caddy: RunningCaddy;
  const routers = {} as Record<RouterKind, ReportingRouter>;
  const clients = {} as Record<RouterKind, RawHttpClient>;

  beforeAll(async () => {
    world = await createWorld();
    sidekey = await startWorldSidekey(world, { SIDEKEY_FORWARD_AUTH: 'caddy' });
    const sites: { listenPort: number; upstreamPort: number }[] = [];
    for (const kind of ROUTER_KINDS) {
      routers[kind] = await startReportingRouter(kind);
      sites.push({ listenPort: await freePort(), upstreamPort: routers[kind].port });
    }
    caddy = await startForwardAuthCaddy({ sidekeyPort: sidekey.port, verifyKey: VERIFY_KEY, sites });
    ROUTER_KINDS.forEach((kind, i) => {
      clients[kind] = new RawHttpClient(sites[i].listenPort, { concurrency: 16 });
    });
  }, 120_000);
  afterAll(async () => {
    for (const kind of ROUTER_KINDS) clients[kind]?.close();
    await caddy?.stop();
    for (const kind of ROUTER_KINDS) await routers[kind]?.close();
    await sidekey?.stop();
    await world?.close();
  });

  ROUTER_KINDS.forEach((kind, r) => {
    it(`whatever Caddy lets through runs an endpoint the token may call, on its own Account SID, with its identity (${kind} router)`, async () => {
      const cases = differentialCorpus(world, ROUTER_KINDS.length)[r];
      expectTheProperty(await sendCorpus({ name: `caddy → ${kind}`, client: clients[kind], router: routers[kind], proxies: true }, world, cases));
    }, 180_000);
  });
});
