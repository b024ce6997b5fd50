/**
 * Forward auth checks the original request that the proxy in front reports, never one a client describes.
 * SIDEKEY_FORWARD_AUTH names the proxy, and /v1/auth reads exactly that proxy's pair of headers:
 *   nginx            X-Original-Method + X-Original-URI
 *   traefik, caddy   X-Forwarded-Method + X-Forwarded-Uri
 *   envoy            the auth request's own method and the path after /v1/auth
 * A request that also carries a header of another pair is refused: 400, Code FORWARD_AUTH_HEADERS_CONFLICT
 * (in nginx style encoded for auth_request: 403 with X-Sidekey-Status and the envelope in X-Sidekey-Error).
 *
 * Here a client adds the headers a proxy would write, naming an endpoint its token may call, to a request for
 * one it may not — behind real nginx (the documented configuration), real Caddy `forward_auth`, and a
 * Traefik-style sender that copies every client header into the auth request (ForwardAuth with no
 * `authRequestHeaders` allowlist and `trustForwardHeader: false`). The upstream must never run the request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCaddy, type RunningNginx, type RunningServer, caddyAvailable, nginxAvailable } from '../support/servers.js';
import { freePort } from '../verify/helpers.js';
import { forgedIdentityHeaders } from './support/differential.js';
import { startDocsNginx, startForwardAuthCaddy } from '../support/documented-proxies.js';
import { type TraefikStyleSender, startTraefikStyleSender } from './support/proxies.js';
import { RawHttpClient, type RawResponse, jsonOf } from './support/raw-http.js';
import { PROBE_HEADER, type ReportingRouter, startReportingRouter } from './support/routers.js';
import { VERIFY_KEY, type World, createWorld, startWorldSidekey } from './support/world.js';
import type { TokenRole } from './support/corpus.js';

if (!nginxAvailable() && process.env.CI) throw new Error('nginx is required in CI (apt-get install nginx)');
if (!caddyAvailable() && process.env.CI) throw new Error('Caddy is required in CI (apt-get install caddy)');
if (!nginxAvailable()) console.warn('\n!!! nginx not found (NGINX_BIN): the nginx forward-auth header tests are SKIPPED !!!\n');
if (!caddyAvailable()) console.warn('\n!!! caddy not found (CADDY_BIN): the Caddy forward-auth header tests are SKIPPED !!!\n');

type Style = 'nginx' | 'traefik' | 'caddy' | 'envoy';
const STYLES: Style[] = ['nginx', 'traefik', 'caddy', 'envoy'];

/** The original-request headers each proxy writes. */
const PAIRS = {
  original: { method: 'X-Original-Method', uri: 'X-Original-URI' },
  forwarded: { method: 'X-Forwarded-Method', uri: 'X-Forwarded-Uri' },
};
const PAIR_OF_STYLE: Record<Style, keyof typeof PAIRS | undefined> = { nginx: 'original', traefik: 'forwarded', caddy: 'forwarded', envoy: undefined };

/** What Sidekey answered, whether it came straight or nginx-encoded (X-Sidekey-Status, X-Sidekey-Error). */
function sidekeyAnswer(response: RawResponse): { status: number; code: string | undefined; requiredScope: string | undefined } {
  const status = Number(response.headers['x-sidekey-status'] ?? response.status);
  let envelope = jsonOf(response);
  if (!envelope && response.headers['x-sidekey-error']) {
    try {
      envelope = JSON.parse(response.headers['x-sidekey-error']);
    } catch {
      envelope = undefined;
    }
  }
  return { status, code: envelope?.Code ?? response.headers['x-sidekey-code'], requiredScope: envelope?.RequiredScope?.Id };
}

