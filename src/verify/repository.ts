/**
 * The verifier's own queries: reading a token on a cache miss, and the usage recorder's batched writes. They
 * read and write the tokens and usage_daily tables the token lifecycle owns, through the columns verification
 * needs and nothing else (the secret's ciphertext, for one, is never read here).
 */
import { CompiledQuery, sql } from 'kysely';
import type { Executor } from '../store/database.js';
import type { TokenRow } from '../store/schema.js';
import type { RateLimitRule } from '../domain/catalog.js';
import type { TokenState } from '../domain/filters.js';
import type { TokenKind } from '../domain/token.js';
import type { VerifiedToken } from '../domain/verification-answers.js';

/**
 * What a verification needs to know of a token, with its account's API access flag: the token an answer names,
 * plus the state, limits and secret hashes the decision reads.
 */
export interface VerifiableToken extends VerifiedToken {
  state: TokenState;
  expiresAt: number | null;
  notBefore: number | null;
  allowedCidrs: string[];
  rateLimit: RateLimitRule | null;
  /** Hex HMAC-SHA256 of the current Auth Token under the server's hash key. */
  secretHash: string;
  previousSecretHash: string | null;
  previousSecretExpiresAt: number | null;
  apiAccessEnabled: boolean;
}

const COLUMNS = [
  'id',
  'account_id',
  'account_sid',
  'name',
  'kind',
  'api_version',
  'scopes',
  'state',
  'expires_at',
  'not_before',
  'allowed_cidrs',
  'rate_limit',
  'secret_hash',
  'previous_secret_hash',
  'previous_secret_expires_at',
] as const satisfies readonly (keyof TokenRow)[];
type VerifiableRow = Pick<TokenRow, (typeof COLUMNS)[number]> & { api_access_enabled: number };

const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

const queryText = new WeakMap<Executor, string>();

/**
 * One indexed read joining the account's API access flag. The SQL is compiled once per database (it differs by
 * dialect only in placeholders): a burst of misses, such as after a lost notification connection, then builds
 * no query objects at all.
 */
export async function findVerifiableToken(db: Executor, accountSid: string): Promise<VerifiableToken | undefined> {
  let text = queryText.get(db);
  if (text === undefined) {
    text = db
      .selectFrom('tokens')
      .innerJoin('accounts', 'accounts.id', 'tokens.account_id')
      .select(COLUMNS.map((column) => `tokens.${column}` as const))
      .select('accounts.api_access_enabled as api_access_enabled')
      .where('tokens.account_sid', '=', accountSid) // the one parameter; account_sid is unique
      .compile().sql;
    queryText.set(db, text);
  }
  const { rows } = await db.executeQuery<VerifiableRow>(CompiledQuery.raw(text, [accountSid]));
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    accountId: row.account_id,
    accountSid: row.account_sid,
    name: row.name,
    kind: row.kind as TokenKind,
    apiVersion: Number(row.api_version),
    scopes: JSON.parse(row.scopes),
    state: row.state as TokenState,
    expiresAt: numOrNull(row.expires_at),
    notBefore: numOrNull(row.not_before),
    allowedCidrs: JSON.parse(row.allowed_cidrs),
    rateLimit: row.rate_limit ? JSON.parse(row.rate_limit) : null,
    secretHash: row.secret_hash,
    previousSecretHash: row.previous_secret_hash,
    previousSecretExpiresAt: numOrNull(row.previous_secret_expires_at),
    apiAccessEnabled: Number(row.api_access_enabled) === 1,
  };
}

/** One counter row: how many answers with `code` a token got on a UTC day. */
export interface UsageCount {
  tokenId: string;
  day: string;
  code: string;
  count: number;
}

/** A token's last authenticated use. */
export interface LastUse {
  tokenId: string;
  at: number;
  ip: string | null;
}

const USAGE_BATCH = 500;

/**
 * The text of a multi-row statement: `head`, then `rows` copies of `row` (the text around its placeholders) with the placeholders numbered in
 * the database's style (`?`, or `$1`, `$2`… on PostgreSQL), then `tail`. Built as one string rather than as a
 * query tree per row: a flush writes every token used in the last few seconds, and a tree of nodes per row
 * lived as long as the write (the whole batch), long enough to reach the old generation as garbage.
 */
function multiRowText(db: Executor, head: string, row: readonly string[], rows: number, tail: string): string {
  const numbered = sql`${0}`.compile(db).sql !== '?';
  const key = `${numbered}${head}`;
  const full = rows === USAGE_BATCH ? fullBatchTexts.get(key) : undefined;
  if (full !== undefined) return full;
  const parts: string[] = [head];
  let placeholder = 0;
  for (let r = 0; r < rows; r++) {
    parts.push(r === 0 ? '(' : ', (');
    for (let i = 0; i < row.length - 1; i++) parts.push(row[i], numbered ? `$${++placeholder}` : '?');
    parts.push(row[row.length - 1], ')');
  }
  parts.push(tail);
  const text = parts.join('');
  if (rows === USAGE_BATCH) fullBatchTexts.set(key, text);
  return text;
}

/** The text of a full batch, by placeholder style and statement: most of a large flush is full batches. */
const fullBatchTexts = new Map<string, string>();

/**
 * Adds counts to what is stored, as one multi-row upsert per 500 rows (both dialects support
 * INSERT … ON CONFLICT … DO UPDATE with `excluded`). Each (token, day, code) appears once per call.
 */
export async function recordUsageBatch(db: Executor, rows: readonly UsageCount[]): Promise<void> {
  for (let i = 0; i < rows.length; i += USAGE_BATCH) {
    const end = Math.min(rows.length, i + USAGE_BATCH);
    const parameters: unknown[] = [];
    for (let r = i; r < end; r++) parameters.push(rows[r].tokenId, rows[r].day, rows[r].code, rows[r].count);
    const text = multiRowText(
      db,
      'insert into usage_daily (token_id, day, code, count) values ',
      ['', ', ', ', ', ', ', ''],
      end - i,
      ' on conflict (token_id, day, code) do update set count = usage_daily.count + excluded.count',
    );
    await db.executeQuery(CompiledQuery.raw(text, parameters));
  }
}

/**
 * Sets last used time and address, as one UPDATE … FROM a VALUES list per 500 tokens (SQLite ≥ 3.33 and
 * PostgreSQL both accept this form). A newer time already stored is kept. Each token appears once per call.
 */
export async function recordLastUsedBatch(db: Executor, rows: readonly LastUse[]): Promise<void> {
  for (let i = 0; i < rows.length; i += USAGE_BATCH) {
    const end = Math.min(rows.length, i + USAGE_BATCH);
    const parameters: unknown[] = [];
    for (let r = i; r < end; r++) parameters.push(rows[r].tokenId, rows[r].at, rows[r].ip);
    const text = multiRowText(
      db,
      'with used(id, at, ip) as (values ',
      ['', ', cast(', ' as bigint), cast(', ' as varchar(64))'],
      end - i,
      `) update tokens set last_used_at = used.at, last_used_ip = used.ip
      from used
      where tokens.id = used.id and (tokens.last_used_at is null or tokens.last_used_at < used.at)`,
    );
    await db.executeQuery(CompiledQuery.raw(text, parameters));
  }
}
