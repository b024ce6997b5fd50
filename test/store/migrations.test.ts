import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Migrator, sql } from 'kysely';
import pg from 'pg';
import { generateAccountSid, randomBase62 } from '../../src/domain/credentials.js';
import { newId } from '../../src/domain/ids.js';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest, migrations } from '../../src/store/migrations.js';
import { freshToken, listTokens, toRow } from '../../src/tokens/repository.js';
import { createTestDatabase, DIALECTS, describeEachDialect, PG_ADMIN_URL, type TestDatabase } from '../support/databases.js';
import { createScratchDatabase } from '../support/scratch-postgres.js';

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
    expect(await tableNames(store)).toEqual(expect.arrayContaining(['accounts', 'audit_events', 'memberships', 'sessions', 'setup_links', 'tokens', 'usage_daily', 'users', 'change_log', 'lifecycle_events', 'lifecycle_notices', 'webhook_endpoints', 'webhook_deliveries', 'webhook_attempts', 'mail_settings', 'mail_messages', 'mail_message_events', 'canary_alerts', 'unused_notices']));
    expect(await indexNames(store)).toEqual(expect.arrayContaining(['audit_events_account', 'audit_events_token', 'change_log_created', 'memberships_user', 'tokens_account_list', 'tokens_account_state_created', 'lifecycle_events_pending', 'lifecycle_events_token', 'webhook_deliveries_due', 'mail_messages_batch', 'mail_messages_due']));
    // The name search's trigram index: a GIN index on PostgreSQL, an FTS5 table on SQLite.
    if (dialect === 'postgres') expect(await indexNames(store)).toContain('tokens_name_trigram');
    else expect(await tableNames(store)).toContain('tokens_name_search');
  });

  it('0009_token_exposures: the exposures table, one row per token, secret and URL, and the secret-hash lookups', async () => {
    expect(await tableNames(store)).toContain('token_exposures');
    expect(await indexNames(store)).toEqual(expect.arrayContaining(['token_exposures_account', 'tokens_secret_hash', 'tokens_previous_secret_hash']));
    const row = { id: 'exp_1', account_id: 'acc_1', token_id: 'tok_1', secret_hash: 'ab'.repeat(32), reporter: 'github', report_type: 'sidekey_auth_token', source: 'commit', url: 'https://github.com/o/r', reported_at: Date.now(), action: 'disabled' };
    await store.db.insertInto('token_exposures').values(row).execute();
    await expect(store.db.insertInto('token_exposures').values({ ...row, id: 'exp_2' }).execute()).rejects.toThrow();
    await store.db.insertInto('token_exposures').values({ ...row, id: 'exp_3', url: 'https://gist.github.com/o/1' }).execute();
    await store.db.deleteFrom('token_exposures').execute();
  });

  it('keeps Account SIDs and user e-mails unique', async () => {
    const now = Date.now();
    await store.db.insertInto('users').values({ id: 'usr_1', email: 'a@example.com', name: 'A', password_hash: 'x', created_at: now }).execute();
    await expect(store.db.insertInto('users').values({ id: 'usr_2', email: 'a@example.com', name: 'B', password_hash: 'x', created_at: now }).execute()).rejects.toThrow();
  });

  it('tokens that existed before the name search migration are found by it afterwards', async () => {
    const earlier = await createTestDatabase(dialect);
    const before = await openStore({ dataDir: earlier.dataDir, databaseUrl: earlier.databaseUrl, migrate: false });
    try {
      const migrator = new Migrator({ db: before.db, provider: { getMigrations: async () => migrations } });
      const { error } = await migrator.migrateTo('0004_change_log');
      if (error) throw error;
      const now = Date.now();
      await before.db.insertInto('accounts').values({ id: 'acc_before', name: 'Before', api_access_enabled: 1, legacy_tokens_enabled: 0, created_at: now }).execute();
      const names = ['Nightly export', 'Quarterly Ledger', 'Ledger mirror (Ω)', 'Partner bot'];
      const rows = names.map((name, i) => toRow(freshToken({ id: newId('tok'), accountId: 'acc_before', kind: 'scoped', accountSid: generateAccountSid('IR'), name, apiVersion: 14, createdAt: now - i, secretHash: 'x' })));
      await before.db.insertInto('tokens').values(rows).execute();
      expect(await migrateToLatest(before.db)).toEqual(Object.keys(migrations).filter((name) => name > '0004_change_log'));
      const found = async (name: string) => (await listTokens(before.db, before.dialect, 'acc_before', { name }, undefined, 51, now)).map((t) => t.name);
      expect(await found('ledger')).toEqual(['Quarterly Ledger', 'Ledger mirror (Ω)']);
      expect(await found('(ω)')).toEqual(['Ledger mirror (Ω)']);
      expect(await found('export')).toEqual(['Nightly export']);
    } finally {
      await before.close();
      await earlier.drop();
    }
  });

  it('migrations are forward-only: none defines a down step', () => {
    for (const [name, migration] of Object.entries(migrations)) expect(migration.down, name).toBeUndefined();
    expect(Object.keys(migrations)).toEqual(Object.keys(migrations).sort());
  });
});

describe.runIf(DIALECTS.includes('postgres'))('migrations without the pg_trgm extension [postgres]', () => {
  it('a role that may not create pg_trgm is told the migration needs that extension, and nothing of it is applied', async () => {
    const role = `sidekey_test_${randomBase62(10).toLowerCase()}`;
    const scratch = await createScratchDatabase(PG_ADMIN_URL, 'sidekey_test');
    const admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
    try {
      // The role may create tables in the schema but not extensions in the database (that needs CREATE on it).
      await admin.query(`create role ${role} login`);
      await admin.query(`grant create on schema public to ${role}`);
      const url = new URL(scratch.url);
      url.username = role;
      const limited = await openStore({ dataDir: '/nonexistent', databaseUrl: url.toString(), migrate: false });
      try {
        await expect(migrateToLatest(limited.db)).rejects.toThrow(/0005_token_name_search needs the PostgreSQL extension pg_trgm.*CREATE EXTENSION pg_trgm/);
        // One transaction runs the pending migrations on PostgreSQL: the database stays as it was, ready for a retry.
        const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(limited.db);
        expect(rows).toEqual([]);
      } finally {
        await limited.close();
      }
    } finally {
      await admin.query(`drop owned by ${role}`).catch(() => {});
      await admin.end();
      await scratch.drop();
      const cluster = new pg.Client({ connectionString: PG_ADMIN_URL });
      await cluster.connect();
      await cluster.query(`drop role if exists ${role}`);
      await cluster.end();
    }
  });
});
