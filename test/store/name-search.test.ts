/**
 * The name filter through its trigram indexes (migration 0005_token_name_search): whatever plan a search takes,
 * it returns exactly what the reference predicate in src/domain/filters.ts says, in list order, on both databases;
 * the index follows renames and deletes; and a term of three or more characters is answered from the index.
 */
import { expect } from 'vitest';
import fc from 'fast-check';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { join } from 'node:path';
import { operator } from '../../src/domain/actor.js';
import { generateAccountSid } from '../../src/domain/credentials.js';
import { foldName, matchesFilter, type TokenFilter, type TokenState } from '../../src/domain/filters.js';
import { newId } from '../../src/domain/ids.js';
import type { Context } from '../../src/app/context.js';
import type { Schema } from '../../src/store/schema.js';
import { freshToken, listTokens, toRow, type StoredToken } from '../../src/tokens/repository.js';
import type { TestDatabase } from '../support/databases.js';
import { describeEachStore, describeStore, test } from '../support/fixtures.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 6, 15, 12, 0, 0, 0);
const cli = operator('test');

/** Letters whose lower case differs in length or form, scripts without case, an emoji, and the LIKE characters. */
const NAME_CHARS = ['a', 'B', 'é', 'É', 'İ', 'ß', 'ẞ', 'Σ', 'σ', 'ς', 'Ω', 'ǅ', '日', '本', '😀', ' ', '%', '_', '"', '-', '1'];
const nameArb = fc.string({ minLength: 1, maxLength: 10, unit: fc.constantFrom(...NAME_CHARS) }).filter((s) => s.trim().length > 0);

const newestFirst = (a: StoredToken, b: StoredToken) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Rows written in bulk, as an import would: the triggers (SQLite) and the index (PostgreSQL) see every one. */
async function insertTokens(context: Context, accountId: string, specs: { name: string; createdAt: number; state?: TokenState }[]): Promise<StoredToken[]> {
  const stored = specs.map((spec) =>
    freshToken({ id: newId('tok'), accountId, kind: 'scoped', accountSid: generateAccountSid('IR'), name: spec.name, apiVersion: 14, state: spec.state ?? 'enabled', createdAt: spec.createdAt, secretHash: 'x' }),
  );
  for (let i = 0; i < stored.length; i += 200) await context.store.db.insertInto('tokens').values(stored.slice(i, i + 200).map(toRow)).execute();
  return stored;
}

