/**
 * The hot path over HTTP, every server side by side in one run so each figure is a ratio to a baseline that saw
 * the same machine state. wrk (1 thread, 50 keep-alive connections) drives, in interleaved rounds:
 *
 *   bare node:http "ok" · Fastify 5 hello route · GET /v1/auth (warm token) · POST /v1/verify, each beside node:http
 *   sending that very answer with no verification (the floor: what the exchange itself costs node:http)
 *   a minimal node:http proxy → upstream · the Sidekey gateway → upstream · nginx proxy_pass → upstream
 *   nginx auth_request → Sidekey /v1/auth, then proxy_pass → upstream
 *
 * then /v1/auth and bare node paced to half of /v1/auth's measured throughput (the latency /v1/auth adds when it
 * is not saturated), and last the verifier in this process, with no HTTP at all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Context, createContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { hashSecret } from '../../src/domain/credentials.js';
import { docsNginxConfig } from '../../test/support/documented-proxies.js';
import type { OwnedProcess } from '../../test/support/processes.js';
import { startNginx, startSidekey, startTrivialServer } from '../../test/support/servers.js';
import { freePort } from '../../test/verify/helpers.js';
import { type BenchEnvironment, type BenchGroup, type Figure, median } from '../figures.js';
import { startBaseline } from '../servers/start.js';
import { seedAccount, sidekeyEnvironment, VERIFY_KEY } from '../support.js';
import { ensureLoadTools, runWrk, type WrkRequest, type WrkResult } from '../wrk.js';

const CONNECTIONS = 50;
/** Before the first round, per server: the JIT, caches and keep-alive pools (round 1 ran slower after only 1 s). */
const WARM_UP_SECONDS = 3;

export const group: BenchGroup = { name: 'http', run };

interface Load {
  id: string;
  label: string;
  origin: string;
  request: WrkRequest;
}

/**
 * nginx's http block: the documented `auth_request` server (docs/protect-your-api.md, as users run it) on one
 * port, and `proxy_pass` alone to the same upstream on the other.
 */
function nginxConfig(o: { proxyPort: number; authPort: number; sidekeyPort: number; upstreamPort: number }): string {
  return `${docsNginxConfig({ sidekeyPort: o.sidekeyPort, upstreamPort: o.upstreamPort, listenPort: o.authPort, verifyKey: VERIFY_KEY, upstreamKeepalive: 64 })}
  server {
    listen 127.0.0.1:${o.proxyPort};
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://platform_api;
    }
  }`;
}

