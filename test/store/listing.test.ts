/**
 * The token list's SQL (name contains, createdOn, state, newest-first order, cursor pages) must agree with
 * the reference predicate in src/domain/filters.ts, on both databases, for any token set and filter.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { operator } from '../../src/domain/actor.js';
import { matchesFilter, type CreatedOnFilter, type TokenFilter, type TokenState } from '../../src/domain/filters.js';
import { freshToken, insertToken, type StoredToken } from '../../src/tokens/repository.js';
import { generateAccountSid } from '../../src/domain/credentials.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 6, 15, 12, 0, 0, 0);
const cli = operator('test');

/** Characters that stress the SQL: LIKE wildcards, the escape character, case, spaces, a lengthening lower-case. */
const NAME_CHARS = ['a', 'b', 'A', 'B', 'x', 'X', '%', '_', '\\', ' ', 'é', 'É', 'İ', "'", '"'];
const nameArb = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...NAME_CHARS) }).filter((s) => s.trim().length > 0);
const EDGES = [0, 7, 30].flatMap((days) => [NOW - days * DAY - 1, NOW - days * DAY, NOW - days * DAY + 1]);
const createdAtArb = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: NOW - 90 * DAY, max: NOW }));

interface Spec {
  name: string;
  state: TokenState;
  createdAt: number;
}

function storedToken(accountId: string, index: number, spec: Spec): StoredToken {
  // Ids in lower-case hex: their order is the same under any collation, so the expected order is exact.
  const id = `tok_${index.toString(16).padStart(4, '0')}${Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0')}`;
  return freshToken({ id, accountId, kind: 'scoped', accountSid: generateAccountSid('IR'), name: spec.name, apiVersion: 14, state: spec.state, createdAt: spec.createdAt, secretHash: 'x' });
}

const newestFirst = (a: { createdAt: number; id: string }, b: { createdAt: number; id: string }) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

