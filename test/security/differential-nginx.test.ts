/**
 * The differential test at the nginx entrance: `/v1/auth` behind Debian's nginx, configured exactly as
 * docs/protect-your-api.md shows, in front of reporting routers (Fastify 5, and a lenient router that treats
 * `;` as a delimiter). Whatever nginx lets through must run an endpoint the token may call, on the token's own
 * Account SID (test/security/support/differential.ts states the property).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningNginx, type RunningServer, nginxAvailable } from '../support/servers.js';
import { freePort } from '../verify/helpers.js';
import { differentialCorpus, expectTheProperty, sendCorpus } from './support/differential.js';
import { startDocsNginx } from '../support/documented-proxies.js';
import { RawHttpClient } from './support/raw-http.js';
import { ROUTER_KINDS, type ReportingRouter, type RouterKind, startReportingRouter } from './support/routers.js';
import { VERIFY_KEY, type World, createWorld, startWorldSidekey } from './support/world.js';

if (!nginxAvailable() && process.env.CI) throw new Error('nginx is required in CI (apt-get install nginx)');
if (!nginxAvailable()) console.warn('\n!!! nginx not found (NGINX_BIN): the nginx differential tests are SKIPPED !!!\n');

describe('differential: /v1/auth behind nginx auth_request (the documented configuration)', () => {
  if (!nginxAvailable()) return it.skip('nginx is not installed', () => {});
  let world: World;
  let sidekey: RunningServer;
  const routers = {} as Record<RouterKind, ReportingRouter>;
  const nginx = {} as Record<RouterKind, RunningNginx>;
  const clients = {} as Record<RouterKind, RawHttpClient>;

  beforeAll(async () => {
    world = await createWorld();
    sidekey = await startWorldSidekey(world);
    for (const kind of ROUTER_KINDS) {
      routers[kind] = await startReportingRouter(kind);
      const listenPort = await freePort();
      nginx[kind] = await startDocsNginx({ sidekeyPort: sidekey.port, upstreamPort: routers[kind].port, listenPort, verifyKey: VERIFY_KEY });
      clients[kind] = new RawHttpClient(listenPort, { concurrency: 16 });
    }
  }, 120_000);
  afterAll(async () => {
    for (const kind of ROUTER_KINDS) {
      clients[kind]?.close();
      await nginx[kind]?.stop();
      await routers[kind]?.close();
    }
    await sidekey?.stop();
    await world?.close();
  });

  ROUTER_KINDS.forEach((kind, r) => {
    it(`whatever nginx lets through runs an endpoint the token may call, on its own Account SID (${kind} router)`, async () => {
      const cases = differentialCorpus(world, ROUTER_KINDS.length)[r];
      expectTheProperty(await sendCorpus({ name: `nginx → ${kind}`, client: clients[kind], router: routers[kind], proxies: true }, world, cases));
    }, 180_000);
  });
});
