/**
 * The benchmark's plumbing: a server's environment, a seeded account, bulk seeding, list timings, cache warming,
 * memory readings (child servers: test/support/servers.ts and bench/servers/).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';
import type { Context } from '../src/app/context.js';
import { type Actor, operator } from '../src/domain/actor.js';
import { generateAccountSid, generateAuthToken, hashSecret, randomBase62 } from '../src/domain/credentials.js';
import { newId } from '../src/domain/ids.js';
import { freshToken, toRow } from '../src/tokens/repository.js';
import { sql } from 'kysely';

/** The PostgreSQL the groups make scratch databases on (BENCH_PG_URL). */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const PASSWORD = 'bench password 0123456789';
/** The production setting: the verification endpoints require the service key. */
export const VERIFY_KEY = randomBytes(24).toString('base64url');

/** What `sidekey serve` and createContext() are given: fresh keys, the verify key, a database. */
export function sidekeyEnvironment(dataDir: string, databaseUrl?: string): Record<string, string> {
  return {
    // What users run (`npm start`): the compiled build on plain Node, as the baselines run — not the sources
    // through tsx, whose loader costs ~10 % of the CPU per request. bench/run.ts builds it first when stale.
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    SIDEKEY_VERIFY_KEY: VERIFY_KEY,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    SIDEKEY_MASTER_KEY: randomBytes(32).toString('base64'),
    SIDEKEY_HASH_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
}

export interface SeededAccount {
  accountId: string;
  admin: Actor;
  email: string;
  accountSid: string;
  authToken: string;
}

/** An account with API access, its administrator (PASSWORD), and one scoped token with room for the whole benchmark. */
export async function seedAccount(context: Context, name: string): Promise<SeededAccount> {
  const email = `bench-${randomBase62(8).toLowerCase()}@bench.test`;
  const { accountId, userId } = await context.accounts.createAccountWithAdmin({ email, password: PASSWORD, accountName: name });
  await context.tokens.enableApiAccess(operator('bench'), accountId);
  const admin: Actor = { kind: 'user', userId };
  const issued = await context.tokens.create(admin, accountId, { name: 'Bench token', scopes: ['listActions', 'getActionById'], rateLimit: { limit: 10_000_000, windowSeconds: 3600 } });
  return { accountId, admin, email, accountSid: issued.token.accountSid, authToken: issued.authToken };
}

export async function postgresAvailable(url = PG_ADMIN_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The value at percentile `p` of ascending `sorted` (nearest rank). */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

const NAMES = ['Shopify order sync', 'Looker reporting', 'Partner onboarding bot', 'Nightly export', 'Warehouse loader', 'Affiliate payouts', 'Campaign mirror', 'Fraud review', 'Click audit', 'Catalog feed'];
const DAY_MS = 86_400_000;

export interface SeededSecret {
  accountSid: string;
  authToken: string;
}

/**
 * `count` scoped tokens for one account, written in bulk (500 rows a statement), created over the last
 * 90 days, with names like "Nightly export 004217". Returns their credentials for warming caches.
 */
export async function seedTokens(context: Context, accountId: string, count: number): Promise<SeededSecret[]> {
  const secrets: SeededSecret[] = [];
  const now = Date.now();
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const authToken = generateAuthToken();
      const accountSid = generateAccountSid(context.config.sidPrefix);
      secrets.push({ accountSid, authToken });
      const createdAt = now - Math.floor((i / count) * 90 * DAY_MS);
      const token = freshToken({
        id: newId('tok'),
        accountId,
        kind: 'scoped',
        accountSid,
        name: `${NAMES[i % NAMES.length]} ${String(i).padStart(6, '0')}`,
        apiVersion: context.catalog.latestVersion,
        scopes: ['listActions', 'getActionById'],
        state: i % 7 === 0 ? 'disabled' : 'enabled',
        createdAt,
        secretHash: hashSecret(authToken, context.keys.hashKey),
      });
      rows.push(toRow(token));
    }
    await context.store.db.insertInto('tokens').values(rows).execute();
  }
  // Fresh planner statistics, as autovacuum (PostgreSQL) would gather within a minute of a bulk load: without
  // them PostgreSQL plans the list as a full scan and sort even when the index would stop after one page.
  await sql`analyze`.execute(context.store.db);
  return secrets;
}

