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
  '0005_token_name_search': {
    // The token list's name filter ("name contains", src/domain/filters.ts) narrowed by a trigram index over
    // tokens.name_lower, so a search in an account of a million tokens reads the few rows that can match instead
    // of all of them (the query and when it uses which index: listTokens in src/tokens/repository.ts).
    // - PostgreSQL: a GIN index with pg_trgm's operator class, which LIKE '%term%' uses. pg_trgm ships with
    //   PostgreSQL (Debian: postgresql-contrib) and is a trusted extension: the role running the migrations needs
    //   CREATE on the database, or a superuser runs `CREATE EXTENSION pg_trgm` in it once beforehand.
    // - SQLite: an FTS5 table with the trigram tokenizer (case-sensitive: names arrive folded), whose content is
    //   the tokens table itself (external content, keyed by the tokens rowid), kept in step by triggers on
    //   insert, rename and delete, and filled from the rows that exist now by a rebuild. A manual VACUUM may
    //   renumber the tokens rowids; after one, run `INSERT INTO tokens_name_search(tokens_name_search)
    //   VALUES ('rebuild')`.
    // Building the indexes reads every token and holds the table against writes while it runs (PostgreSQL's
    // CREATE INDEX lock, SQLite's write lock; reads go on). Measured with 1,000,000 tokens (bench/groups/search.ts)
    // on a shared 2-core machine at load average 20-26: SQLite 23-26 s, PostgreSQL 20-43 s. Plan for that pause.
    async up(db: Kysely<any>) {
      // The list's order per account holding what the filters test, so a search reads rows from the index alone and
      // fetches only the page's rows in full. It serves every query tokens_account_created served.
      await db.schema.createIndex('tokens_account_list').on('tokens').columns(['account_id', 'created_at desc', 'id desc', 'state', 'kind', 'name_lower']).execute();
      await db.schema.dropIndex('tokens_account_created').execute();
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        try {
          await sql`create extension if not exists pg_trgm`.execute(db);
        } catch (error) {
          throw new Error(
            `migration 0005_token_name_search needs the PostgreSQL extension pg_trgm, and it could not be created (${(error as Error).message}). ` +
              'Install it (Debian: the postgresql-contrib package) and either grant the role running the migrations CREATE on this database, or have a superuser run CREATE EXTENSION pg_trgm in it; then start again.',
          );
        }
        // Without fastupdate every write goes into the index at once: token writes are few, and a search never
        // has to read a list of pending, unindexed rows first.
        await sql`create index tokens_name_trigram on tokens using gin (name_lower gin_trgm_ops) with (fastupdate = off)`.execute(db);
        return;
      }
      await sql`create virtual table tokens_name_search using fts5(name_lower, content = 'tokens', tokenize = 'trigram case_sensitive 1')`.execute(db);
      await sql`create trigger tokens_name_search_insert after insert on tokens begin
        insert into tokens_name_search (rowid, name_lower) values (new.rowid, new.name_lower);
      end`.execute(db);
      await sql`create trigger tokens_name_search_rename after update of name_lower on tokens when old.name_lower is not new.name_lower begin
        insert into tokens_name_search (tokens_name_search, rowid, name_lower) values ('delete', old.rowid, old.name_lower);
        insert into tokens_name_search (rowid, name_lower) values (new.rowid, new.name_lower);
      end`.execute(db);
      await sql`create trigger tokens_name_search_delete after delete on tokens begin
        insert into tokens_name_search (tokens_name_search, rowid, name_lower) values ('delete', old.rowid, old.name_lower);
      end`.execute(db);
      await sql`insert into tokens_name_search (tokens_name_search) values ('rebuild')`.execute(db);
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
  '0007_lifecycle_events': {
    // The lifecycle outbox (written in the audited change's transaction), the expiry notices already raised (their
    // key makes each one happen once, whichever node gets there first), and webhook endpoints, deliveries and attempts.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('lifecycle_events')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('token_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('type', 'varchar(40)', (c) => c.notNull())
        .addColumn('occurred_at', bigint, (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('dispatched_at', bigint)
        .execute();
      await db.schema.createIndex('lifecycle_events_pending').on('lifecycle_events').columns(['dispatched_at', 'id']).execute();
      await db.schema.createIndex('lifecycle_events_token').on('lifecycle_events').columns(['token_id', 'occurred_at']).execute();
      await db.schema
        .createTable('lifecycle_notices')
        .addColumn('token_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('expires_at', bigint, (c) => c.notNull())
        .addColumn('days_before', 'integer', (c) => c.notNull())
        .addColumn('event_id', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('lifecycle_notices_pk', ['token_id', 'expires_at', 'days_before'])
        .execute();
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(40)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
        .addColumn('previous_secret_ciphertext', 'text')
        .addColumn('previous_secret_expires_at', bigint)
        .addColumn('created_at', bigint, (c) => c.notNull())
        .addColumn('updated_at', bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_endpoints_account').on('webhook_endpoints').columns(['account_id', 'created_at']).execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('endpoint_id', 'varchar(40)', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
        .addColumn('event_id', 'varchar(40)', (c) => c.notNull().references('lifecycle_events.id'))
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', bigint)
        .addColumn('claim_id', 'varchar(40)')
        .addColumn('created_at', bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'created_at']).execute();
      await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').column('event_id').execute();
      await db.schema
        .createTable('webhook_attempts')
        .addColumn('delivery_id', 'varchar(40)', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', bigint, (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt'])
        .execute();
    },
  },
  '0008_mail_notifications': {
    // E-mail notifications: each account's choices (absent: every event to everyone, at once), the contacts an event
    // mails (snapshotted in the outbox row, so a deleted token's contacts are still told), the messages (one per
    // recipient per event, or per digest window) and which events each lists.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('lifecycle_events').addColumn('contacts', 'text').execute();
      await db.schema
        .createTable('mail_settings')
        .addColumn('account_id', 'varchar(40)', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
        .addColumn('delivery', 'varchar(16)', (c) => c.notNull())
        .addColumn('muted', 'text', (c) => c.notNull())
        .addColumn('updated_at', bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('mail_messages')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('recipient', 'varchar(320)', (c) => c.notNull())
        .addColumn('batch_key', 'varchar(80)', (c) => c.notNull())
        .addColumn('delivery', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('event_count', 'integer', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('send_at', bigint, (c) => c.notNull())
        .addColumn('next_attempt_at', bigint)
        .addColumn('claim_id', 'varchar(40)')
        .addColumn('last_error', 'text')
        .addColumn('sent_at', bigint)
        .addColumn('created_at', bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mail_messages_batch').on('mail_messages').columns(['account_id', 'recipient', 'batch_key']).unique().execute();
      await db.schema.createIndex('mail_messages_due').on('mail_messages').columns(['status', 'next_attempt_at']).execute();
      await db.schema
        .createTable('mail_message_events')
        .addColumn('message_id', 'varchar(40)', (c) => c.notNull().references('mail_messages.id').onDelete('cascade'))
        .addColumn('event_id', 'varchar(40)', (c) => c.notNull().references('lifecycle_events.id'))
        .addPrimaryKeyConstraint('mail_message_events_pk', ['message_id', 'event_id'])
        .execute();
      await db.schema.createIndex('mail_message_events_event').on('mail_message_events').column('event_id').execute();
    },
  },
  '0009_token_exposures': {
    // Leak reports (docs/leak-reports.md): one row per exposure of a token's secret at a URL, its key making a repeated
    // report a no-op; and the lookups a report needs, by the keyed hash of the reported secret (current or previous).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('token_exposures')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('token_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
        .addColumn('reporter', 'varchar(32)', (c) => c.notNull())
        .addColumn('report_type', 'varchar(128)', (c) => c.notNull())
        .addColumn('source', 'varchar(64)', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('reported_at', bigint, (c) => c.notNull())
        .addColumn('action', 'varchar(24)', (c) => c.notNull())
        .addUniqueConstraint('token_exposures_once', ['token_id', 'secret_hash', 'url'])
        .execute();
      await db.schema.createIndex('token_exposures_account').on('token_exposures').columns(['account_id', 'reported_at']).execute();
      await db.schema.createIndex('tokens_secret_hash').on('tokens').column('secret_hash').execute();
      await db.schema.createIndex('tokens_previous_secret_hash').on('tokens').column('previous_secret_hash').execute();
    },
  },
  '0010_canary_tokens': {
    // Canary tokens are rows of `tokens` with kind 'canary' (no column changes). Their alert guard, one row per canary
    // that was ever used, bounds the alerts across nodes; the idle-token notices raised, keyed by (token, stretch
    // start), make each `token.unused` happen once whichever node gets there first.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('canary_alerts')
        .addColumn('token_id', 'varchar(40)', (c) => c.primaryKey().references('tokens.id').onDelete('cascade'))
        .addColumn('last_alert_at', bigint)
        .addColumn('suppressed', bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('unused_notices')
        .addColumn('token_id', 'varchar(40)', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
        .addColumn('since', bigint, (c) => c.notNull())
        .addColumn('event_id', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('unused_notices_pk', ['token_id', 'since'])
        .execute();
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