async function walk(context: Context, accountId: string, filter: TokenFilter, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await context.tokens.list(cli, accountId, { ...filter, cursor, limit });
    ids.push(...page.items.map((i) => i.id));
    if (!page.nextCursor) return ids;
    expect(page.items).toHaveLength(limit);
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

const expectedIds = (stored: StoredToken[], filter: TokenFilter) =>
  stored
    .filter((s) => matchesFilter({ name: s.name, state: s.state, createdAtMs: s.createdAt }, filter, NOW))
    .sort(newestFirst)
    .map((s) => s.id);

/** A second handle on the test database that records the SQL it runs, so a test can ask for the plan of exactly that SQL. */
function recordingHandle(database: TestDatabase) {
  const queries: CompiledQuery[] = [];
  const log = (event: { level: string; query: CompiledQuery }) => {
    if (event.level === 'query') queries.push(event.query);
  };
  const dialect = database.databaseUrl ? new PostgresDialect({ pool: new pg.Pool({ connectionString: database.databaseUrl, max: 1 }) }) : new SqliteDialect({ database: new BetterSqlite3(join(database.dataDir, 'sidekey.db')) });
  return { db: new Kysely<Schema>({ dialect, log }), queries };
}

describeEachStore('token name search', { now: () => NOW }, (dialect) => {
  test('for non-ASCII names and terms, a search returns exactly the reference matches, newest first, in whole pages', async ({ context }) => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name: nameArb, createdAt: fc.integer({ min: NOW - 60 * DAY, max: NOW }) }), { minLength: 1, maxLength: 20 }),
        fc.option(nameArb, { nil: undefined }),
        fc.nat(),
        fc.integer({ min: 1, max: 8 }),
        async (specs, randomTerm, pick, limit) => {
          const { accountId } = await context.accounts.createAccount(`Search ${++runs}`, cli);
          const stored = await insertTokens(context, accountId, specs);
          // Most terms are a piece of a real name (three characters or more: the trigram index's case), some random.
          const source = specs[pick % specs.length].name;
          const from = pick % source.length;
          const term = randomTerm ?? source.slice(from, from + 3 + (pick % 4));
          const filter: TokenFilter = { name: term.trim() || undefined };
          const expected = expectedIds(stored, filter);
          // One page larger than the account: answered by the trigram index whenever the term has a trigram.
          expect((await context.tokens.list(cli, accountId, { ...filter, limit: 200 })).items.map((i) => i.id)).toEqual(expected);
          expect(await walk(context, accountId, filter, limit)).toEqual(expected);
        },
      ),
      { numRuns: dialect === 'postgres' ? 40 : 80 },
    );
  }, 120_000);

  test('thousands of matches far from the newest tokens are paged through exactly, alone and with the other filters', async ({ context }) => {
    const { accountId } = await context.accounts.createAccount('Many matches', cli);
    // The matches are the oldest 5,400 tokens; 2,600 newer ones match nothing, so no page fills from the newest rows.
    // More candidates than PostgreSQL's search collects and sorts itself (5,000: "billing"), and fewer (the rest).
    const old = Array.from({ length: 5_400 }, (_, i) => ({ name: `Legacy ${i % 5 === 1 ? 'bridge' : 'billing bridge'} ${i}`, createdAt: NOW - 80 * DAY + i * 1000, state: (i % 10 === 0 ? 'disabled' : 'enabled') as TokenState }));
    const newer = Array.from({ length: 2_600 }, (_, i) => ({ name: `Nightly export ${i}`, createdAt: NOW - 10 * DAY + i * 1000 }));
    const stored = await insertTokens(context, accountId, [...old, ...newer]);
    for (const filter of [{ name: 'BRIDGE' }, { name: 'billing', state: 'enabled' }, { name: 'billing', state: 'disabled' }, { name: 'bridge ', createdOn: 'older30' }, { name: 'export' }, { name: 'export 1', createdOn: 'last30', state: 'enabled' }] as TokenFilter[]) {
      const expected = expectedIds(stored, filter);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(filter.state === 'disabled' ? 500 : 1_000);
      expect(await walk(context, accountId, filter, 200), JSON.stringify(filter)).toEqual(expected);
    }
    expect(await walk(context, accountId, { name: 'bridge 1199' }, 50)).toEqual([stored[1_199].id]);
  }, 120_000);

  test('a renamed token is found by its new name and no longer by its old one; a deleted token by neither', async ({ context, brand }) => {
    const found = async (name: string) => (await context.tokens.list(brand.admin, brand.accountId, { name })).items.map((i) => i.id);
    const { token } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Quarterly ledger sync' });
    expect(await found('ledger')).toEqual([token.id]);
    await context.tokens.update(brand.admin, brand.accountId, token.id, { name: 'Weekly Größen-Export' });
    expect(await found('ledger')).toEqual([]);
    expect(await found('GRÖSSEN')).toEqual([]); // folding is lower-casing: 'ß' does not become 'ss'
    expect(await found('größen-export')).toEqual([token.id]);
    await context.tokens.setState(brand.admin, brand.accountId, token.id, 'disabled');
    expect(await found('größen')).toEqual([token.id]);
    await context.tokens.delete(brand.admin, brand.accountId, token.id);
    expect(await found('größen')).toEqual([]);
    const { token: next } = await context.tokens.create(brand.admin, brand.accountId, { name: 'Another ledger' });
    expect(await found('ledger')).toEqual([next.id]);
    if (dialect === 'sqlite') {
      // FTS5 compares its index with the tokens table row by row and fails on any difference.
      await sql`insert into tokens_name_search (tokens_name_search, rank) values ('integrity-check', 1)`.execute(context.store.db);
    }
  });

  test('searches of one shape send one SQL text, each bound to its own values', async ({ context, database }) => {
    const { accountId } = await context.accounts.createAccount('Shapes', cli);
    const stored = await insertTokens(context, accountId, [
      ...Array.from({ length: 30 }, (_, i) => ({ name: `Nightly export ${i}`, createdAt: NOW - i * 1000, state: (i % 3 === 0 ? 'disabled' : 'enabled') as TokenState })),
      ...Array.from({ length: 30 }, (_, i) => ({ name: `Quarterly ledger ${i}`, createdAt: NOW - DAY - i * 1000, state: (i % 4 === 0 ? 'disabled' : 'enabled') as TokenState })),
    ]);
    const recording = recordingHandle(database);
    try {
      const searches: [TokenFilter, number][] = [
        [{ name: 'export', state: 'enabled' }, 5],
        [{ name: 'Ledger', state: 'disabled' }, 3],
      ];
      const texts: string[][] = [];
      for (const [filter, limit] of searches) {
        recording.queries.length = 0;
        const first = await listTokens(recording.db, dialect, accountId, filter, undefined, limit, NOW);
        const last = first[limit - 1];
        const second = await listTokens(recording.db, dialect, accountId, filter, { createdAtMs: last.createdAt, id: last.id }, limit, NOW);
        expect([...first, ...second].map((t) => t.id), JSON.stringify(filter)).toEqual(expectedIds(stored, filter).slice(0, 2 * limit));
        texts.push(recording.queries.map((query) => query.sql));
        for (const query of recording.queries) expect(query.parameters).toEqual(expect.arrayContaining([accountId, foldName(filter.name ?? ''), filter.state, limit]));
      }
      expect(texts[1]).toEqual(texts[0]);
    } finally {
      await recording.db.destroy();
    }
  });

  test('the plan for a term of three or more characters reads the trigram index', async ({ context, database }) => {
    const { accountId } = await context.accounts.createAccount('Plans', cli);
    await insertTokens(context, accountId, [
      ...Array.from({ length: 3_000 }, (_, i) => ({ name: `Nightly export ${i}`, createdAt: NOW - i * 1000 })),
      { name: 'Quarterly ledger 4711', createdAt: NOW - 90 * DAY },
    ]);
    const recording = recordingHandle(database);
    try {
      await sql`analyze tokens`.execute(recording.db);
      // A few thousand rows fit in so few pages that PostgreSQL would rather read them all; with that plan ruled out
      // it must show which index the query can use (the bench measures the plan it takes at a million rows).
      if (dialect === 'postgres') await sql`set enable_seqscan = off`.execute(recording.db);
      const page = await listTokens(recording.db, dialect, accountId, { name: 'ledger 4711' }, undefined, 51, NOW);
      expect(page.map((t) => t.name)).toEqual(['Quarterly ledger 4711']);
      const last = recording.queries.at(-1);
      if (!last) throw new Error('no query was recorded');
      const explain = dialect === 'postgres' ? `explain ${last.sql}` : `explain query plan ${last.sql}`;
      const { rows } = await recording.db.executeQuery(CompiledQuery.raw(explain, [...last.parameters]));
      const plan = rows.map((row) => Object.values(row as object).join(' ')).join('\n');
      expect(plan).toContain(dialect === 'postgres' ? 'tokens_name_trigram' : 'tokens_name_search VIRTUAL TABLE');
    } finally {
      await recording.db.destroy();
    }
  });
});

