/** Token rows ↔ domain tokens, and the queries of the token lifecycle (the verifier has its own: verify/repository.ts). */
import { type CompiledQuery, type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import { compiledPerShape } from '../store/compiled-per-shape.js';
import { type Dialect, type Executor, preparedOnPostgres } from '../store/database.js';
import type { NewTokenRow, Schema, TokenRow, TokenRowPatch } from '../store/schema.js';
import type { Token, TokenKind } from '../domain/token.js';
import type { KindFilter, TokenState, TokenFilter, ListCursor } from '../domain/filters.js';
import { createdOnRange, foldName } from '../domain/filters.js';

/** A token row with what only the service may see: the secret's hash, its ciphertext, the grace secret. */
export interface StoredToken extends Omit<Token, 'graceExpiresAt'> {
  secretHash: string;
  secretCiphertext: string | null;
  previousSecretHash: string | null;
  previousSecretExpiresAt: number | null;
}

const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function toStoredToken(row: TokenRow): StoredToken {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind as TokenKind,
    accountSid: row.account_sid,
    name: row.name,
    description: row.description,
    apiVersion: Number(row.api_version),
    primaryContactUserId: row.primary_contact_user_id,
    developerEmails: JSON.parse(row.developer_emails),
    scopes: JSON.parse(row.scopes),
    state: row.state as TokenState,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
    lastUsedAt: numOrNull(row.last_used_at),
    lastUsedIp: row.last_used_ip,
    expiresAt: numOrNull(row.expires_at),
    notBefore: numOrNull(row.not_before),
    allowedCidrs: JSON.parse(row.allowed_cidrs),
    rateLimit: row.rate_limit ? JSON.parse(row.rate_limit) : null,
    revision: Number(row.revision),
    secretHash: row.secret_hash,
    secretCiphertext: row.secret_ciphertext,
    previousSecretHash: row.previous_secret_hash,
    previousSecretExpiresAt: numOrNull(row.previous_secret_expires_at),
  };
}

/** The public part: what leaves the service. */
export function publicToken(t: StoredToken): Token {
  const { secretHash: _h, secretCiphertext: _c, previousSecretHash: _p, previousSecretExpiresAt, ...rest } = t;
  return { ...rest, graceExpiresAt: previousSecretExpiresAt };
}

export function toRow(t: StoredToken): NewTokenRow {
  return {
    id: t.id,
    account_id: t.accountId,
    kind: t.kind,
    account_sid: t.accountSid,
    name: t.name,
    name_lower: foldName(t.name),
    description: t.description,
    api_version: t.apiVersion,
    primary_contact_user_id: t.primaryContactUserId,
    developer_emails: JSON.stringify(t.developerEmails),
    scopes: JSON.stringify(t.scopes),
    state: t.state,
    created_at: t.createdAt,
    created_by: t.createdBy,
    updated_at: t.updatedAt,
    last_used_at: t.lastUsedAt,
    last_used_ip: t.lastUsedIp,
    expires_at: t.expiresAt,
    not_before: t.notBefore,
    allowed_cidrs: JSON.stringify(t.allowedCidrs),
    rate_limit: t.rateLimit ? JSON.stringify(t.rateLimit) : null,
    secret_hash: t.secretHash,
    secret_ciphertext: t.secretCiphertext,
    previous_secret_hash: t.previousSecretHash,
    previous_secret_expires_at: t.previousSecretExpiresAt,
    revision: t.revision,
  };
}

export async function insertToken(db: Executor, token: StoredToken): Promise<void> {
  await db.insertInto('tokens').values(toRow(token)).execute();
}

