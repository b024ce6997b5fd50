/**
 * How request targets are judged, through every entrance at once: `/v1/auth` behind the documented nginx
 * configuration, the built-in gateway, and the SDK middleware inside a Fastify service. The upstream is a
 * reporting router that treats `;` as a delimiter (as Fastify 4, Spring and Tomcat do), so whatever reaches it
 * says which endpoint it ran. (A client-chosen original URI is covered by forward-auth-headers.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, sidekeyPreHandler } from '../../sdk/index.js';
import { generateAccountSid, generateAuthToken } from '../../src/domain/credentials.js';
import { findVerifiableToken } from '../../src/verify/repository.js';
import { MemoryRateLimitStore } from '../../src/verify/rate-limit.js';
import { UsageRecorder } from '../../src/verify/usage.js';
import { Verifier } from '../../src/verify/verifier.js';
import { type RunningNginx, type RunningServer, nginxAvailable } from '../support/servers.js';
import { createTestContext, type TestContext } from '../support/databases.js';
import { basic, freePort } from '../verify/helpers.js';
import type { TokenRole } from './support/corpus.js';
import { startDocsNginx } from '../support/documented-proxies.js';
import { RawHttpClient, type RawResponse, jsonOf } from './support/raw-http.js';
import { PROBE_HEADER, type ReportingRouter, type RouterHit, startReportingRouter } from './support/routers.js';
import { VERIFY_KEY, type World, createWorld, startWorldSidekey } from './support/world.js';

if (!nginxAvailable() && process.env.CI) throw new Error('nginx is required in CI (apt-get install nginx)');
if (!nginxAvailable()) console.warn('\n!!! nginx not found (NGINX_BIN): the nginx parts of the request-target regressions are SKIPPED !!!\n');

interface Entrance {
  name: string;
  client: RawHttpClient;
  router: ReportingRouter;
}

describe('request-target findings, each at every entrance', () => {
  let world: World;
  let sidekey: RunningServer;
  let upstream: ReportingRouter;
  let service: ReportingRouter;
  let nginx: RunningNginx | undefined;
  let direct: RawHttpClient;
  const entrances: Entrance[] = [];

  beforeAll(async () => {
    world = await createWorld();
    upstream = await startReportingRouter('lenient');
    sidekey = await startWorldSidekey(world, {}, ['--upstream', upstream.url]);
    direct = new RawHttpClient(sidekey.port, { concurrency: 8 });
    entrances.push({ name: 'the gateway', client: direct, router: upstream });
    if (nginxAvailable()) {
      const listenPort = await freePort();
      nginx = await startDocsNginx({ sidekeyPort: sidekey.port, upstreamPort: upstream.port, listenPort, verifyKey: VERIFY_KEY });
      entrances.push({ name: 'nginx auth_request', client: new RawHttpClient(listenPort, { concurrency: 8 }), router: upstream });
    }
    const verifier = createClient({ baseUrl: sidekey.url, verifyKey: VERIFY_KEY });
    service = await startReportingRouter('lenient', { setup: (app) => void app.addHook('preHandler', sidekeyPreHandler(verifier)) });
    entrances.push({ name: 'the SDK middleware', client: new RawHttpClient(service.port, { concurrency: 8 }), router: service });
  }, 120_000);
  afterAll(async () => {
    for (const e of entrances) e.client.close();
    await nginx?.stop();
    await service?.close();
    await sidekey?.stop();
    await upstream?.close();
    await world?.close();
  });

  let probes = 0;
  /** Sends a request through an entrance; `hit` is what the router received (for the SDK: what got past it). */
  async function send(entrance: Entrance, role: TokenRole, method: string, target: string): Promise<{ response: RawResponse; hit: RouterHit | undefined }> {
    const probe = `rt-${++probes}`;
    const headers: [string, string][] = [['Authorization', world.tokens[role].authorization], [PROBE_HEADER, probe]];
    if (method !== 'GET' && method !== 'HEAD') headers.push(['Content-Length', '0']);
    const response = await entrance.client.request({ method, target, headers });
    const hit = entrance.router.hitOf(probe);
    return { response, hit: entrance.router === service ? (hit?.passed ? hit : undefined) : hit };
  }
  const ran = (hit: RouterHit | undefined) => (hit?.routed ? `${hit.routed.method} ${hit.routed.template} ${JSON.stringify(hit.routed.params)}` : hit ? 'no route' : 'nothing');

  /** Forward auth as nginx asks it (the documented configuration's headers). */
  const askForwardAuth = (role: TokenRole, method: string, target: string, extra: [string, string][] = []) =>
    direct.request({
      method: 'GET',
      target: '/v1/auth',
      headers: [['X-Sidekey-Verify-Key', VERIFY_KEY], ['X-Sidekey-Auth-Style', 'nginx'], ['X-Original-Method', method], ['X-Original-URI', target], ['Authorization', world.tokens[role].authorization], ...extra],
    });

  describe('legacy tokens', () => {
    it('a legacy token cannot reach another account through an encoded root segment', async () => {
      const other = world.sids.other;
      for (const entrance of entrances) {
        for (const role of ['legacyRo', 'legacyRw'] as const) {
          for (const target of [`/%41dvertisers/${other}/Actions`, `/%41dvertisers/${other}/Actions/1`, `/%61dvertisers/${other}/Actions`, `/Adv%65rtisers/${other}/Campaigns`]) {
            const { hit } = await send(entrance, role, 'GET', target);
            expect({ entrance: entrance.name, role, target, upstreamRan: ran(hit) }).toEqual({ entrance: entrance.name, role, target, upstreamRan: 'nothing' });
          }
        }
      }
    });

    it('a legacy token is checked against its own Account SID however the root is spelled: a matrix parameter, an extra leading segment, the bare root, fullwidth dots, raw non-ASCII', async () => {
      const { own, other } = world.sids;
      for (const role of ['legacyRo', 'legacyRw'] as const) {
        const targets = [
          `/Advertisers;x=1/${other}/Actions`,
          `//x/Advertisers/${other}/Actions`,
          `/x/../Advertisers/${other}/Actions`,
          '/',
          `/Advertisers/${own[role]}/\uFF0E\uFF0E/${other}/Actions`,
          `/Advertisers/${own[role]}/%EF%BC%8E%EF%BC%8E/${other}/Actions`,
          `/Advertisers/${own[role]}/\u2025/${other}/Actions`,
          `/Advertisers/${own[role]}/Actions/caf\u00e9`,
          `/\uFF21dvertisers/${other}/Actions`,
        ];
        for (const target of targets) {
          const response = await askForwardAuth(role, 'GET', target);
          expect({ role, target, status: response.status }).not.toMatchObject({ status: 200 });
        }
      }
    });

    it('a legacy token reaches only catalog paths under its own Account SID', async () => {
      const own = world.sids.own.legacyRw;
      for (const [method, target] of [
        ['POST', '/PageLoad'],
        ['GET', `/Advertisers/${own}/NotAnEndpoint`],
        ['GET', '/Mediapartners/x/Actions'],
        ['DELETE', `/Advertisers/${world.sids.sibling}/Actions`],
      ]) {
        expect({ method, target, status: (await askForwardAuth('legacyRw', method, target)).status }).not.toMatchObject({ status: 200 });
      }
      expect((await askForwardAuth('legacyRw', 'DELETE', `/Advertisers/${own}/Actions`)).status).toBe(200);
      expect((await askForwardAuth('legacyRo', 'GET', `/Advertisers/${world.sids.own.legacyRo}/Catalogs/1/Items/2`)).status).toBe(200);
    });

    it("an encoded letter does not move a request off its endpoint's own rate limit (Report Export: 100 a day)", async () => {
      const sid = world.sids.own.legacyRo;
      const plain = await askForwardAuth('legacyRo', 'GET', `/Advertisers/${sid}/ReportExport/1`);
      expect(plain.status).toBe(200);
      expect(plain.headers['x-ratelimit-limit']).toBe('100');
      const encoded = await askForwardAuth('legacyRo', 'GET', `/Advertisers/${sid}/%52eportExport/1`);
      expect(encoded.status === 200 ? encoded.headers['x-ratelimit-limit'] : 'refused').toMatch(/^(100|refused)$/);
      // Through the gateway: counted against Report Export, and the upstream gets the target that was checked.
      const { response, hit } = await send(entrances[0], 'legacyRo', 'GET', `/Advertisers/${sid}/%52eportExport/1`);
      if (response.status === 200) {
        expect(response.headers['x-ratelimit-limit']).toBe('100');
        expect(hit?.url).toBe(`/Advertisers/${sid}/ReportExport/1`);
      } else expect(hit).toBeUndefined();
    });
  });

  describe('# and ; inside a parameter', () => {
    it('a parameter cannot carry # to route the upstream to another endpoint', async () => {
      const sid = world.sids.own.scoped;
      for (const entrance of entrances) {
        for (const target of [`/Advertisers/${sid}/Catalogs/1#/Items/2`, `/Advertisers/${sid}/Catalogs/1#x/Items/2`]) {
          const { hit } = await send(entrance, 'scoped', 'PUT', target);
          // "update catalog item" is granted, "update catalog pull settings" (PUT …/Catalogs/{id}) is not.
          if (hit) expect({ entrance: entrance.name, target, ran: hit.routed?.template }).toEqual({ entrance: entrance.name, target, ran: '/Advertisers/{AccountSID}/Catalogs/{CatalogId}/Items/{CatalogItemId}' });
        }
      }
    });

    it('a parameter cannot carry ; to route an upstream that ends the path at ; to another endpoint', async () => {
      const sid = world.sids.own.scoped;
      for (const entrance of entrances) {
        for (const target of [`/Advertisers/${sid}/ExceptionLists/1/Items/;2`, `/Advertisers/${sid}/ExceptionLists/1/Items;/2`, `/Advertisers/${sid}/ExceptionLists/1;x/Items/2`]) {
          const { hit } = await send(entrance, 'scoped', 'DELETE', target);
          // "delete exception list item" is granted, "delete all items" (DELETE …/Items) is not.
          if (hit) expect({ entrance: entrance.name, target, ran: hit.routed?.template }).toEqual({ entrance: entrance.name, target, ran: '/Advertisers/{AccountSID}/ExceptionLists/{ExceptionListId}/Items/{ItemId}' });
        }
      }
    });

    it('/v1/auth refuses # and ; in a target as REQUEST_TARGET_REFUSED: a raw # is not a valid target (400), ; and an encoded # are ambiguous (403)', async () => {
      const sid = world.sids.own.scoped;
      for (const [method, target, status] of [
        ['PUT', `/Advertisers/${sid}/Catalogs/1#/Items/2`, '400'],
        ['PUT', `/Advertisers/${sid}/Catalogs/1%23/Items/2`, '403'],
        ['DELETE', `/Advertisers/${sid}/ExceptionLists/1/Items/;2`, '403'],
        ['DELETE', `/Advertisers/${sid}/ExceptionLists/1/Items/%3B2`, '403'],
      ]) {
        const response = await askForwardAuth('scoped', method, target);
        const envelope = JSON.parse(response.headers['x-sidekey-error'] ?? 'null') ?? jsonOf(response);
        expect({ target, status: response.headers['x-sidekey-status'] ?? String(response.status), code: envelope?.Code }).toEqual({ target, status, code: 'REQUEST_TARGET_REFUSED' });
      }
    });
  });

  describe('bounded answers and lookups', () => {
    it("a denial header stays under nginx's header limit for an 8 KB path", async () => {
      const sid = world.sids.own.scoped;
      // An endpoint the catalog does not know, so a refusal that quotes the path would quote all of it.
      const target = `/Advertisers/${sid}/Actions/1/Items/2/${'x'.repeat(8_000 - 60 - sid.length)}`;
      expect(target.length).toBeLessThanOrEqual(8_000);
      const answer = await askForwardAuth('scoped', 'GET', target);
      expect(answer.status).toBe(403);
      // nginx holds every header of the auth answer in proxy_buffer_size (4 KB by default).
      expect(answer.headBytes).toBeLessThan(4_096);
      expect(JSON.parse(answer.headers['x-sidekey-error'])).toMatchObject({ Status: 'ERROR' });
      const nginxEntrance = entrances.find((e) => e.name === 'nginx auth_request');
      if (nginxEntrance) {
        const { response, hit } = await send(nginxEntrance, 'scoped', 'GET', target);
        expect(hit).toBeUndefined();
        expect(response.status).toBe(403);
        expect(jsonOf(response)).toMatchObject({ Status: 'ERROR' });
      }
    });

    it('unknown Account SIDs from one client are refused 429 once they pass a bound (Code RATE_LIMITED, Field Authorization)', async () => {
      const client = '198.51.100.23';
      let limitedAt: number | undefined;
      const answers: { status: number; code?: string; field?: string }[] = [];
      for (let i = 0; i < 5_000 && (limitedAt === undefined || i < limitedAt + 50); i++) {
        const response = await direct.request({
          method: 'GET',
          target: '/v1/auth',
          headers: [['X-Sidekey-Verify-Key', VERIFY_KEY], ['X-Forwarded-For', client], ['X-Original-Method', 'GET'], ['X-Original-URI', '/Advertisers/x/Actions'], ['Authorization', basic(generateAccountSid('IR'), generateAuthToken())]],
        });
        const envelope = jsonOf(response);
        answers.push({ status: response.status, code: envelope?.Code, field: envelope?.Errors?.[0]?.Field });
        if (response.status === 429 && limitedAt === undefined) limitedAt = i;
      }
      expect(limitedAt, 'no 429 within 5,000 distinct unknown Account SIDs from one client').toBeDefined();
      const after = answers.slice(limitedAt);
      expect(after.every((a) => a.status === 429 && a.code === 'RATE_LIMITED' && a.field === 'Authorization')).toBe(true);
      expect(answers.slice(0, limitedAt).every((a) => a.status === 401)).toBe(true);
      // Another client is not held back by this one.
      const elsewhere = await direct.request({
        method: 'GET',
        target: '/v1/auth',
        headers: [['X-Sidekey-Verify-Key', VERIFY_KEY], ['X-Forwarded-For', '198.51.100.99'], ['X-Original-Method', 'GET'], ['X-Original-URI', '/Advertisers/x/Actions'], ['Authorization', basic(generateAccountSid('IR'), generateAuthToken())]],
      });
      expect(elsewhere.status).toBe(401);
    }, 60_000);
  });
});

