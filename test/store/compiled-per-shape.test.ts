/**
 * Queries compiled once per shape (src/store/compiled-per-shape.ts): one build per shape and set of present values,
 * each call's values bound in the places the build put them, constants kept, and a build that drops a value refused.
 */
import { describe, expect, it } from 'vitest';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely';
import { compiledPerShape } from '../../src/store/compiled-per-shape.js';
import type { Schema } from '../../src/store/schema.js';

/** A handle that compiles for `dialect` and runs nothing. */
const compilerOnly = (dialect: 'postgres' | 'sqlite') =>
  new Kysely<Schema>({
    dialect:
      dialect === 'postgres'
        ? { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new PostgresIntrospector(db), createQueryCompiler: () => new PostgresQueryCompiler() }
        : { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new SqliteIntrospector(db), createQueryCompiler: () => new SqliteQueryCompiler() },
  });

type Values = { accountId: string; state: string | undefined; limit: number };

describe('compiledPerShape', () => {
  const builds: string[] = [];
  const page = compiledPerShape((db: Kysely<Schema>, shape: 'postgres' | 'sqlite', values: Values) => {
    builds.push(`${shape}:${values.state === undefined ? 'all' : 'state'}`);
    let query = db.selectFrom('tokens').select('id').where('account_id', '=', values.accountId).where('kind', 'in', ['scoped', 'canary']);
    if (values.state !== undefined) query = query.where('state', '=', values.state);
    return query.where(sql<boolean>`revision > ${values.limit}`).orderBy('id').limit(values.limit);
  });
  const postgres = compilerOnly('postgres');
  const sqlite = compilerOnly('sqlite');

  it('builds once per shape and set of present values, and binds each call its own values', () => {
    const first = page(postgres, 'postgres', { accountId: 'acc_1', state: 'enabled', limit: 51 });
    const second = page(postgres, 'postgres', { accountId: 'acc_2', state: 'disabled', limit: 7 });
    expect(builds).toEqual(['postgres:state']);
    expect(second.sql).toBe(first.sql);
    expect(first.sql).toBe('select "id" from "tokens" where "account_id" = $1 and "kind" in ($2, $3) and "state" = $4 and revision > $5 order by "id" limit $6');
    // A value used twice is bound twice; the constants stay.
    expect(first.parameters).toEqual(['acc_1', 'scoped', 'canary', 'enabled', 51, 51]);
    expect(second.parameters).toEqual(['acc_2', 'scoped', 'canary', 'disabled', 7, 7]);
    // The same values as a query built for them.
    const built = postgres.selectFrom('tokens').select('id').where('account_id', '=', 'acc_2').where('kind', 'in', ['scoped', 'canary']).where('state', '=', 'disabled').where(sql<boolean>`revision > ${7}`).orderBy('id').limit(7).compile();
    expect([second.sql, second.parameters]).toEqual([built.sql, built.parameters]);
  });

  it('builds anew for an absent value or another shape', () => {
    const all = page(postgres, 'postgres', { accountId: 'acc_1', state: undefined, limit: 51 });
    expect(all.sql).not.toContain('"state"');
    expect(all.parameters).toEqual(['acc_1', 'scoped', 'canary', 51, 51]);
    const onSqlite = page(sqlite, 'sqlite', { accountId: 'acc_1', state: 'enabled', limit: 51 });
    expect(onSqlite.sql).toBe('select "id" from "tokens" where "account_id" = ? and "kind" in (?, ?) and "state" = ? and revision > ? order by "id" limit ?');
    page(sqlite, 'sqlite', { accountId: 'acc_3', state: 'enabled', limit: 2 });
    expect(builds).toEqual(['postgres:state', 'postgres:all', 'sqlite:state']);
  });

  it('refuses a build that reads a value instead of handing it to Kysely', () => {
    const readsLimit = compiledPerShape((db: Kysely<Schema>, _shape: 'postgres', values: Values) => {
      const query = db.selectFrom('tokens').select('id').where('account_id', '=', values.accountId).where('state', '=', values.state!);
      return values.limit > 50 ? query.limit(values.limit) : query.limit(values.limit).offset(0);
    });
    expect(() => readsLimit(postgres, 'postgres', { accountId: 'acc_1', state: 'enabled', limit: 51 })).toThrow(/read the value of limit/);
    const formatsTerm = compiledPerShape((db: Kysely<Schema>, _shape: 'postgres', values: Values) => db.selectFrom('tokens').select('id').where('account_id', '=', `${values.accountId}`).where('state', '=', values.state!).limit(values.limit));
    expect(() => formatsTerm(postgres, 'postgres', { accountId: 'acc_1', state: 'enabled', limit: 1 })).toThrow(/read the value of accountId/);
  });

  it('refuses a build that leaves a present value out of its query', () => {
    const dropsState = compiledPerShape((db: Kysely<Schema>, _shape: 'postgres', values: Values) => db.selectFrom('tokens').select('id').where('account_id', '=', values.accountId).limit(values.limit));
    expect(() => dropsState(postgres, 'postgres', { accountId: 'acc_1', state: 'enabled', limit: 1 })).toThrow(/does not use state/);
  });
});
