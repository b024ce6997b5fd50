/**
 * Revocation delay across processes, normal and under faults. In each scenario a token is reset on node A (or
 * by the CLI) while node B has it cached; the delay is the time from the moment the reset returned until B
 * stopped accepting the old secret (the start of B's first refusing answer: a fail-closed 503 may take up to the
 * read deadline to arrive, but B no longer accepted from that moment). Scenarios:
 *   postgres          two servers on one PostgreSQL
 *   sqlite            two servers on one SQLite DATA_DIR
 *   cli               `sidekey tokens reset` against a running server on SQLite
 *   redis-down        two servers on PostgreSQL with REDIS_URL set and Redis stopped
 *   redis-hung        the same with Redis SIGSTOPped
 *   pg-terminated     every backend of the database terminated just before each reset
 *   pg-blackholed     B's connection to PostgreSQL blackholed just before each reset (B must fail closed)
 * Before them, the cross-node figure: two servers on one PostgreSQL, 50 resets on A, B polled until it refuses.
 * Targets: p99 ≤ 100 ms normally, ≤ SIDEKEY_MAX_STALENESS_MS + 100 ms under a fault. BENCH_RESETS (default 20)
 * sets the resets per scenario, BENCH_SCENARIOS=name[,name] picks scenarios.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../../src/app/context.js';
import { DEFAULT_MAX_STALENESS_MS, loadConfig } from '../../src/config.js';
import { operator } from '../../src/domain/actor.js';
import { randomBase62 } from '../../src/domain/credentials.js';
import { createScratchDatabase } from '../../test/support/scratch-postgres.js';
import { FaultProxy, startRedisServer, terminateBackends } from '../../test/support/faults.js';
import type { OwnedProcess } from '../../test/support/processes.js';
import { startSidekey } from '../../test/support/servers.js';
import type { BenchEnvironment, BenchGroup, Figure } from '../figures.js';
import { PASSWORD, PG_ADMIN_URL, percentile, postgresAvailable, seedAccount, sidekeyEnvironment, VERIFY_KEY } from '../support.js';

const SCENARIOS = ['postgres', 'sqlite', 'cli', 'redis-down', 'redis-hung', 'pg-terminated', 'pg-blackholed'] as const;
const ONLY = process.env.BENCH_SCENARIOS?.split(',') as ScenarioName[] | undefined;
const RESETS = Number(process.env.BENCH_RESETS ?? 20);
const CROSS_NODE_RESETS = 50;
type ScenarioName = (typeof SCENARIOS)[number];
const FAULTS: readonly ScenarioName[] = ['redis-down', 'redis-hung', 'pg-terminated', 'pg-blackholed'];
const LABELS: Record<ScenarioName, string> = {
  postgres: 'two servers on one PostgreSQL',
  sqlite: 'two servers on one SQLite DATA_DIR',
  cli: '`sidekey tokens reset` (CLI) against a running server, SQLite',
  'redis-down': 'PostgreSQL, REDIS_URL set, Redis stopped',
  'redis-hung': 'PostgreSQL, REDIS_URL set, Redis hung (SIGSTOP)',
  'pg-terminated': 'every PostgreSQL backend terminated before each reset',
  'pg-blackholed': "B's link to PostgreSQL blackholed before each reset",
};

export const group: BenchGroup = { name: 'revocation', run };

async function run({ log }: BenchEnvironment): Promise<Figure[]> {
  const pgAdminUrl = (await postgresAvailable()) ? PG_ADMIN_URL : undefined;
  const figures: Figure[] = [];
  if (pgAdminUrl) figures.push(await crossNode(pgAdminUrl, log));
  else log('  PostgreSQL unreachable: the cross-node figure and the PostgreSQL scenarios are skipped');
  for (const r of await revocationScenarios({ pgAdminUrl, resets: RESETS, log })) {
    const refused = Object.entries(r.refusals)
      .map(([code, n]) => `${code} ×${n}`)
      .join(', ');
    figures.push({
      group: 'revocation',
      id: `revocation.${r.scenario}.p99_ms`,
      label: `revocation delay, ${LABELS[r.scenario]} (p99)`,
      value: r.p99,
      unit: 'ms',
      target: { comparison: 'atMost', value: FAULTS.includes(r.scenario) ? DEFAULT_MAX_STALENESS_MS + 100 : 100 },
      note: `${r.resets} resets: p50 ${r.p50.toFixed(1)} ms, max ${r.max.toFixed(1)} ms; refused as ${refused}${r.unavailableResets ? `; ${r.unavailableResets} resets answered 503 and were retried` : ''}`,
    });
  }
  return figures;
}

/** Two servers on one PostgreSQL: the time from the moment A's reset returned until B first refused the old secret. */
async function crossNode(pgAdminUrl: string, log: (line: string) => void): Promise<Figure> {
  const database = await createScratchDatabase(pgAdminUrl, 'sidekey_bench');
  const dataDir = mkdtempSync(join(tmpdir(), 'sidekey-revocation-cross-node-'));
  const own: OwnedProcess[] = [];
  try {
    mkdirSync(dataDir, { recursive: true });
    const env = sidekeyEnvironment(dataDir, database.url);
    const setup = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    const { accountId, email } = await seedAccount(setup, 'Bench revocation brand');
    await setup.close();
    const [a, b] = await Promise.all([startSidekey(env), startSidekey(env)]);
    own.push(a, b);
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
    for (let i = 0; i < CROSS_NODE_RESETS; i++) {
      if (!(await valid())) throw new Error('node B refused the current secret');
      const reset = await manage(`/tokens/${created.token.id}/reset`);
      const answered = performance.now();
      while (await valid()) if (performance.now() - answered > 2000) throw new Error('node B accepted the old secret for 2 s');
      delays.push(performance.now() - answered);
      secret = reset.authToken;
    }
    const sorted = delays.sort((x, y) => x - y);
    const [p50, p99, max] = [percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1]];
    log(`  cross-node, ${CROSS_NODE_RESETS} resets on A, polling B: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
    return {
      group: 'revocation',
      id: 'revocation.cross_node.p99_ms',
      label: 'cross-node revocation, two servers on one PostgreSQL, polled (p99)',
      value: p99,
      unit: 'ms',
      target: { comparison: 'atMost', value: 100 },
      note: `${CROSS_NODE_RESETS} resets: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    };
  } finally {
    await Promise.all(own.map((p) => p.stop()));
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface ScenarioResult {
  scenario: ScenarioName;
  resets: number;
  p50: number;
  p99: number;
  max: number;
  /** How B refused: INVALID_CREDENTIALS (it heard of the reset) or VERIFIER_UNAVAILABLE (it failed closed). */
  refusals: Record<string, number>;
  /** Resets on A answered 503 (and retried) because a cut-off B still held the token row's lock. */
  unavailableResets: number;
}

interface RevocationOptions {
  pgAdminUrl: string | undefined;
  resets: number;
  log: (line: string) => void;
}

const PATIENCE_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function revocationScenarios(o: RevocationOptions, only: readonly ScenarioName[] = ONLY ?? SCENARIOS): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  o.log(`  across processes: ${o.resets} resets per scenario, SIDEKEY_MAX_STALENESS_MS ${DEFAULT_MAX_STALENESS_MS}`);
  for (const scenario of only) {
    const needsPostgres = scenario !== 'sqlite' && scenario !== 'cli';
    if (needsPostgres && !o.pgAdminUrl) {
      o.log(`  ${scenario}: skipped (PostgreSQL unreachable)`);
      continue;
    }
    const result = await runScenario(scenario, o);
    results.push(result);
    o.log(`  ${scenario.padEnd(14)} p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms  (refused as ${Object.entries(result.refusals).map(([code, n]) => `${code} ×${n}`).join(', ')}${result.unavailableResets ? `; ${result.unavailableResets} resets answered 503 and were retried` : ''})`);
  }
  return results;
}