/** The plan nodes of PostgreSQL's EXPLAIN (FORMAT JSON), depth first. */
interface PlanNode {
  'Subplan Name'?: string;
  'Actual Loops'?: number;
  Output?: string[];
  Plans?: PlanNode[];
}
const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

describeStore('token name search [postgres]: a page in one statement', 'postgres', { now: () => NOW }, () => {
  test("collects its candidates as their place in the list (id, created_at), and reads only the page's rows whole", async ({ context, database }) => {
    const { accountId } = await context.accounts.createAccount('Collected keys', cli);
    // No page fills from the newest 2,000 rows, so the page comes from the trigram index's candidates.
    const stored = await insertTokens(context, accountId, [
      ...Array.from({ length: 2_500 }, (_, i) => ({ name: `Nightly export ${i}`, createdAt: NOW - i * 1000 })),
      ...Array.from({ length: 80 }, (_, i) => ({ name: `Quarterly ledger ${i}`, createdAt: NOW - 90 * DAY + i * 1000 })),
    ]);
    const recording = recordingHandle(database);
    try {
      const page = await listTokens(recording.db, 'postgres', accountId, { name: 'ledger' }, undefined, 51, NOW);
      expect(page.map((t) => t.id)).toEqual(expectedIds(stored, { name: 'ledger' }).slice(0, 51));
      // The ordered window and the trigram index are asked in the same statement: one round trip for the page.
      expect(recording.queries).toHaveLength(1);
      const last = recording.queries.at(-1);
      if (!last) throw new Error('no query was recorded');
      const { rows } = await recording.db.executeQuery<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(CompiledQuery.raw(`explain (verbose, format json) ${last.sql}`, [...last.parameters]));
      const collected = planNodes(rows[0]['QUERY PLAN'][0].Plan).find((node) => node['Subplan Name'] === 'CTE candidates');
      expect(collected?.Output?.map((column) => column.replace(/^.*\./, ''))).toEqual(['id', 'created_at']);
    } finally {
      await recording.db.destroy();
    }
  });

  test('a common term fills its page from the ordered window in one statement, and its trigram candidates are never collected', async ({ context, database }) => {
    const { accountId } = await context.accounts.createAccount('Common term', cli);
    const stored = await insertTokens(context, accountId, Array.from({ length: 3_000 }, (_, i) => ({ name: `Nightly ${i % 3 === 0 ? 'export' : 'import'} ${i}`, createdAt: NOW - i * 1000 })));
    const recording = recordingHandle(database);
    try {
      const page = await listTokens(recording.db, 'postgres', accountId, { name: 'export' }, undefined, 51, NOW);
      expect(page.map((t) => t.id)).toEqual(expectedIds(stored, { name: 'export' }).slice(0, 51));
      expect(recording.queries).toHaveLength(1);
      const [query] = recording.queries;
      const { rows } = await recording.db.executeQuery<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(CompiledQuery.raw(`explain (analyze, format json) ${query.sql}`, [...query.parameters]));
      const collected = planNodes(rows[0]['QUERY PLAN'][0].Plan).find((node) => node['Subplan Name'] === 'CTE candidates');
      expect(collected?.['Actual Loops']).toBe(0);
    } finally {
      await recording.db.destroy();
    }
  });

  test('the prepared search answers the same after a migration adds a token column, and on a connection that lost its prepared statements', async ({ context }) => {
    const { accountId } = await context.accounts.createAccount('Prepared', cli);
    const stored = await insertTokens(context, accountId, [...Array.from({ length: 2_100 }, (_, i) => ({ name: `Nightly export ${i}`, createdAt: NOW - i * 1000 })), { name: 'Quarterly ledger 7', createdAt: NOW - 90 * DAY }]);
    const expected = expectedIds(stored, { name: 'ledger' });
    const search = async () => (await context.tokens.list(cli, accountId, { name: 'ledger' })).items.map((i) => i.id);
    // One query at a time: each reuses the connection the last one released.
    const connection = async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(context.store.db)).rows[0].pid;
    // Past the five runs after which PostgreSQL may keep one generic plan for the statement.
    for (let i = 0; i < 7; i++) expect(await search()).toEqual(expected);
    const before = await connection();
    await sql`alter table tokens add column extra integer`.execute(context.store.db);
    try {
      expect(await search()).toEqual(expected);
      // The statement names its columns, so the added one changed nothing it returns: the connection kept it.
      expect(await connection()).toBe(before);
    } finally {
      await sql`alter table tokens drop column extra`.execute(context.store.db);
    }
    await sql`deallocate all`.execute(context.store.db);
    expect(await search()).toEqual(expected);
  });
});
