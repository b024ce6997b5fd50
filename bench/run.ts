/**
 * `npm run bench`: every figure of the hot path in one run, so they share one machine state and can be compared
 * as ratios (these machines are shared and noisy: absolute numbers move between runs, ratios much less).
 *
 *   (a) bare node:http answering 200: the ceiling of any Node server here
 *   (b) GET /v1/auth, warm token, scoped endpoint        (c) POST /v1/verify
 *   (d) the gateway in front of a trivial upstream       (e) that upstream called directly
 *   (f) in-process verifications per second, warm token
 *   (g) the token list with a name filter on an account with 100k tokens (SQLite, and PostgreSQL if reachable)
 *   (h) the server's resident memory with 100k distinct warm tokens in its cache
 *   (i) cross-node revocation delay: two servers on one PostgreSQL, reset on one, refused by the other
 *   (j) revocation delay across processes, normal and under faults (bench/revocation.ts)
 *
 * Prints a table and writes bench/results/latest.json. Environment: BENCH_DURATION (s, default 5),
 * BENCH_TOKENS (default 100000), BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_ONLY=http to run (a)–(f) only while iterating, BENCH_ONLY=revocation to run (j) only,
 * BENCH_RESETS (resets per (j) scenario, default 20).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import autocannon from 'autocannon';
import { createContext, type Context } from '../src/app/context.js';
import { loadConfig } from '../src/config.js';
import { operator } from '../src/domain/actor.js';
import { randomBase62 } from '../src/domain/credentials.js';
import type { Actor } from '../src/domain/actor.js';
import { createScratchDatabase } from '../test/support/scratch-postgres.js';
import { stopStartedProcesses } from '../test/support/processes.js';
import { startSidekey, startTrivialServer } from '../test/support/servers.js';
import { percentile, seedTokens, timeList, warmTokens, residentMemory } from './support.js';
import { type ScenarioResult, revocationScenarios } from './revocation.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = 50;
const TOKEN_COUNT = Number(process.env.BENCH_TOKENS ?? 100_000);
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PASSWORD = 'bench password 0123456789';
const HTTP_ONLY = process.env.BENCH_ONLY === 'http';
const REVOCATION_ONLY = process.env.BENCH_ONLY === 'revocation';
const RESETS = Number(process.env.BENCH_RESETS ?? 20);
const ROUNDS = 2;

interface HttpRow {
  id: string;
  label: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const results: Record<string, unknown> = {};

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

async function load(id: string, label: string, options: Parameters<typeof autocannon>[0]): Promise<HttpRow> {
  await autocannon({ ...options, connections: CONNECTIONS, duration: 1 }); // warm-up: JIT, caches, keep-alive pools
  const r = await autocannon({ ...options, connections: CONNECTIONS, duration: DURATION });
  const row = { id, label, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
  log(`  ${id} ${label}: ${Math.round(row.rps)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms${row.non2xx || row.errors ? `  (!! ${row.non2xx} non-2xx, ${row.errors} errors)` : ''}`);
  return row;
}

/** The production setting: the verification endpoints require the service key. */
const VERIFY_KEY = randomBytes(24).toString('base64url');

function environment(dataDir: string, databaseUrl?: string) {
  return {
    DATA_DIR: dataDir,
    SIDEKEY_VERIFY_KEY: VERIFY_KEY,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    SIDEKEY_MASTER_KEY: randomBytes(32).toString('base64'),
    SIDEKEY_HASH_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
}

/** An account with API access, its administrator, and one scoped token with room for the whole benchmark. */
async function seedAccount(context: Context, name: string) {
  const email = `bench-${randomBase62(8).toLowerCase()}@bench.test`;
  const { accountId, userId } = await context.accounts.createAccountWithAdmin({ email, password: PASSWORD, accountName: name });
  await context.tokens.enableApiAccess(operator('bench'), accountId);
  const admin: Actor = { kind: 'user', userId };
  const issued = await context.tokens.create(admin, accountId, { name: 'Bench token', scopes: ['listActions', 'getActionById'], rateLimit: { limit: 10_000_000, windowSeconds: 3600 } });
  return { accountId, admin, email, accountSid: issued.token.accountSid, authToken: issued.authToken };
}

async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

// ---- (f) -------------------------------------------------------------------------------------------------

/** Verifications per second in this process for one warm token; `fresh` forces the keyed hash every time. */
function inProcessRate(context: Context, accountSid: string, authToken: string, fresh: boolean, seconds = 3): number {
  const request = { accountSid, authToken, method: 'GET', path: `/Advertisers/${accountSid}/Actions/42` };
  const entry = context.verifier.cache.get(accountSid, Date.now());
  if (!entry || entry.negative) throw new Error('bench token is not warm');
  let count = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) {
      if (fresh) entry.acceptedAuthToken = undefined;
      const result = context.verifier.verify(request);
      if (result instanceof Promise || !result.valid) throw new Error('in-process verification left the hot path');
    }
    count += 1000;
  }
  return count / ((performance.now() - started) / 1000);
}