describeEachDialect('token listing and filters', (dialect) => {
  let t: TestContext;
  let clock = NOW;
  beforeAll(async () => {
    t = await createTestContext(dialect, { now: () => clock });
  });
  afterAll(() => t.close());

  async function walk(accountId: string, filter: TokenFilter, limit: number) {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await t.context.tokens.list(cli, accountId, { ...filter, cursor, limit });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((i) => i.id));
      if (!page.nextCursor) return ids;
      expect(page.items).toHaveLength(limit);
      cursor = page.nextCursor;
    }
    throw new Error('pagination did not end');
  }

  it('for random token sets and filters, every page walk returns exactly the reference matches, newest first, no skips or repeats', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name: nameArb, state: fc.constantFrom<TokenState>('enabled', 'disabled'), createdAt: createdAtArb }), { maxLength: 24 }),
        fc.record(
          {
            name: fc.oneof(nameArb, fc.constantFrom('%', '_', '\\', 'a%', ' A ', 'İ', 'i', '\\%')),
            createdOn: fc.constantFrom<CreatedOnFilter>('last7', 'last30', 'older30'),
            state: fc.constantFrom<TokenState>('enabled', 'disabled'),
          },
          { requiredKeys: [] },
        ),
        fc.integer({ min: 1, max: 7 }),
        fc.nat(),
        async (specs, rawFilter, limit, pick) => {
          runs++;
          clock = NOW;
          const { accountId } = await t.context.accounts.createAccount(`Listing ${runs}`, cli);
          const stored = specs.map((spec, i) => storedToken(accountId, i, spec));
          await t.context.store.db.transaction().execute(async (trx) => {
            for (const token of stored) await insertToken(trx, token);
          });
          // Half the time, search for a piece of a real name so that matches are common.
          const filter: TokenFilter = { ...rawFilter };
          if (filter.name !== undefined && specs.length > 0 && pick % 2 === 0) {
            const source = specs[pick % specs.length].name;
            const from = pick % source.length;
            filter.name = source.slice(from, from + 1 + (pick % 4));
          }
          const trimmed = filter.name?.trim() || undefined;
          const expected = stored
            .filter((s) => matchesFilter({ name: s.name, state: s.state, createdAtMs: s.createdAt }, { ...filter, name: trimmed }, NOW))
            .sort(newestFirst)
            .map((s) => s.id);
          const ids = await walk(accountId, filter, limit);
          expect(new Set(ids).size).toBe(ids.length);
          expect(ids).toEqual(expected);
        },
      ),
      { numRuns: dialect === 'postgres' ? 40 : 60 },
    );
  }, 120_000);

  it('createdOn is exact at the edges: now−7d and now−30d are in, one millisecond earlier is out', async () => {
    const brand: Brand = await createBrand(t.context);
    const made: Record<string, string> = {};
    const edges = { at7: NOW - 7 * DAY, before7: NOW - 7 * DAY - 1, at30: NOW - 30 * DAY, before30: NOW - 30 * DAY - 1, after30: NOW - 30 * DAY + 1 };
    for (const [label, ms] of Object.entries(edges)) {
      clock = ms;
      made[label] = (await t.context.tokens.create(brand.admin, brand.accountId, { name: label })).token.id;
    }
    clock = NOW;
    const names = async (createdOn: CreatedOnFilter) => (await t.context.tokens.list(brand.admin, brand.accountId, { createdOn })).items.map((i) => i.name).sort();
    expect(await names('last7')).toEqual(['at7']);
    expect(await names('last30')).toEqual(['after30', 'at30', 'at7', 'before7'].sort());
    expect(await names('older30')).toEqual(['before30']);
    // A millisecond later, the edges move: the token at exactly now−7d drops out of "last 7 days".
    clock = NOW + 1;
    expect(await names('last7')).toEqual([]);
    expect(await names('older30')).toEqual(['at30', 'before30']);
  });

  it('a page walk is stable while new tokens are created between pages', async () => {
    const brand = await createBrand(t.context);
    const before: string[] = [];
    for (let i = 0; i < 9; i++) {
      clock = NOW - (10 - i) * 1000;
      before.unshift((await t.context.tokens.create(brand.admin, brand.accountId, { name: `old ${i}` })).token.id);
    }
    clock = NOW;
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.context.tokens.list(brand.admin, brand.accountId, { cursor, limit: 2 });
      seen.push(...page.items.map((i) => i.id));
      await t.context.tokens.create(brand.admin, brand.accountId, { name: 'arrived meanwhile' });
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(before);
  });

  it('state and name filters combine with AND; legacy tokens come back as their two items', async () => {
    const brand = await createBrand(t.context);
    clock = NOW;
    const a = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Report exporter' });
    await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Order sync' });
    await t.context.tokens.setState(brand.admin, brand.accountId, a.token.id, 'disabled');
    await t.context.tokens.enableLegacyTokens(brand.admin, brand.accountId);
    const list = (filter: TokenFilter) => t.context.tokens.list(brand.admin, brand.accountId, filter).then((p) => p.items.map((i) => i.name).sort());
    expect(await list({ state: 'disabled' })).toEqual(['Report exporter']);
    expect(await list({ state: 'enabled', name: 'EXPORT' })).toEqual([]);
    expect(await list({ name: 'r' })).toEqual(['Order sync', 'Read-Only', 'Read/Write', 'Report exporter']);
    const all = await t.context.tokens.list(brand.admin, brand.accountId, {});
    expect(all.items.map((i) => i.kind).sort()).toEqual(['legacy_ro', 'legacy_rw', 'scoped', 'scoped']);
  });

  it('a cursor the server did not issue is refused as bad input', async () => {
    const brand = await createBrand(t.context);
    await expect(t.context.tokens.list(brand.admin, brand.accountId, { cursor: 'garbage!' })).rejects.toMatchObject({ status: 400, fields: [{ field: 'cursor' }] });
  });
});
