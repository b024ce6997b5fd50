/**
 * (j) Revocation delay across processes, normal and under faults. In each scenario a token is reset on node A (or
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
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../src/app/context.js';
import { DEFAULT_MAX_STALENESS_MS, loadConfig } from '../src/config.js';
import { operator } from '../src/domain/actor.js';
import { randomBase62 } from '../src/domain/credentials.js';
import { createScratchDatabase } from '../test/support/scratch-postgres.js';
import { FaultProxy, startRedisServer, terminateBackends } from '../test/support/faults.js';
import type { OwnedProcess } from '../test/support/processes.js';
import { startSidekey } from '../test/support/servers.js';
import { percentile } from './support.js';

export const SCENARIOS = ['postgres', 'sqlite', 'cli', 'redis-down', 'redis-hung', 'pg-terminated', 'pg-blackholed'] as const;
const ONLY = process.env.BENCH_SCENARIOS?.split(',') as ScenarioName[] | undefined;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioResult {
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

export interface RevocationOptions {
  pgAdminUrl: string | undefined;
  resets: number;
  password: string;
  environment: (dataDir: string, databaseUrl?: string) => Record<string, string>;
  verifyKey: string;
  log: (line: string) => void;
}

const PATIENCE_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function revocationScenarios(o: RevocationOptions, only: readonly ScenarioName[] = ONLY ?? SCENARIOS): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  o.log(`\nRevocation delay across processes (j): ${o.resets} resets per scenario, SIDEKEY_MAX_STALENESS_MS ${DEFAULT_MAX_STALENESS_MS}`);
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
    const env: Record<string, string> = { ...o.environment(dataDir, database?.url), ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `bench-${randomBase62(6)}:` } : {}) };
    const setup = await createContext(loadConfig({ ...env, REDIS_URL: '', LOG_LEVEL: 'silent' }));
    const email = `revocation-${randomBase62(8).toLowerCase()}@bench.test`;
    const { accountId } = await setup.accounts.createAccountWithAdmin({ email, password: o.password, accountName: 'Revocation brand' });
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

    const session = await fetch(`${manageOn.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: o.password }) });
    const cookie = session.headers.get('set-cookie')!.split(';')[0];
    const csrf = (await session.json()).csrfToken;
    const manage = async (path: string) =>
      (await fetch(`${manageOn.url}/api/v1/accounts/${accountId}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: path === '/tokens' ? JSON.stringify({ name: 'Revocation probe', scopes: ['listActions'], rateLimit: { limit: 10_000_000, windowSeconds: 3600 } }) : '{}' })).json();
    const created = await manage('/tokens');
    const tokenId = created.token.id as string;
    const sid = created.token.accountSid as string;
    let secret = created.authToken as string;
    const askB = async (authToken: string) =>
      (await (await fetch(`${b.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sidekey-verify-key': o.verifyKey }, body: JSON.stringify({ accountSid: sid, authToken, method: 'GET', path: `/Advertisers/${sid}/Actions` }), signal: AbortSignal.timeout(PATIENCE_MS) })).json()) as { valid: boolean; code: string };
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
      const { runCli } = await import('../test/support/nodes.js');
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
