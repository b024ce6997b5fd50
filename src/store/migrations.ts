/**
 * Forward-only migrations, in code so they ship with the build and run identically on both databases.
 * Never edit a released migration: add the next one.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';

const bigint = 'bigint' as const;

export const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('api_access_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('legacy_tokens_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('account_id', 'varchar(40)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('user_id', 'varchar(40)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'varchar(40)', (c) => c.notNull())
        .addColumn('created_at', bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['account_id', 'user_id'])
        .execute();
      await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(40)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', bigint, (c) => c.notNull())
        .addColumn('expires_at', bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('setup_links')
        .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('expires_at', bigint, (c) => c.notNull())
        .addColumn('used_at', bigint)
        .execute();
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(40)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('account_sid', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('name_lower', 'varchar(100)', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('api_version', 'integer', (c) => c.notNull())
        .addColumn('primary_contact_user_id', 'varchar(40)')
        .addColumn('developer_emails', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', bigint, (c) => c.notNull())
        .addColumn('created_by', 'varchar(40)')
        .addColumn('updated_at', bigint, (c) => c.notNull())
        .addColumn('last_used_at', bigint)
        .addColumn('last_used_ip', 'varchar(64)')
        .addColumn('expires_at', bigint)
        .addColumn('not_before', bigint)
        .addColumn('allowed_cidrs', 'text', (c) => c.notNull())
        .addColumn('rate_limit', 'text')
        .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
        .addColumn('secret_ciphertext', 'text')
        .addColumn('previous_secret_hash', 'varchar(128)')
        .addColumn('previous_secret_expires_at', bigint)
        .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      // The list's order (newest first, then id) per account, with and without the state filter.
      await db.schema.createIndex('tokens_account_created').on('tokens').columns(['account_id', 'created_at desc', 'id desc']).execute();
      await db.schema.createIndex('tokens_account_state_created').on('tokens').columns(['account_id', 'state', 'created_at desc', 'id desc']).execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('token_id', 'varchar(40)')
        .addColumn('actor_user_id', 'varchar(40)')
        .addColumn('action', 'varchar(40)', (c) => c.notNull())
        .addColumn('at', bigint, (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_token').on('audit_events').columns(['token_id', 'at desc']).execute();
      await db.schema.createIndex('audit_events_account').on('audit_events').columns(['account_id', 'at desc']).execute();
      await db.schema
        .createTable('usage_daily')
        .addColumn('token_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('day', 'varchar(10)', (c) => c.notNull())
        .addColumn('code', 'varchar(40)', (c) => c.notNull())
        .addColumn('count', bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_daily_pk', ['token_id', 'day', 'code'])
        .execute();
    },
  },
  '0002_name_lower_unbounded': {
    // Lower-casing can lengthen a name ('İ' becomes 'i' + U+0307), so a valid 100-character name overflowed
    // PostgreSQL's varchar(100) copy and the create failed with a 500. SQLite does not enforce varchar lengths.
    async up(db: Kysely<any>) {
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        await db.schema.alterTable('tokens').alterColumn('name_lower', (c) => c.setDataType('text')).execute();
      }
    },
  },
  '0003_sign_in_attempts': {
    // The sign-in throttle's counters, shared by every node on the database (src/accounts/throttle.ts).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sign_in_attempts')
        .addColumn('key', 'varchar(80)', (c) => c.primaryKey())
        .addColumn('window_start', bigint, (c) => c.notNull())
        .addColumn('window_ms', bigint, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0004_change_log': {
    // Every node tails this table to learn what other nodes and processes changed. The sequence only grows:
    // SQLite's AUTOINCREMENT never reuses a value, PostgreSQL's bigserial never goes back.
    async up(db: Kysely<any>) {
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('change_log')
        .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('token_id', 'varchar(40)')
        .addColumn('account_sid', 'varchar(64)')
        .addColumn('account_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('created_at', bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('change_log_created').on('change_log').column('created_at').execute();
    },
  },
  '0006_user_management': {
    // When each user last signed in (the Users page), and invite links: a setup link bound to one user of one
    // account, which sets that user's password once. A row without user_id is a first-run setup link.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('last_sign_in_at', bigint).execute();
      await db.schema.alterTable('setup_links').addColumn('user_id', 'varchar(40)', (c) => c.references('users.id').onDelete('cascade')).execute();
      await db.schema.alterTable('setup_links').addColumn('account_id', 'varchar(40)', (c) => c.references('accounts.id').onDelete('cascade')).execute();
      await db.schema.createIndex('setup_links_user').on('setup_links').columns(['user_id', 'account_id']).execute();
    },
  },
};

class InCodeProvider implements MigrationProvider {
  async getMigrations() {
    return migrations;
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export { sql };