// ---- (i) -------------------------------------------------------------------------------------------------

async function crossNodeDelays(env: Record<string, string>, email: string, accountId: string, resets = 50): Promise<number[]> {
  const [a, b] = await Promise.all([startSidekey(env), startSidekey(env)]);
  const session = await fetch(`${a.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  const cookie = session.headers.get('set-cookie')!.split(';')[0];
  const csrf = (await session.json()).csrfToken;
  const manage = async (path: string, body: unknown = {}) =>
    (await fetch(`${a.url}/api/v1/accounts/${accountId}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: JSON.stringify(body) })).json();
  const created = await manage('/tokens', { name: 'Revocation probe', scopes: ['listActions'] });
  const sid = created.token.accountSid as string;
  let secret = created.authToken as string;
  const valid = async () =>
    (await (await fetch(`${b.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sidekey-verify-key': VERIFY_KEY }, body: JSON.stringify({ accountSid: sid, authToken: secret, method: 'GET', path: `/Advertisers/${sid}/Actions` }) })).json()).valid as boolean;
  const delays: number[] = [];
  for (let i = 0; i < resets; i++) {
    if (!(await valid())) throw new Error('node B refused the current secret');
    const reset = await manage(`/tokens/${created.token.id}/reset`);
    const answered = performance.now();
    while (await valid()) if (performance.now() - answered > 2000) throw new Error('node B accepted the old secret for 2 s');
    delays.push(performance.now() - answered);
    secret = reset.authToken;
  }
  await Promise.all([a.stop(), b.stop()]);
  return delays;
}

// ---- main ------------------------------------------------------------------------------------------------

async function revocation(): Promise<ScenarioResult[]> {
  const pgAdminUrl = (await postgresAvailable()) ? PG_ADMIN_URL : undefined;
  return revocationScenarios({ pgAdminUrl, resets: RESETS, password: PASSWORD, environment, verifyKey: VERIFY_KEY, log });
}

function revocationTable(rows: ScenarioResult[]): string {
  const lines = ['', '| (j) scenario | resets | p50 ms | p99 ms | max ms | refused as |', '|---|---:|---:|---:|---:|---|'];
  for (const r of rows) lines.push(`| ${r.scenario} | ${r.resets} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} | ${Object.entries(r.refusals).map(([code, n]) => `${code} ×${n}`).join(', ')} |`);
  return lines.join('\n');
}

async function main() {
  if (REVOCATION_ONLY) {
    const rows = await revocation();
    log(revocationTable(rows));
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/revocation.json'), `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: cpus().length, resetsPerScenario: RESETS, revocation: rows }, null, 2)}\n`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'sidekey-bench-'));
  const env = environment(work);
  log(`Sidekey benchmark: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ${CONNECTIONS} connections, ${DURATION} s per HTTP run`);

  const context = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
  const bench = await seedAccount(context, 'Bench brand');
  const authorization = `Basic ${Buffer.from(`${bench.accountSid}:${bench.authToken}`).toString('base64')}`;
  const apiPath = `/Advertisers/${bench.accountSid}/Actions/42`;

  const trivial = await startTrivialServer();
  const sidekey = await startSidekey(env, ['--upstream', trivial.url]);

  log(`\nHTTP (autocannon, keep-alive; ${ROUNDS} interleaved rounds, averaged):`);
  const runs: [string, string, Parameters<typeof autocannon>[0]][] = [
    ['(a)', 'bare node:http 200', { url: `${trivial.url}/` }],
    ['(b)', 'GET /v1/auth', { url: `${sidekey.url}/v1/auth`, headers: { authorization, 'x-original-method': 'GET', 'x-original-uri': apiPath, 'x-sidekey-verify-key': VERIFY_KEY } }],
    [
      '(c)',
      'POST /v1/verify',
      {
        url: `${sidekey.url}/v1/verify`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sidekey-verify-key': VERIFY_KEY },
        body: JSON.stringify({ accountSid: bench.accountSid, authToken: bench.authToken, method: 'GET', path: apiPath }),
      },
    ],
    ['(d)', 'gateway → upstream', { url: `${sidekey.url}${apiPath}`, headers: { authorization } }],
    ['(e)', 'upstream direct', { url: `${trivial.url}${apiPath}` }],
  ];
  // Interleaved rounds: a burst of load from a neighbour on this shared machine then hits every run alike.
  const rounds: HttpRow[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rows: HttpRow[] = [];
    for (const [id, label, options] of runs) rows.push(await load(id, label, options));
    rounds.push(rows);
  }
  const http: HttpRow[] = runs.map(([id, label], i) => {
    const all = rounds.map((rows) => rows[i]);
    const mean = (pick: (r: HttpRow) => number) => all.reduce((sum, r) => sum + pick(r), 0) / all.length;
    return { id, label, rps: mean((r) => r.rps), p50: mean((r) => r.p50), p99: mean((r) => r.p99), non2xx: mean((r) => r.non2xx), errors: mean((r) => r.errors) };
  });
  const rps = (id: string) => http.find((r) => r.id === id)!.rps;
  const ratios = { 'b/a': rps('(b)') / rps('(a)'), 'c/a': rps('(c)') / rps('(a)'), 'd/e': rps('(d)') / rps('(e)') };
  results.http = http;
  results.httpRounds = rounds;
  results.ratios = ratios;

  log('\nIn process (f):');
  await context.verifier.verify({ accountSid: bench.accountSid, authToken: bench.authToken, method: 'GET', path: apiPath });
  inProcessRate(context, bench.accountSid, bench.authToken, false, 1); // warm-up
  const inProcess = inProcessRate(context, bench.accountSid, bench.authToken, false);
  const inProcessHashed = inProcessRate(context, bench.accountSid, bench.authToken, true);
  log(`  warm token: ${Math.round(inProcess)}/s; with the keyed hash on every call (no accepted-secret memo): ${Math.round(inProcessHashed)}/s`);
  results.inProcess = { perSecond: inProcess, perSecondKeyedHashEveryCall: inProcessHashed };

  await sidekey.stop();
  await trivial.stop();
  if (HTTP_ONLY) {
    await context.close();
    printTable(http, ratios, results);
    return;
  }

  log(`\nToken list with a name filter, one account with ${TOKEN_COUNT} tokens (g):`);
  const big = await seedAccount(context, 'Bench big brand');
  const seedStart = performance.now();
  const secrets = await seedTokens(context, big.accountId, TOKEN_COUNT);
  log(`  seeded ${TOKEN_COUNT} tokens on SQLite in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  const listing: Record<string, unknown> = { sqlite: await timeList(context, big.admin, big.accountId, log, 'sqlite') };

  log(`\nResident memory with ${TOKEN_COUNT} distinct warm tokens (h):`);
  // A fresh server, so the figure is the cache's and not what the load runs above left in the heap.
  const server = await startSidekey(env);
  const before = residentMemory(server.pid);
  const warmStart = performance.now();
  const warmed = await warmTokens(server.url, secrets, CONNECTIONS, VERIFY_KEY);
  log(`  warmed ${warmed} tokens over HTTP in ${((performance.now() - warmStart) / 1000).toFixed(1)} s`);
  // Right after the burst the heap still holds its garbage; V8's memory reducer returns it once the process has
  // been idle a while (about a minute here). Watch for 100 s: the settled figure is the cache's real cost.
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 5_000));
    samples.push(residentMemory(server.pid).rssMb);
  }
  const after = residentMemory(server.pid);
  const settled = Math.min(...samples);
  log(`  RSS ${before.rssMb.toFixed(0)} MB before; ${samples[0].toFixed(0)} MB just after warming, ${settled.toFixed(0)} MB settled (peak ${after.peakMb.toFixed(0)} MB during the burst)`);
  results.memory = { tokens: warmed, rssBeforeMb: before.rssMb, rssAfterBurstMb: samples[0], rssWarmMb: settled, peakMb: after.peakMb, samplesMb: samples };
  await server.stop();
  await context.close();

  let crossNode: number[] | undefined;
  if (await postgresAvailable()) {
    log('\nPostgreSQL:');
    const database = await createScratchDatabase(PG_ADMIN_URL, 'sidekey_bench');
    try {
      const pgEnv = environment(join(work, 'pg'), database.url);
      mkdirSync(pgEnv.DATA_DIR, { recursive: true });
      const pgContext = await createContext(loadConfig({ ...pgEnv, LOG_LEVEL: 'silent' }));
      const pgBig = await seedAccount(pgContext, 'Bench big brand');
      const pgSeed = performance.now();
      await seedTokens(pgContext, pgBig.accountId, TOKEN_COUNT);
      log(`  seeded ${TOKEN_COUNT} tokens on PostgreSQL in ${((performance.now() - pgSeed) / 1000).toFixed(1)} s`);
      listing.postgres = await timeList(pgContext, pgBig.admin, pgBig.accountId, log, 'postgres');
      const probe = await seedAccount(pgContext, 'Bench revocation brand');
      await pgContext.close();
      log('  cross-node revocation (i): two servers, 50 resets on A, polling B');
      crossNode = await crossNodeDelays(pgEnv, probe.email, probe.accountId);
      const sorted = [...crossNode].sort((x, y) => x - y);
      log(`  delay p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`);
      results.crossNodeRevocationMs = { samples: crossNode.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
    } finally {
      await database.drop();
    }
  } else log('\nPostgreSQL unreachable: (g) on PostgreSQL and (i) skipped.');
  results.listing = listing;
  results.revocation = await revocation();

  printTable(http, ratios, results);
  log(revocationTable(results.revocation as ScenarioResult[]));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results/latest.json');
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, connections: CONNECTIONS, durationSeconds: DURATION, tokens: TOKEN_COUNT, ...results }, null, 2)}\n`);
  log(`\nWritten to ${file}`);
  rmSync(work, { recursive: true, force: true });
}

function printTable(http: HttpRow[], ratios: Record<string, number>, all: Record<string, unknown>) {
  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = ['', '| run | what | req/s | p50 ms | p99 ms |', '|---|---|---:|---:|---:|'];
  for (const r of http) lines.push(`| ${r.id} | ${r.label} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} |`);
  const target = (value: number, goal: number, higherIsBetter = true) => ((higherIsBetter ? value >= goal : value <= goal) ? 'met' : 'MISSED');
  lines.push('', '| figure | value | target | |', '|---|---:|---:|---|');
  lines.push(`| b/a (/v1/auth vs bare node) | ${fmt(ratios['b/a'], 2)} | ≥ 0.75 | ${target(ratios['b/a'], 0.75)} |`);
  lines.push(`| c/a (/v1/verify vs bare node) | ${fmt(ratios['c/a'], 2)} | | |`);
  lines.push(`| d/e (gateway vs upstream direct) | ${fmt(ratios['d/e'], 2)} | ≥ 0.5 | ${target(ratios['d/e'], 0.5)} |`);
  const inProcess = all.inProcess as { perSecond: number; perSecondKeyedHashEveryCall: number };
  lines.push(`| (f) in-process verifications/s, warm token | ${fmt(inProcess.perSecond)} | ≥ 250,000 | ${target(inProcess.perSecond, 250_000)} |`);
  lines.push(`| (f′) same, keyed hash on every call | ${fmt(inProcess.perSecondKeyedHashEveryCall)} | | |`);
  for (const [dialect, figures] of Object.entries((all.listing ?? {}) as Record<string, { worstP95: number; filters: { filter: string; p50: number; p95: number }[] }>)) {
    lines.push(`| (g) list, name filter, ${TOKEN_COUNT} tokens, ${dialect}: worst p95 | ${fmt(figures.worstP95, 1)} ms | ≤ 50 ms | ${target(figures.worstP95, 50, false)} |`);
  }
  const memory = all.memory as { rssWarmMb: number; peakMb: number; rssAfterBurstMb: number; tokens: number } | undefined;
  if (memory) {
    lines.push(`| (h) server RSS, ${memory.tokens} warm tokens in cache, settled | ${fmt(memory.rssWarmMb)} MB | ≤ 300 MB | ${target(memory.rssWarmMb, 300, false)} |`);
    lines.push(`| (h′) same, right after the warm-up burst (peak during it) | ${fmt(memory.rssAfterBurstMb)} MB (${fmt(memory.peakMb)}) | | |`);
  }
  const cross = all.crossNodeRevocationMs as { p50: number; p99: number; max: number; samples: number } | undefined;
  if (cross) lines.push(`| (i) cross-node revocation, ${cross.samples} resets: p99 (p50, max) | ${fmt(cross.p99, 1)} ms (${fmt(cross.p50, 1)}, ${fmt(cross.max, 1)}) | ≤ 100 ms | ${target(cross.p99, 100, false)} |`);
  log(lines.join('\n'));
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(stopStartedProcesses);