/** `forUpdate` (PostgreSQL only: SQLite has one writer at a time anyway) locks the row until the transaction ends. */
export async function findToken(db: Executor, accountId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredToken | undefined> {
  let query = db.selectFrom('tokens').selectAll().where('id', '=', id).where('account_id', '=', accountId);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row && toStoredToken(row);
}

/**
 * The tokens whose current secret, or previous secret still in its grace period, has the keyed hash `secretHash`
 * (a leak report's lookup). The index finds candidates by the hash; the caller confirms each in constant time.
 */
export async function findBySecretHash(db: Executor, secretHash: string, nowMs: number): Promise<StoredToken[]> {
  const rows = await db
    .selectFrom('tokens')
    .selectAll()
    .where((eb) => eb.or([eb('secret_hash', '=', secretHash), eb.and([eb('previous_secret_hash', '=', secretHash), eb('previous_secret_expires_at', '>', nowMs)])]))
    .execute();
  return rows.map(toStoredToken);
}

export async function findLegacyTokens(db: Executor, accountId: string): Promise<StoredToken[]> {
  const rows = await db.selectFrom('tokens').selectAll().where('account_id', '=', accountId).where('kind', 'in', ['legacy_rw', 'legacy_ro']).execute();
  return rows.map(toStoredToken);
}

/**
 * Writes `next` only if the row is still at `expectedRevision`; false means somebody else wrote first
 * and the caller must re-read and re-apply (optimistic concurrency: no update is ever lost).
 */
export async function replaceToken(db: Executor, next: StoredToken, expectedRevision: number): Promise<boolean> {
  // Last-used columns belong to the usage recorder, which writes them without a revision bump.
  const { id: _id, account_id: _a, created_at: _c, last_used_at: _u, last_used_ip: _i, ...patch } = toRow(next) as TokenRowPatch & NewTokenRow;
  const result = await db.updateTable('tokens').set(patch).where('id', '=', next.id).where('revision', '=', expectedRevision).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteToken(db: Executor, id: string, expectedRevision: number): Promise<boolean> {
  const result = await db.deleteFrom('tokens').where('id', '=', id).where('revision', '=', expectedRevision).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * How many rows, in list order, a name search reads from the list index before it asks the trigram index
 * instead. A term that fills the page within these rows is common, and the trigram index would hand back
 * thousands of candidates to sort; one that does not is rare here, and the trigram index finds its rows wherever
 * they are.
 */
const ORDERED_WINDOW = 2_000;

/**
 * A list page's values. Its queries are compiled once per shape and bound to these (store/compiled-per-shape.ts):
 * the SQL text depends on which of them are present and on the PageShape, never on what they are.
 */
type PageValues = {
  accountId: string;
  state: TokenState | undefined;
  /** The creation-date filter's range. */
  fromMs: number | undefined;
  beforeMs: number | undefined;
  /** The cursor: the page starts after this row. */
  afterCreatedAtMs: number | undefined;
  afterId: string | undefined;
  limit: number;
};
/** A name search's page: the folded term (the exact "contains"), and the rows read in list order when limited. */
type ScanValues = PageValues & { term: string; window: number | undefined };
/** …and what a trigram index is asked for the term (indexQuery). */
type IndexedValues = PageValues & { term: string; indexed: string };
/** What a page's SQL text depends on besides which values are present: the dialect, and the kind filter. */
type PageShape = `${Dialect}:${KindFilter | 'any'}`;

const dialectOf = (shape: PageShape) => shape.slice(0, shape.indexOf(':')) as Dialect;
const kindOf = (shape: PageShape) => shape.slice(shape.indexOf(':') + 1) as KindFilter | 'any';

/**
 * One page of an account's tokens, newest first then id, filtered as domain/filters.ts defines. The name filter
 * is decided by the exact "contains" on the folded name (instr/strpos); the indexes of migration
 * 0005_token_name_search only choose which rows that test reads, so every plan returns exactly the same rows.
 */
export async function listTokens(db: Executor, dialect: Dialect, accountId: string, filter: TokenFilter, cursor: ListCursor | undefined, limit: number, nowMs: number): Promise<StoredToken[]> {
  const { fromMs, beforeMs } = filter.createdOn ? createdOnRange(filter.createdOn, nowMs) : {};
  const page: PageValues = { accountId, state: filter.state, fromMs, beforeMs, afterCreatedAtMs: cursor?.createdAtMs, afterId: cursor?.id, limit };
  const shape: PageShape = `${dialect}:${filter.kind ?? 'any'}`;
  const rows = async (query: CompiledQuery<TokenRow>) => (await db.executeQuery(query)).rows.map(toStoredToken);
  const term = filter.name === undefined ? '' : foldName(filter.name);
  if (term === '') return rows(listedQuery(db, shape, page));
  const indexed = indexQuery(dialect, term);
  // A term no trigram index can narrow (too short) is read in list order until the page is full: short terms
  // usually match often, and a rare one reads the account's list index to its end (README, "Name search").
  if (indexed === undefined) return rows(scannedQuery(db, shape, { ...page, term, window: undefined }));
  if (dialect === 'postgres') {
    const found = await nearestOrCollected(db, shape, { ...page, term, indexed });
    if (found) return found.map(toStoredToken);
  } else {
    const found = await rows(scannedQuery(db, shape, { ...page, term, window: ORDERED_WINDOW }));
    if (found.length === limit) return found;
  }
  return rows(collectedQuery(db, shape, { ...page, term, indexed }));
}

/** The page with no name filter. */
const listedQuery = compiledPerShape((db: Executor, shape: PageShape, values: PageValues) => newestFirst(withFilters(inRange(db.selectFrom('tokens'), values), shape, values)).selectAll().limit(values.limit));

/** The page's keys read in list order from the list index alone (it holds what the filters test), within the first `window` rows of the range when given. */
function nearest(db: Executor, shape: PageShape, values: ScanValues) {
  let listed = newestFirst(inRange(db.selectFrom('tokens'), values).select(['id', 'created_at', 'state', 'kind', 'name_lower']));
  if (values.window !== undefined) listed = listed.limit(values.window);
  return newestFirst(withFilters(db.selectFrom(listed.as('tokens')), shape, values).select(['id', 'created_at']).where(contains(shape, values.term))).limit(values.limit);
}

/** The page read in list order (nearest), only its rows read in full. */
const scannedQuery = compiledPerShape((db: Executor, shape: PageShape, values: ScanValues) =>
  newestFirst(db.selectFrom('tokens').selectAll().where(idAmong(dialectOf(shape), nearest(db, shape, values).clearSelect().select('id')))),
);

/** The rows a trigram index says may contain the term that pass every filter, the exact "contains" among them. */
const matching = (db: Executor, shape: PageShape, values: IndexedValues) => withFilters(inRange(candidatesByIndex(db, shape, values.indexed), values), shape, values).where(contains(shape, values.term));

/** The page from the trigram index's candidates, ordered by the database. */
const collectedQuery = compiledPerShape((db: Executor, shape: PageShape, values: IndexedValues) => newestFirst(matching(db, shape, values).selectAll()).limit(values.limit));

/** The exact test of the name filter: the folded name contains the term. */
const contains = (shape: PageShape, term: string) => (dialectOf(shape) === 'postgres' ? sql<boolean>`strpos(name_lower, ${term}) > 0` : sql<boolean>`instr(name_lower, ${term}) > 0`);

/**
 * On PostgreSQL, how many of the trigram index's candidates a search collects and sorts itself (see
 * nearestOrCollected); past this, it asks the list index in order instead.
 */
const COLLECTED_CANDIDATES = 5_000;

/** Every column of a token row, by name: the select list of a prepared statement (see preparedOnPostgres). */
const TOKEN_COLUMNS = [
  'id', 'account_id', 'kind', 'account_sid', 'name', 'name_lower', 'description', 'api_version', 'primary_contact_user_id', 'developer_emails', 'scopes', 'state', 'created_at', 'created_by',
  'updated_at', 'last_used_at', 'last_used_ip', 'expires_at', 'not_before', 'allowed_cidrs', 'rate_limit', 'secret_hash', 'secret_ciphertext', 'previous_secret_hash', 'previous_secret_expires_at', 'revision',
] as const;
/** `Columns` when it names every column of a token row (a column added to the schema must be added there too). */
type EveryColumn<Columns extends readonly (keyof TokenRow)[]> = [Exclude<keyof TokenRow, Columns[number]>] extends [never] ? Columns : never;

/**
 * The page on PostgreSQL in one statement, prepared (each connection parses it once; PostgreSQL still plans it
 * for each run's values, some 0.25 ms: it estimates the generic plan dearer than any custom one, and forcing it
 * would take plan_cache_mode, a setting of the whole connection that unnamed statements obey too): the ordered window's
 * matches (`nearest`, the first ORDERED_WINDOW rows of the range) when they fill it, else the trigram index's
 * candidates (`matching`), collected and sorted; undefined when there are more than COLLECTED_CANDIDATES of those.
 * Both are MATERIALIZED CTEs, and PostgreSQL runs a CTE or a subquery only when a branch it takes reads it: a
 * common term never asks the trigram index (tens of milliseconds for a word in a tenth of the names), a rare one
 * pays one round trip and one plan, not two.
 * The candidates are collected first, so the planner cannot fold the ORDER BY … LIMIT into their scan. Asked as
 * one query with the limit, it weighs walking the list index in order until the page is full against the trigram
 * index: its estimate of a LIKE '%word%' comes from a sample of names, so it guesses thousands of matches spread
 * evenly, the walk looks cheap, and for a rare term whose matches are all among the oldest tokens it reads the
 * whole account (seconds at a million tokens). Here the trigram index is the only way to the candidates, and a few
 * thousand of them are sorted in milliseconds; a term with more is common, and the walk finds its page soon. The
 * candidates keep only the list order's key (id, created_at): copying and sorting whole rows cost more than finding
 * them, and only the page's rows are read in full, by id.
 */
async function nearestOrCollected(db: Executor, shape: PageShape, values: IndexedValues): Promise<TokenRow[] | undefined> {
  const { rows } = await db.executeQuery(preparedOnPostgres(nearestOrCollectedQuery(db, shape, { ...values, window: ORDERED_WINDOW })));
  if (rows.length > 0 && Number(rows[0].candidate_count) > COLLECTED_CANDIDATES) return undefined;
  return rows.map(({ candidate_count: _, ...row }) => row as TokenRow);
}

const nearestOrCollectedQuery = compiledPerShape((db: Executor, shape: PageShape, values: IndexedValues & ScanValues) =>
  newestFirst(
    db
      .with((cte) => cte('nearest').materialized(), () => nearest(db, shape, values))
      .with((cte) => cte('candidates').materialized(), () => matching(db, shape, values).select(['id', 'created_at']).limit(COLLECTED_CANDIDATES + 1))
      .selectFrom('tokens')
      .select(TOKEN_COLUMNS satisfies EveryColumn<typeof TOKEN_COLUMNS>)
      .select((eb) => {
        const windowFilled = eb(eb.selectFrom('nearest').select(eb.fn.countAll().as('n')), '=', values.limit);
        const collected = eb.selectFrom('candidates').select(eb.fn.countAll<string>().as('n'));
        return eb.case().when(windowFilled).then(sql<string>`0`).else(collected).end().as('candidate_count');
      })
      .where((eb) => {
        const windowFilled = eb(eb.selectFrom('nearest').select(eb.fn.countAll().as('n')), '=', values.limit);
        const pageIds = eb
          .case()
          .when(windowFilled)
          .then(sql<string[]>`array(${eb.selectFrom('nearest').select('id')})`)
          .else(sql<string[]>`array(${newestFirst(eb.selectFrom('candidates').select('id')).limit(values.limit)})`)
          .end();
        return eb('id', '=', sql<string>`any(${pageIds})`);
      }),
  ),
);

/** Fewer characters (code points) than this hold no trigram. */
const TRIGRAM_LENGTH = 3;

/**
 * What a trigram index is asked for `term` (candidatesByIndex); undefined when the term holds no trigram it has.
 * - SQLite: the FTS5 trigram table's phrase match on the whole term.
 * - PostgreSQL: pg_trgm indexes the trigrams of each word (letters and digits) and pads word edges; the trigrams
 *   of a word edge or a common word have posting lists as long as the table, and intersecting them costs more
 *   than the search. So the index is asked for the term's longest word alone (the last of equals), with no edges:
 *   LIKE '%word%'; the exact test decides the rest. The planner weighs that against the list indexes.
 */
function indexQuery(dialect: Dialect, term: string): string | undefined {
  if (dialect === 'sqlite') return [...term].length < TRIGRAM_LENGTH ? undefined : `"${term.replaceAll('"', '""')}"`;
  let word = '';
  for (const [run] of term.matchAll(/[\p{L}\p{N}]+/gu)) if ([...run].length >= Math.max(TRIGRAM_LENGTH, [...word].length)) word = run;
  return word ? `%${word}%` : undefined;
}

/**
 * The token rows a trigram index says may match `indexed` (indexQuery; every row whose name contains the term is
 * among them), to filter and order like the tokens table.
 * - SQLite: the rows are looked up by the rowids the FTS5 table returns (CROSS JOIN keeps that order of the loops:
 *   SQLite would otherwise walk the state index of the account and test each row against the match, which for a
 *   rare term is most of the account).
 * - PostgreSQL: name_lower LIKE the pattern, which the GIN trigram index answers.
 */
function candidatesByIndex(db: Executor, shape: PageShape, indexed: string): SelectQueryBuilder<Schema, 'tokens', object> {
  if (dialectOf(shape) === 'sqlite') {
    const matches = sql<{ candidate: number }>`(select rowid as candidate from tokens_name_search where tokens_name_search match ${indexed})`;
    // The joined query reads as one over tokens: the candidate column is all it adds, and nothing refers to it.
    return db.selectFrom(matches.as('m')).crossJoin('tokens').where(sql<boolean>`tokens.rowid = m.candidate`) as unknown as SelectQueryBuilder<Schema, 'tokens', object>;
  }
  return db.selectFrom('tokens').where(sql<boolean>`name_lower like ${indexed}`);
}

/**
 * The condition "id is one of the page's ids" (a subquery of at most a page). On PostgreSQL as = ANY(ARRAY(…)): the
 * ids are collected first and the rows found in one scan of the primary key, which costs less than the semi-join
 * (hash the ids, then a loop of lookups) the planner makes of IN (…).
 */
const idAmong =
  (dialect: Dialect, ids: SelectQueryBuilder<any, any, { id: string }>) =>
  (eb: ExpressionBuilder<Schema, 'tokens'>) =>
    dialect === 'postgres' ? eb('id', '=', sql<string>`any(array(${ids}))`) : eb('id', 'in', ids);

const newestFirst = <Q extends { orderBy(column: 'created_at' | 'id', direction: 'desc'): Q }>(query: Q) => query.orderBy('created_at', 'desc').orderBy('id', 'desc');

/** An account's rows in the list's range: the creation-date filter, and after the cursor. */
function inRange(rows: SelectQueryBuilder<Schema, 'tokens', object>, values: PageValues) {
  let query = rows.where('account_id', '=', values.accountId);
  if (values.fromMs !== undefined) query = query.where('created_at', '>=', values.fromMs);
  if (values.beforeMs !== undefined) query = query.where('created_at', '<', values.beforeMs);
  const { afterCreatedAtMs, afterId } = values;
  if (afterCreatedAtMs !== undefined && afterId !== undefined) {
    // The first condition is implied by the second; it is the bound an index range starts from (neither database
    // seeks on an OR), so a page deep in the list does not read every row before it.
    query = query.where('created_at', '<=', afterCreatedAtMs);
    query = query.where((eb) => eb.or([eb('created_at', '<', afterCreatedAtMs), eb.and([eb('created_at', '=', afterCreatedAtMs), eb('id', '<', afterId)])]));
  }
  return query;
}

/** The state and kind filters, on any query over token rows. */
function withFilters<Q extends { where(column: 'state' | 'kind', op: '=' | 'in', value: string | string[]): Q }>(query: Q, shape: PageShape, values: PageValues): Q {
  if (values.state !== undefined) query = query.where('state', '=', values.state);
  const kind = kindOf(shape);
  if (kind === 'scoped') query = query.where('kind', 'in', ['scoped', 'canary']);
  if (kind === 'legacy') query = query.where('kind', 'in', ['legacy_rw', 'legacy_ro']);
  return query;
}

/** A token's usage counters from `fromDay` (YYYY-MM-DD, UTC) on; the verifier's usage recorder writes them. */
export async function readUsage(db: Executor, tokenId: string, fromDay: string) {
  return db.selectFrom('usage_daily').select(['day', 'code', 'count']).where('token_id', '=', tokenId).where('day', '>=', fromDay).orderBy('day').execute();
}

/** What every caller must decide about a new token; everything else starts as a fresh, unused, unrestricted token. */
export type FreshTokenFields = Pick<StoredToken, 'id' | 'accountId' | 'kind' | 'accountSid' | 'name' | 'apiVersion' | 'createdAt' | 'secretHash'> & Partial<StoredToken>;

export function freshToken(fields: FreshTokenFields): StoredToken {
  return {
    description: '',
    primaryContactUserId: null,
    developerEmails: [],
    scopes: [],
    state: 'enabled',
    createdBy: null,
    updatedAt: fields.createdAt,
    lastUsedAt: null,
    lastUsedIp: null,
    expiresAt: null,
    notBefore: null,
    allowedCidrs: [],
    rateLimit: null,
    revision: 1,
    secretCiphertext: null,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    ...fields,
  };
}