/**
 * The first page (50) of the list through the token service, as the UI asks for it, for filters that match
 * many tokens, a handful, one, and none (the last two scan the whole account).
 */
export async function timeList(context: Context, actor: Actor, accountId: string, log: (line: string) => void, dialect: string) {
  const filters = [
    { label: 'many ("export")', query: { name: 'export' } },
    { label: 'many + enabled, last 30 days', query: { name: 'sync', state: 'enabled' as const, createdOn: 'last30' as const } },
    { label: 'ten ("00421")', query: { name: '00421' } },
    { label: 'one ("fraud review 004217")', query: { name: 'fraud review 004217' } },
    { label: 'none ("zzz")', query: { name: 'zzz' } },
  ];
  const out = [];
  for (const filter of filters) {
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const start = performance.now();
      await context.tokens.list(actor, accountId, filter.query);
      times.push(performance.now() - start);
    }
    const sorted = times.slice(5).sort((a, b) => a - b); // the first few warm the statement cache
    const row = { filter: filter.label, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
    log(`  ${dialect}, ${row.filter}: p50 ${row.p50.toFixed(1)} ms, p95 ${row.p95.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms`);
    out.push(row);
  }
  return { filters: out, worstP95: Math.max(...out.map((r) => r.p95)) };
}

/**
 * Verifies every token once through GET /v1/auth (the forward-auth fast path a reverse proxy calls), so every
 * one is cached. The requests are pipelined, `depth` at a time on each of `connections` sockets: the server
 * answers each one exactly as it would one request at a time, and a million take minutes rather than the
 * quarter hour a Node HTTP client costs on two cores it shares with the server. Returns how many answers
 * reached a token (allowed, or refused for the token's state: both carry its rate-limit headers).
 */
export async function warmTokens(baseUrl: string, secrets: readonly SeededSecret[], connections: number, verifyKey: string, depth = 8): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  let next = 0;
  let reached = 0;
  const request = ({ accountSid, authToken }: SeededSecret) =>
    `GET /v1/auth HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}\r\n` +
    `x-original-method: GET\r\nx-original-uri: /Advertisers/${accountSid}/Actions\r\nx-sidekey-verify-key: ${verifyKey}\r\n\r\n`;
  const connection = () =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let received = '';
      let awaited = 0;
      const send = () => {
        if (next >= secrets.length) return void socket.end();
        let batch = '';
        for (awaited = 0; awaited < depth && next < secrets.length; awaited++) batch += request(secrets[next++]);
        socket.write(batch);
      };
      socket.setEncoding('latin1');
      socket.on('connect', send);
      socket.on('error', reject);
      socket.on('close', () => (awaited > 0 ? reject(new Error(`the server closed a connection with ${awaited} answers owed`)) : resolve()));
      socket.on('data', (chunk: string) => {
        received += chunk;
        for (;;) {
          const headEnd = received.indexOf('\r\n\r\n');
          if (headEnd < 0) break;
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received.slice(0, headEnd))?.[1] ?? 0);
          const end = headEnd + 4 + length;
          if (received.length < end) break;
          if (/\r\nx-ratelimit-limit:/i.test(received.slice(0, headEnd))) reached++;
          received = received.slice(end);
          if (--awaited === 0) send();
        }
      });
    });
  await Promise.all(Array.from({ length: connections }, connection));
  return reached;
}

/** VmRSS and VmHWM (the peak) of a process, from /proc. */
export function residentMemory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}
