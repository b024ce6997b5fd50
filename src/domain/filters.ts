/** What the token list's filters mean, as plain data and predicates the store and the tests both use. */
export const CREATED_ON = ['last7', 'last30', 'older30'] as const;
export type CreatedOnFilter = (typeof CREATED_ON)[number];
export const TOKEN_STATES = ['enabled', 'disabled'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

/** `scoped` means the token list (scoped and canary tokens), `legacy` both legacy pairs (Read/Write and Read-Only). */
export const KIND_FILTERS = ['scoped', 'legacy'] as const;
export type KindFilter = (typeof KIND_FILTERS)[number];

export const isLegacyKind = (kind: string) => kind === 'legacy_rw' || kind === 'legacy_ro';

export interface TokenFilter {
  kind?: KindFilter;
  name?: string;
  createdOn?: CreatedOnFilter;
  state?: TokenState;
}

const DAY_MS = 86_400_000;

/**
 * "Last 7 days" means created at or after now − 7×24h (UTC, to the millisecond); "More than 30 days"
 * is strictly before now − 30×24h, so the three ranges never overlap and last30 ∪ older30 is everything.
 */
export function createdOnRange(filter: CreatedOnFilter, nowMs: number): { fromMs?: number; beforeMs?: number } {
  switch (filter) {
    case 'last7':
      return { fromMs: nowMs - 7 * DAY_MS };
    case 'last30':
      return { fromMs: nowMs - 30 * DAY_MS };
    case 'older30':
      return { beforeMs: nowMs - 30 * DAY_MS };
  }
}

/**
 * How the name filter compares: a name contains a term when its folded form contains the term's folded form.
 * The store keeps every name folded (tokens.name_lower, which the search index covers) and folds the term
 * with this same function, so the SQL and the reference predicate below cannot drift apart. Lower-casing
 * may lengthen a name ('İ' becomes 'i' + U+0307), so the folded form has no length bound.
 */
export function foldName(name: string): string {
  // A lone surrogate (a term cut inside an emoji) reaches the database as U+FFFD: here too, so both agree.
  return name.replace(/[\uD800-\uDFFF]/gu, '\uFFFD').toLowerCase();
}

/** The reference meaning of a filter: the SQL in the store must agree with this (property-tested). */
export function matchesFilter(token: { name: string; state: TokenState; createdAtMs: number; kind?: string }, filter: TokenFilter, nowMs: number): boolean {
  if (filter.kind && token.kind !== undefined && isLegacyKind(token.kind) !== (filter.kind === 'legacy')) return false;
  if (filter.name && !foldName(token.name).includes(foldName(filter.name))) return false;
  if (filter.state && token.state !== filter.state) return false;
  if (filter.createdOn) {
    const { fromMs, beforeMs } = createdOnRange(filter.createdOn, nowMs);
    if (fromMs !== undefined && token.createdAtMs < fromMs) return false;
    if (beforeMs !== undefined && token.createdAtMs >= beforeMs) return false;
  }
  return true;
}

/** Newest first, then id descending: a total order, so cursor pages never skip or repeat. */
export interface ListCursor {
  createdAtMs: number;
  id: string;
}

export function encodeCursor(c: ListCursor): string {
  return Buffer.from(`${c.createdAtMs}.${c.id}`).toString('base64url');
}

export function decodeCursor(text: string): ListCursor | undefined {
  const raw = Buffer.from(text, 'base64url').toString();
  const dot = raw.indexOf('.');
  const createdAtMs = Number(raw.slice(0, dot));
  const id = raw.slice(dot + 1);
  if (dot <= 0 || !Number.isSafeInteger(createdAtMs) || !/^[0-9A-Za-z_-]{1,64}$/.test(id)) return undefined;
  return { createdAtMs, id };
}
