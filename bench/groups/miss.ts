/**
 * Cache-miss verification latency: many distinct tokens, each verified once in process, one at a time, so every
 * verification reads its token from the database (and hashes its secret, and makes its cache entry). On SQLite
 * and on a scratch PostgreSQL database. The first verifications of a round warm the JIT and are not counted.
 * Environment: BENCH_MISS_TOKENS (per round, default 5000), BENCH_PG_URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type Context } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { operator } from '../../src/domain/actor.js';
import { randomBase62 } from '../../src/domain/credentials.js';
import { createScratchDatabase } from '../../test/support/scratch-postgres.js';
import { type BenchEnvironment, type BenchGroup, type Figure, median } from '../figures.js';
import { PG_ADMIN_URL, percentile, seedTokens } from '../support.js';

const PER_ROUND = Number(process.env.BENCH_MISS_TOKENS ?? 5_000);
const WARM_UP = 500;

interface Round {
  p50: number;
  p99: number;
  /** The p99 of the process's CPU time per verification: what a busy machine's scheduling does not inflate. */
  cpuP99: number;
}

/** One row per round: `PER_ROUND` tokens never verified before, each verified once; times in ms. */
async function missLatencies(context: Context, rounds: number, log: (line: string) => void, dialect: string): Promise<Round[]> {
  const { accountId } = await context.accounts.createAccountWithAdmin({ email: `bench-${randomBase62(8).toLowerCase()}@bench.test`, password: 'bench password 0123456789', accountName: 'Bench miss brand' });
  await context.tokens.enableApiAccess(operator('bench'), accountId);
  const secrets = await seedTokens(context, accountId, WARM_UP + rounds * PER_ROUND);
  const verify = async (secret: (typeof secrets)[number]) => {
    const result = await context.verifier.verify({ ...secret, method: 'GET', path: `/Advertisers/${secret.accountSid}/Actions` });
    if (result.token === undefined) throw new Error(`a seeded token was not found: ${result.code}`);
  };
  for (const secret of secrets.slice(0, WARM_UP)) await verify(secret);
  const out = [];
  for (let round = 0; round < rounds; round++) {
    const times: number[] = [];
    const cpu: number[] = [];
    for (const secret of secrets.slice(WARM_UP + round * PER_ROUND, WARM_UP + (round + 1) * PER_ROUND)) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      await verify(secret);
      times.push(performance.now() - start);
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1000);
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const row = { p50: percentile(times, 50), p99: percentile(times, 99), cpuP99: percentile(cpu, 99) };
    log(`  miss, ${dialect}, round ${round + 1}: p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms (CPU p99 ${row.cpuP99.toFixed(2)} ms)`);
    out.push(row);
  }
  return out;
}

function figures(dialect: 'sqlite' | 'postgres', rows: Round[], target: number): Figure[] {
  const name = dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const middle = (pick: (row: Round) => number) => Number(median(rows.map(pick)).toFixed(2));
  const how = `in process, one at a time, ${PER_ROUND} distinct tokens a round, median of ${rows.length} rounds`;
  return [
    { group: 'miss', id: `miss.p99_ms.${dialect}`, label: `cache-miss verification p99, ${name}`, value: middle((r) => r.p99), unit: 'ms', target: { comparison: 'atMost', value: target }, note: `${how} (p50 ${middle((r) => r.p50)} ms)` },
    { group: 'miss', id: `miss.cpu_p99_ms.${dialect}`, label: `CPU time of a cache-miss verification, p99, ${name}`, value: middle((r) => r.cpuP99), unit: 'ms', note: `${how}; the process's CPU time, which a loaded machine's scheduling does not add to` },
  ];
}

async function run({ rounds, log }: BenchEnvironment): Promise<Figure[]> {
  const work = mkdtempSync(join(tmpdir(), 'sidekey-bench-miss-'));
  const keys = { SIDEKEY_MASTER_KEY: randomBytes(32).toString('base64'), SIDEKEY_HASH_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent' };
  try {
    const sqlite = await createContext(loadConfig({ ...keys, DATA_DIR: join(work, 'sqlite') }));
    const measured = figures('sqlite', await missLatencies(sqlite, rounds, log, 'sqlite').finally(() => sqlite.close()), 2);
    const database = await createScratchDatabase(PG_ADMIN_URL, 'sidekey_bench_miss');
    try {
      const postgres = await createContext(loadConfig({ ...keys, DATA_DIR: join(work, 'postgres'), DATABASE_URL: database.url }));
      measured.push(...figures('postgres', await missLatencies(postgres, rounds, log, 'postgres').finally(() => postgres.close()), 5));
    } finally {
      await database.drop();
    }
    return measured;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export const group: BenchGroup = { name: 'miss', run };