async function runScenario(scenario: ScenarioName, o: RevocationOptions): Promise<ScenarioResult> {
  const dataDir = mkdtempSync(join(tmpdir(), `sidekey-revocation-${scenario}-`));
  const database = scenario === 'sqlite' || scenario === 'cli' ? undefined : await createScratchDatabase(o.pgAdminUrl!, 'sidekey_bench');
  const redis = scenario.startsWith('redis-') ? await startRedisServer() : undefined;
  const own: OwnedProcess[] = [];
  let proxy: FaultProxy | undefined;
  try {
    const env: Record<string, string> = { ...sidekeyEnvironment(dataDir, database?.url), ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `bench-${randomBase62(6)}:` } : {}) };
    const setup = await createContext(loadConfig({ ...env, REDIS_URL: '', LOG_LEVEL: 'silent' }));
    const email = `revocation-${randomBase62(8).toLowerCase()}@bench.test`;
    const { accountId } = await setup.accounts.createAccountWithAdmin({ email, password: PASSWORD, accountName: 'Revocation brand' });
    await setup.tokens.enableApiAccess(operator('bench'), accountId);
    await setup.close();

    let envB = env;
    if (scenario === 'pg-blackholed') {
      const url = new URL(database!.url);
      proxy = await FaultProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
      envB = { ...env, DATABASE_URL: proxy.rewrite(database!.url) };
    }
    const b = await startSidekey(envB);
    own.push(b);
    const a = scenario === 'cli' ? undefined : await startSidekey(env);
    if (a) own.push(a);
    const manageOn = a ?? b;

    const session = await fetch(`${manageOn.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    const cookie = session.headers.get('set-cookie')!.split(';')[0];
    const csrf = (await session.json()).csrfToken;
    const manage = async (path: string) =>
      (await fetch(`${manageOn.url}/api/v1/accounts/${accountId}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: path === '/tokens' ? JSON.stringify({ name: 'Revocation probe', scopes: ['listActions'], rateLimit: { limit: 10_000_000, windowSeconds: 3600 } }) : '{}' })).json();
    const created = await manage('/tokens');
    const tokenId = created.token.id as string;
    const sid = created.token.accountSid as string;
    let secret = created.authToken as string;
    const askB = async (authToken: string) =>
      (await (await fetch(`${b.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sidekey-verify-key': VERIFY_KEY }, body: JSON.stringify({ accountSid: sid, authToken, method: 'GET', path: `/Advertisers/${sid}/Actions` }), signal: AbortSignal.timeout(PATIENCE_MS) })).json()) as { valid: boolean; code: string };
    let unavailableResets = 0;
    const resetOnce = async (): Promise<string> => {
      if (scenario !== 'cli') {
        // A node cut off inside a transaction holds its row locks until PostgreSQL drops it (2 × DATABASE_TIMEOUT_MS):
        // a reset of such a row answers 503 meanwhile, and is counted and retried.
        for (let attempt = 0; attempt < 5; attempt++) {
          const answer = await manage(`/tokens/${tokenId}/reset`);
          if (answer.authToken) return answer.authToken;
          unavailableResets++;
        }
        throw new Error(`${scenario}: the reset failed five times`);
      }
      const { runCli } = await import('../../test/support/nodes.js');
      const run = await runCli(env, ['tokens', 'reset', tokenId, '--account', accountId, '--json']);
      if (run.code !== 0) throw new Error(`sidekey tokens reset failed: ${run.stderr}`);
      return JSON.parse(run.stdout).authToken;
    };

    if (redis && scenario === 'redis-down') await redis.stop();
    if (redis && scenario === 'redis-hung') redis.pause();
    const delays: number[] = [];
    const refusals: Record<string, number> = {};
    for (let i = 0; i < o.resets; i++) {
      await proxy?.set('pass');
      const since = performance.now();
      // B current again (not merely reading through), and accepting the current secret.
      while (!(await (await fetch(`${b.url}/readyz`)).json()).changeFeed.fresh || !(await askB(secret)).valid) {
        if (performance.now() - since > PATIENCE_MS) throw new Error(`${scenario}: node B does not accept the current secret (reset ${i + 1}): ${JSON.stringify(await askB(secret))} ${JSON.stringify(await (await fetch(`${b.url}/readyz`)).json())}`);
        await sleep(20);
      }
      if (scenario === 'pg-terminated') await terminateBackends(database!.url);
      await proxy?.set('blackhole');
      const next = await resetOnce();
      const returned = performance.now();
      for (;;) {
        const asked = performance.now();
        const answer = await askB(secret);
        if (!answer.valid) {
          delays.push(asked - returned);
          refusals[answer.code] = (refusals[answer.code] ?? 0) + 1;
          break;
        }
        if (asked - returned > PATIENCE_MS) throw new Error(`${scenario}: node B accepted the old secret for ${PATIENCE_MS} ms`);
      }
      secret = next;
    }
    redis?.resume();
    const sorted = [...delays].sort((x, y) => x - y);
    return { scenario, resets: delays.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], refusals, unavailableResets };
  } finally {
    await proxy?.set('pass');
    await Promise.all(own.map((p) => p.stop()));
    await proxy?.close();
    await redis?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