async function run(environment: BenchEnvironment): Promise<Figure[]> {
  const { rounds, durationSeconds, log } = environment;
  ensureLoadTools(log);
  const work = mkdtempSync(join(tmpdir(), 'sidekey-bench-http-'));
  const env = sidekeyEnvironment(work);
  const context = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
  const owned: OwnedProcess[] = [];
  try {
    const seeded = await seedAccount(context, 'Bench brand');
    const authorization = `Basic ${Buffer.from(`${seeded.accountSid}:${seeded.authToken}`).toString('base64')}`;
    const apiPath = `/Advertisers/${seeded.accountSid}/Actions/42`;

    const start = async <T extends OwnedProcess>(started: Promise<T>): Promise<T> => {
      const child = await started;
      owned.push(child);
      return child;
    };
    const upstream = await start(startTrivialServer());
    const bare = await start(startTrivialServer());
    const fastify = await start(startBaseline('fastify.mjs'));
    const proxy = await start(startBaseline('proxy.mjs', { UPSTREAM_URL: upstream.url }));
    const sidekey = await start(startSidekey({ ...env, UPSTREAM_URL: upstream.url }));
    const [proxyPort, authPort] = [await freePort(), await freePort()];
    const nginx = await start(startNginx(authPort, () => nginxConfig({ proxyPort, authPort, sidekeyPort: sidekey.port, upstreamPort: upstream.port })));
    const nginxProxy = `http://127.0.0.1:${proxyPort}`;

    const auth: WrkRequest = { path: '/v1/auth', headers: { authorization, 'x-original-method': 'GET', 'x-original-uri': apiPath, 'x-sidekey-verify-key': VERIFY_KEY } };
    const verify: WrkRequest = {
      method: 'POST',
      path: '/v1/verify',
      headers: { 'content-type': 'application/json', 'x-sidekey-verify-key': VERIFY_KEY },
      body: JSON.stringify({ accountSid: seeded.accountSid, authToken: seeded.authToken, method: 'GET', path: apiPath }),
    };
    const floor = await start(startBaseline('answer-floor.mjs', { ANSWERS: JSON.stringify({ get: await capture(sidekey.url, auth), post: await capture(sidekey.url, verify) }) }));
    const loads: Load[] = [
      { id: 'bare_node', label: 'bare node:http answering "ok"', origin: bare.url, request: { path: '/' } },
      { id: 'fastify', label: 'Fastify 5 hello route', origin: fastify.url, request: { path: '/' } },
      { id: 'auth', label: 'Sidekey GET /v1/auth, warm token', origin: sidekey.url, request: auth },
      { id: 'auth_floor', label: "node:http sending /v1/auth's answer, no verification", origin: floor.url, request: auth },
      { id: 'verify', label: 'Sidekey POST /v1/verify, warm token', origin: sidekey.url, request: verify },
      { id: 'verify_floor', label: "node:http sending /v1/verify's answer, no verification", origin: floor.url, request: verify },
      { id: 'node_proxy', label: 'minimal node:http proxy → upstream', origin: proxy.url, request: { path: apiPath, headers: { authorization } } },
      { id: 'gateway', label: 'Sidekey gateway → upstream', origin: sidekey.url, request: { path: apiPath, headers: { authorization } } },
      { id: 'nginx_proxy', label: 'nginx proxy_pass → upstream', origin: nginxProxy, request: { path: apiPath, headers: { authorization } } },
      { id: 'nginx_auth_request', label: 'nginx auth_request → Sidekey /v1/auth, proxy_pass → upstream', origin: nginx.url, request: { path: apiPath, headers: { authorization } } },
    ];
    for (const load of loads) await probe(load);

    log(`  wrk, 1 thread, ${CONNECTIONS} keep-alive connections, ${durationSeconds} s a run, ${rounds} interleaved rounds`);
    // Interleaved: a burst of load from a neighbour on this shared machine then hits every server alike.
    const results = new Map<string, WrkResult[]>(loads.map((l) => [l.id, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const load of loads) {
        if (round === 1) await runWrk({ origin: load.origin, request: load.request, durationSeconds: WARM_UP_SECONDS, connections: CONNECTIONS });
        const result = await runWrk({ origin: load.origin, request: load.request, durationSeconds, connections: CONNECTIONS });
        results.get(load.id)!.push(result);
        log(`  round ${round} ${load.label}: ${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms`);
      }
    }
    const rps = (id: string) => median(results.get(id)!.map((r) => r.requestsPerSecond));
    const perRound = (over: string, baseline: string) => {
      const ratios = results.get(over)!.map((r, i) => r.requestsPerSecond / results.get(baseline)![i].requestsPerSecond);
      return `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
    };
    const figures: Figure[] = loads.map((load) => throughputFigure(load, results.get(load.id)!));
    const ratio = (id: string, label: string, over: string, baseline: string, target?: number): Figure => ({
      group: 'http',
      id,
      label,
      value: rps(over) / rps(baseline),
      unit: 'ratio',
      baseline: `${baseline}.rps`,
      ...(target === undefined ? {} : { target: { comparison: 'atLeast' as const, value: target } }),
      note: `median req/s ÷ the baseline's median; round by round ${perRound(over, baseline)}`,
    });
    figures.push(
      ratio('fastify.ratio_to_bare_node', 'Fastify hello route ÷ bare node:http', 'fastify', 'bare_node'),
      ratio('auth.ratio_to_bare_node', 'GET /v1/auth ÷ bare node:http', 'auth', 'bare_node', 0.75),
      ratio('verify.ratio_to_bare_node', 'POST /v1/verify ÷ bare node:http', 'verify', 'bare_node', 0.6),
      ratio('auth_floor.ratio_to_bare_node', "node:http sending /v1/auth's answer ÷ bare node:http", 'auth_floor', 'bare_node'),
      ratio('auth.ratio_to_floor', "GET /v1/auth ÷ node:http sending its answer", 'auth', 'auth_floor'),
      ratio('verify_floor.ratio_to_bare_node', "node:http sending /v1/verify's answer ÷ bare node:http", 'verify_floor', 'bare_node'),
      ratio('verify.ratio_to_floor', "POST /v1/verify ÷ node:http sending its answer", 'verify', 'verify_floor'),
      ratio('gateway.ratio_to_node_proxy', 'gateway ÷ minimal node:http proxy', 'gateway', 'node_proxy', 0.9),
      ratio('gateway.ratio_to_nginx_auth_request', 'gateway ÷ nginx auth_request + Sidekey', 'gateway', 'nginx_auth_request', 1.0),
    );

    figures.push(await addedLatency(rps('auth') / 2, loads[0], loads[2], environment));
    for (const child of owned.splice(0).reverse()) await child.stop();
    figures.push(...(await inProcessFigures(context, seeded.accountSid, seeded.authToken, apiPath, log)));
    return figures;
  } finally {
    for (const child of owned.reverse()) await child.stop();
    await context.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Headers node:http adds to every answer itself: the floor server adds its own. */
const ADDED_BY_NODE: ReadonlySet<string> = new Set(['date', 'connection', 'keep-alive']);

/** Sidekey's answer to `request` (status, raw header list, body), for the answer-floor baseline to send as it is. */
async function capture(origin: string, { method = 'GET', path, headers, body }: WrkRequest): Promise<{ status: number; headers: string[]; body: string }> {
  const response = await fetch(`${origin}${path}`, { method, headers, body });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: the floor would copy a refusal`);
  const kept = [...response.headers].filter(([name]) => !ADDED_BY_NODE.has(name)).flat();
  return { status: response.status, headers: kept, body: await response.text() };
}

/** One request before any load: a server that refuses the bench's request would make every figure meaningless. */
async function probe(load: Load): Promise<void> {
  const { method = 'GET', path, headers, body } = load.request;
  const response = await fetch(`${load.origin}${path}`, { method, headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${load.label}: ${method} ${path} answered ${response.status} ${text}`);
}

function throughputFigure(load: Load, runs: WrkResult[]): Figure {
  const values = runs.map((r) => r.requestsPerSecond);
  const p99 = median(runs.map((r) => r.latencyMs.p99));
  const lost = runs.reduce((sum, r) => sum + Object.values(r.socketErrors).reduce((a, b) => a + b, 0), 0);
  return {
    group: 'http',
    id: `${load.id}.rps`,
    label: load.label,
    value: median(values),
    unit: 'req/s',
    note: `median of ${runs.length} round${runs.length === 1 ? '' : 's'} (${Math.round(Math.min(...values)).toLocaleString('en-US')}–${Math.round(Math.max(...values)).toLocaleString('en-US')}), p99 ${p99.toFixed(1)} ms${lost ? `, ${lost} socket errors` : ''}`,
  };
}

/**
 * p99 of /v1/auth minus p99 of bare node:http, both paced to the same rate. wrk 4 has no fixed-rate mode: each
 * connection waits a delay after each answer (request.lua's delay()), so a connection's cycle is that delay plus
 * the answer's latency. After a 1 s calibration run per server (also its warm-up) and after every run, the delay
 * is shortened by the latency that run showed, never below half the cycle (one run slowed by a neighbour must not
 * turn the pace into a flood); the note gives the rate each reached.
 */
async function addedLatency(rate: number, bare: Load, auth: Load, { rounds, durationSeconds, log }: BenchEnvironment): Promise<Figure> {
  const cycleMs = (CONNECTIONS / rate) * 1000;
  const delayMs = { bare: cycleMs, auth: cycleMs };
  const adjust = (key: 'bare' | 'auth', reached: WrkResult) => {
    const latencyMs = (CONNECTIONS / reached.requestsPerSecond) * 1000 - delayMs[key];
    delayMs[key] = Math.min(cycleMs, Math.max(cycleMs / 2, cycleMs - latencyMs));
  };
  for (const [key, load] of [
    ['bare', bare],
    ['auth', auth],
  ] as const) {
    adjust(key, await runWrk({ origin: load.origin, request: load.request, durationSeconds: 1, connections: CONNECTIONS, delayMs: cycleMs }));
  }
  log(`  paced to ${Math.round(rate).toLocaleString('en-US')} req/s (half of /v1/auth's): a connection's cycle ${cycleMs.toFixed(2)} ms`);
  const p99 = { bare: [] as number[], auth: [] as number[] };
  const reached = { bare: [] as number[], auth: [] as number[] };
  for (let round = 1; round <= rounds; round++) {
    for (const [key, load] of [
      ['bare', bare],
      ['auth', auth],
    ] as const) {
      const waited = delayMs[key];
      const result = await runWrk({ origin: load.origin, request: load.request, durationSeconds, connections: CONNECTIONS, delayMs: waited });
      p99[key].push(result.latencyMs.p99);
      reached[key].push(result.requestsPerSecond);
      adjust(key, result);
      log(`  round ${round} paced ${load.label} (waits ${waited.toFixed(2)} ms): ${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms`);
    }
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return {
    group: 'http',
    id: 'auth.added_p99_ms',
    label: 'latency /v1/auth adds at half its max throughput (p99)',
    value: median(p99.auth) - median(p99.bare),
    unit: 'ms',
    target: { comparison: 'atMost', value: 1 },
    note: `median p99 ${median(p99.auth).toFixed(2)} ms at ${fmt(median(reached.auth))} req/s − bare node's ${median(p99.bare).toFixed(2)} ms at ${fmt(median(reached.bare))} req/s (goal ${fmt(rate)}), ${rounds} rounds`,
  };
}

type VerificationRequest = { accountSid: string; authToken: string; method: string; path: string };

/**
 * Verifications per second in this process for one warm token; `fresh` forces the keyed hash every time. It runs
 * in 50 ms slices and yields between them: a node trusts its cache only while its change feed has confirmed it
 * current (within SIDEKEY_MAX_STALENESS_MS), and a loop that never yields would starve the feed and time itself
 * on the read-through path. A call that still leaves the hot path ends its slice, is awaited untimed and counted.
 */
async function inProcessRate(context: Context, request: VerificationRequest, fresh: boolean, seconds: number): Promise<{ perSecond: number; slowPath: number }> {
  let count = 0;
  let busyMs = 0;
  let slowPath = 0;
  // The keyed hash of the secret, put back with the memo cleared: an accepted secret replaces the entry's hash.
  const secretHash = hashSecret(request.authToken, context.keys.hashKey, 'binary');
  while (busyMs < seconds * 1000) {
    const started = performance.now();
    const entry = context.verifier.cache.get(request.accountSid, Date.now());
    if (!entry || entry.negative) throw new Error('bench token is not warm');
    let pending: Promise<{ valid: boolean }> | undefined;
    while (!pending && performance.now() - started < 50) {
      for (let i = 0; i < 1000; i++) {
        if (fresh) entry.secret = secretHash;
        const result = context.verifier.verify(request);
        if (result instanceof Promise) {
          pending = result;
          break;
        }
        if (!result.valid) throw new Error(`the bench token was refused in process: ${result.code}`);
        count++;
      }
    }
    busyMs += performance.now() - started;
    if (pending) {
      slowPath++;
      if (!(await pending).valid) throw new Error('the bench token was refused in process');
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { perSecond: count / (busyMs / 1000), slowPath };
}

async function inProcessFigures(context: Context, accountSid: string, authToken: string, path: string, log: (line: string) => void): Promise<Figure[]> {
  const request: VerificationRequest = { accountSid, authToken, method: 'GET', path };
  // The first verification in this process reads the token from the database; every one after it is the hot path.
  const first = await context.verifier.verify(request);
  if (!first.valid) throw new Error(`the bench token was refused in process: ${first.code}`);
  await inProcessRate(context, request, false, 1); // JIT
  const warm = await inProcessRate(context, request, false, 3);
  const hashed = await inProcessRate(context, request, true, 3);
  const slow = (r: { slowPath: number }) => (r.slowPath ? `; ${r.slowPath} calls left the hot path (untimed)` : '');
  log(`  in process: ${Math.round(warm.perSecond).toLocaleString('en-US')} verifications/s warm, ${Math.round(hashed.perSecond).toLocaleString('en-US')}/s with the keyed hash on every call`);
  return [
    { group: 'http', id: 'verifier.in_process_per_second', label: 'in-process verifications, warm token', value: warm.perSecond, unit: '/s', target: { comparison: 'atLeast', value: 250_000 }, note: `3 s of 50 ms slices, one thread, no HTTP${slow(warm)}` },
    { group: 'http', id: 'verifier.in_process_keyed_hash_per_second', label: 'in-process verifications, keyed hash on every call', value: hashed.perSecond, unit: '/s', note: `the accepted-secret memo cleared and the hash restored before each call${slow(hashed)}` },
  ];
}