describe('forward auth reads only the header pair of the proxy it is configured for', () => {
  let world: World;
  const sidekeys = {} as Record<Style, RunningServer>;
  const direct = {} as Record<Style, RawHttpClient>;
  let router: ReportingRouter;
  let nginx: RunningNginx | undefined;
  let caddy: RunningCaddy | undefined;
  let traefik: TraefikStyleSender;
  const entrances: { name: string; client: RawHttpClient; pair: keyof typeof PAIRS }[] = [];

  beforeAll(async () => {
    world = await createWorld();
    for (const style of STYLES) {
      sidekeys[style] = await startWorldSidekey(world, { SIDEKEY_FORWARD_AUTH: style });
      direct[style] = new RawHttpClient(sidekeys[style].port, { concurrency: 4 });
    }
    router = await startReportingRouter('fastify');
    if (nginxAvailable()) {
      const listenPort = await freePort();
      nginx = await startDocsNginx({ sidekeyPort: sidekeys.nginx.port, upstreamPort: router.port, listenPort, verifyKey: VERIFY_KEY });
      entrances.push({ name: 'nginx auth_request', client: new RawHttpClient(listenPort, { concurrency: 4 }), pair: 'original' });
    }
    if (caddyAvailable()) {
      const listenPort = await freePort();
      caddy = await startForwardAuthCaddy({ sidekeyPort: sidekeys.caddy.port, verifyKey: VERIFY_KEY, sites: [{ listenPort, upstreamPort: router.port }] });
      entrances.push({ name: 'Caddy forward_auth', client: new RawHttpClient(listenPort, { concurrency: 4 }), pair: 'forwarded' });
    }
    traefik = await startTraefikStyleSender({ authUrl: `${sidekeys.traefik.url}/v1/auth`, upstreamUrl: router.url, verifyKey: VERIFY_KEY });
    entrances.push({ name: 'a Traefik-style ForwardAuth sender', client: new RawHttpClient(traefik.port, { concurrency: 4 }), pair: 'forwarded' });
  }, 120_000);
  afterAll(async () => {
    for (const e of entrances) e.client.close();
    for (const style of STYLES) direct[style]?.close();
    await traefik?.close();
    await caddy?.stop();
    await nginx?.stop();
    await router?.close();
    for (const style of STYLES) await sidekeys[style]?.stop();
    await world?.close();
  });

  /** A request the token may not make, and the allowed one the client claims it is. */
  const attacks = () => [
    {
      name: 'a write the token lacks (update catalog pull settings) claimed as a read it has',
      role: 'scoped' as TokenRole,
      method: 'PUT',
      target: `/Advertisers/${world.sids.own.scoped}/Catalogs/1`,
      claimed: { method: 'GET', uri: `/Advertisers/${world.sids.own.scoped}/Actions` },
    },
    {
      name: "another account's data claimed as its own",
      role: 'legacyRo' as TokenRole,
      method: 'GET',
      target: `/Advertisers/${world.sids.other}/Actions`,
      claimed: { method: 'GET', uri: `/Advertisers/${world.sids.own.legacyRo}/Actions` },
    },
  ];

  /** Client-sent original-request headers: both pairs, both halves, and the method alone. */
  const spoofs = (claimed: { method: string; uri: string }) => [
    { pair: 'original' as const, headers: [[PAIRS.original.uri, claimed.uri], [PAIRS.original.method, claimed.method]] as [string, string][] },
    { pair: 'original' as const, headers: [[PAIRS.original.uri, claimed.uri]] as [string, string][] },
    { pair: 'forwarded' as const, headers: [[PAIRS.forwarded.uri, claimed.uri], [PAIRS.forwarded.method, claimed.method]] as [string, string][] },
    { pair: 'forwarded' as const, headers: [[PAIRS.forwarded.uri, claimed.uri]] as [string, string][] },
    { pair: 'forwarded' as const, headers: [[PAIRS.forwarded.method, claimed.method]] as [string, string][] },
  ];

  let probes = 0;
  const send = (client: RawHttpClient, role: TokenRole, method: string, target: string, headers: [string, string][] = []) => {
    const probe = `fa-${++probes}`;
    return client
      .request({ method, target, headers: [['Authorization', world.tokens[role].authorization], [PROBE_HEADER, probe], ...(method === 'PUT' ? ([['Content-Length', '0']] as [string, string][]) : []), ...headers] })
      .then((response) => ({ response, hit: router.hitOf(probe) }));
  };

  it('each entrance lets a canonical request through, with the identity of the token it checked', async () => {
    expect(entrances.length).toBeGreaterThan(0);
    for (const entrance of entrances) {
      const { response, hit } = await send(entrance.client, 'scoped', 'GET', `/Advertisers/${world.sids.own.scoped}/Actions`, forgedIdentityHeaders(world));
      expect(response.status, entrance.name).toBe(200);
      expect(hit?.routed, entrance.name).toMatchObject({ method: 'GET', template: '/Advertisers/{AccountSID}/Actions', params: { AccountSID: world.sids.own.scoped } });
      expect(hit?.headers['x-sidekey-account-sid'], entrance.name).toBe(world.sids.own.scoped);
      expect(hit?.headers['x-sidekey-token-id'], entrance.name).toBe(world.tokens.scoped.tokenId);
    }
  });

  it('a client-sent original URI cannot choose what forward auth checks (nginx, Caddy, Traefik-style)', async () => {
    const failures: string[] = [];
    for (const entrance of entrances) {
      for (const attack of attacks()) {
        for (const spoof of spoofs(attack.claimed)) {
          const { response, hit } = await send(entrance.client, attack.role, attack.method, attack.target, spoof.headers);
          const answer = sidekeyAnswer(response);
          const label = `${entrance.name}: ${attack.name}, with ${spoof.headers.map(([n, v]) => `${n}: ${v}`).join(', ')}`;
          if (hit) {
            failures.push(`${label} → reached the upstream, which ran ${hit.routed ? `${hit.routed.method} ${hit.routed.template} ${JSON.stringify(hit.routed.params)}` : 'no route'}`);
            continue;
          }
          // The proxy overwrites its own pair, so the real request is what gets judged; the other pair is a conflict.
          const expected = spoof.pair === entrance.pair ? (attack.role === 'scoped' ? 'INSUFFICIENT_SCOPE' : 'INVALID_CREDENTIALS') : 'FORWARD_AUTH_HEADERS_CONFLICT';
          if (answer.code !== expected) failures.push(`${label} → ${response.status} ${answer.code ?? '(no code)'}, expected ${expected}`);
          if (expected === 'INSUFFICIENT_SCOPE' && answer.requiredScope !== 'updateCatalogPullSettings') failures.push(`${label} → the refusal names ${answer.requiredScope}, not the scope of the real request`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  for (const style of STYLES) {
    const own = PAIR_OF_STYLE[style];
    it(`SIDEKEY_FORWARD_AUTH=${style}: the ${own ? `${PAIRS[own].method} / ${PAIRS[own].uri} pair` : 'path after /v1/auth and the request method'} is what is checked`, async () => {
      const sid = world.sids.own.scoped;
      const ask = (method: string, target: string) => {
        const headers: [string, string][] = [['X-Sidekey-Verify-Key', VERIFY_KEY], ['Authorization', world.tokens.scoped.authorization]];
        if (style === 'nginx') headers.push(['X-Sidekey-Auth-Style', 'nginx']);
        if (own) return direct[style].request({ method: 'GET', target: '/v1/auth', headers: [...headers, [PAIRS[own].method, method], [PAIRS[own].uri, target]] });
        return direct[style].request({ method, target: `/v1/auth${target}`, headers: [...headers, ...(method === 'PUT' ? ([['Content-Length', '0']] as [string, string][]) : [])] });
      };
      expect((await ask('GET', `/Advertisers/${sid}/Actions`)).status).toBe(200);
      const refused = sidekeyAnswer(await ask('PUT', `/Advertisers/${sid}/Catalogs/1`));
      expect(refused).toMatchObject({ status: 403, code: 'INSUFFICIENT_SCOPE', requiredScope: 'updateCatalogPullSettings' });
    });

    it(`SIDEKEY_FORWARD_AUTH=${style}: a request that also carries another proxy's header is refused 400 FORWARD_AUTH_HEADERS_CONFLICT`, async () => {
      const sid = world.sids.own.scoped;
      const allowed = `/Advertisers/${sid}/Actions`;
      const others = Object.entries(PAIRS).flatMap(([pair, names]) => (pair === own ? [] : [names.method, names.uri]));
      for (const header of others) {
        const headers: [string, string][] = [['X-Sidekey-Verify-Key', VERIFY_KEY], ['Authorization', world.tokens.scoped.authorization], [header, header.endsWith('Method') ? 'GET' : allowed]];
        if (style === 'nginx') headers.push(['X-Sidekey-Auth-Style', 'nginx']);
        const response = own
          ? await direct[style].request({ method: 'GET', target: '/v1/auth', headers: [...headers, [PAIRS[own].method, 'GET'], [PAIRS[own].uri, allowed]] })
          : await direct[style].request({ method: 'GET', target: `/v1/auth${allowed}`, headers });
        expect(sidekeyAnswer(response), `${style} style with a client-sent ${header}`).toMatchObject({ status: 400, code: 'FORWARD_AUTH_HEADERS_CONFLICT' });
      }
    });
  }
});