describe('bounded lookups, in process: the lookups themselves', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext('sqlite');
  });
  afterAll(() => t?.close());

  it('unknown Account SIDs from one client are bounded before the database', async () => {
    let loads = 0;
    const clock = Date.parse('2026-06-01T12:00:00Z');
    const verifier = new Verifier({
      store: t.context.store,
      catalog: t.context.catalog,
      hashKey: t.context.keys.hashKey,
      sidPrefix: t.context.config.sidPrefix,
      changes: t.context.changes,
      rateLimits: new MemoryRateLimitStore(),
      usage: new UsageRecorder({ store: t.context.store, flushIntervalMs: 3_600_000 }),
      freshness: t.context.verification.freshness,
      readDeadlineMs: 1_000,
      now: () => clock,
      loader: (sid) => {
        loads++;
        return findVerifiableToken(t.context.store.db, sid);
      },
    });
    const ask = (ip: string) =>
      Promise.resolve(verifier.verify({ authorization: basic(generateAccountSid('IR'), generateAuthToken()), method: 'GET', path: '/Advertisers/x/Actions', ip }));
    let limitedAt: number | undefined;
    for (let i = 0; i < 5_000 && limitedAt === undefined; i++) {
      const result = await ask('203.0.113.7');
      if (result.code === 'RATE_LIMITED') limitedAt = i;
      else expect(result.code).toBe('INVALID_CREDENTIALS');
    }
    expect(limitedAt, 'no bound within 5,000 distinct unknown Account SIDs from one client').toBeDefined();
    const loadsAtTheBound = loads;
    expect(loadsAtTheBound).toBeLessThanOrEqual(limitedAt!);
    for (let i = 0; i < 200; i++) {
      const result = await ask('203.0.113.7');
      expect(result).toMatchObject({ code: 'RATE_LIMITED', status: 429, detail: { field: 'Authorization' } });
    }
    expect(loads, 'lookups after the bound').toBe(loadsAtTheBound);
    // Another client still reaches the database (and gets the ordinary 401).
    expect((await ask('203.0.113.8')).code).toBe('INVALID_CREDENTIALS');
    expect(loads).toBe(loadsAtTheBound + 1);
    verifier.close();
  });
});
