import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest, migrations } from '../../src/store/migrations.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/databases.js';

async function indexNames(store: Store): Promise<string[]> {
  if (store.dialect === 'sqlite') {
    const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and name not like 'sqlite_%'`.execute(store.db);
    return rows.map((r) => r.name).sort();
  }
  const { rows } = await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and indexname not like '%_pkey' and indexname not like '%_key'`.execute(store.db);
  return rows.map((r) => r.name).sort();
}

async function tableNames(store: Store): Promise<string[]> {
  const { rows } =
    store.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(store.db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(store.db);
  return rows.map((r) => r.name).sort();
}

describeEachDialect('migrations', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = await openStore({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, migrate: false });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('a fresh database gets every migration, in order, exactly once', async () => {
    expect(await migrateToLatest(store.db)).toEqual(Object.keys(migrations).sort());
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
    expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
  });

  it('running them again applies nothing and changes nothing', async () => {
    const before = { tables: await tableNames(store), indexes: await indexNames(store) };
    expect(await migrateToLatest(store.db)).toEqual([]);
    expect(await migrateToLatest(store.db)).toEqual([]);
    expect({ tables: await tableNames(store), indexes: await indexNames(store) }).toEqual(before);
  });

  it('opening the store again (as every start does) is a no-op on a migrated database', async () => {
    const again = await openStore({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
    try {
      const { rows } = await sql<{ n: number | string }>`select count(*) as n from kysely_migration`.execute(again.db);
      expect(Number(rows[0].n)).toBe(Object.keys(migrations).length);
    } finally {
      await again.close();
    }
  });

  it('creates every table and the indexes the list, the audit trail and memberships need', async () => {
    expect(await tableNames(store)).toEqual(expect.arrayContaining(['accounts', 'audit_events', 'memberships', 'sessions', 'setup_links', 'tokens', 'usage_daily', 'users', 'change_log', 'lifecycle_events', 'lifecycle_notices', 'webhook_endpoints', 'webhook_deliveries', 'webhook_attempts']));
    expect(await indexNames(store)).toEqual(expect.arrayContaining(['audit_events_account', 'audit_events_token', 'change_log_created', 'memberships_user', 'tokens_account_created', 'tokens_account_state_created', 'lifecycle_events_pending', 'lifecycle_events_token', 'webhook_deliveries_due']));
  });

  it('keeps Account SIDs and user e-mails unique', async () => {
    const now = Date.now();
    await store.db.insertInto('users').values({ id: 'usr_1', email: 'a@example.com', name: 'A', password_hash: 'x', created_at: now }).execute();
    await expect(store.db.insertInto('users').values({ id: 'usr_2', email: 'a@example.com', name: 'B', password_hash: 'x', created_at: now }).execute()).rejects.toThrow();
  });

  it('migrations are forward-only: none defines a down step', () => {
    for (const [name, migration] of Object.entries(migrations)) expect(migration.down, name).toBeUndefined();
    expect(Object.keys(migrations)).toEqual(Object.keys(migrations).sort());
  });
});
