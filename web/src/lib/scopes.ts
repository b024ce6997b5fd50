/**
 * Reading the scope catalog for the UI: which scopes exist in a version, what an upgrade would drop,
 * what an edit adds and removes, and whether a selection is broad enough to deserve a warning.
 */
import type { CatalogDto } from '../../../src/http/management/schemas.js';

export type CatalogCategory = CatalogDto['categories'][number];
export type CatalogScope = CatalogCategory['scopes'][number];
export interface IndexedScope extends CatalogScope {
  category: string;
}

/** The catalog's own rule (src/domain/catalog.ts isScopeInVersion): a scope exists from `since` through `until`. */
export function isAvailableIn(scope: Pick<CatalogScope, 'since' | 'until'>, version: number): boolean {
  return (scope.since === undefined || version >= scope.since) && (scope.until === undefined || version <= scope.until);
}

export function latestVersion(catalog: CatalogDto): number {
  const latest = catalog.versions.find((v) => v.latest) ?? catalog.versions[catalog.versions.length - 1];
  return latest.version;
}

/** Versions a token on `current` may move to: upgrade only goes forward. */
export function newerVersions(catalog: CatalogDto, current: number): number[] {
  return catalog.versions.map((v) => v.version).filter((v) => v > current).sort((a, b) => a - b);
}

export function indexScopes(catalog: CatalogDto): Map<string, IndexedScope> {
  const index = new Map<string, IndexedScope>();
  for (const category of catalog.categories) for (const scope of category.scopes) index.set(scope.id, { ...scope, category: category.name });
  return index;
}

/** The catalog as seen from one API version: categories with only the scopes that exist there, empty ones left out. */
export function categoriesInVersion(catalog: CatalogDto, version: number): CatalogCategory[] {
  return catalog.categories
    .map((category) => ({ ...category, scopes: category.scopes.filter((scope) => isAvailableIn(scope, version)) }))
    .filter((category) => category.scopes.length > 0);
}

/** Scope ids a token would lose by moving to `target` (unknown ids count as dropped, as on the server). */
export function droppedOnUpgrade(catalog: CatalogDto, scopeIds: readonly string[], target: number): string[] {
  const index = indexScopes(catalog);
  return scopeIds.filter((id) => {
    const scope = index.get(id);
    return !scope || !isAvailableIn(scope, target);
  });
}

/** Anything but a read changes data on the platform, so the UI marks it. */
export const isWriteMethod = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());

export function diffScopes(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const was = new Set(before);
  const now = new Set(after);
  return { added: after.filter((id) => !was.has(id)), removed: before.filter((id) => !now.has(id)) };
}

export interface ScopeBreadth {
  selected: number;
  available: number;
  writes: number;
  deletes: number;
  categoriesWithWrites: number;
  broad: boolean;
}

/**
 * A token is "broad" when it can call more than half of the API, or can change data in five or more
 * categories: either way a leak would hurt far beyond one integration, which is what least privilege is about.
 */
export function measureBreadth(catalog: CatalogDto, version: number, scopeIds: readonly string[]): ScopeBreadth {
  const selected = new Set(scopeIds);
  let available = 0;
  let writes = 0;
  let deletes = 0;
  let categoriesWithWrites = 0;
  for (const category of categoriesInVersion(catalog, version)) {
    available += category.scopes.length;
    const chosen = category.scopes.filter((scope) => selected.has(scope.id));
    const chosenWrites = chosen.filter((scope) => isWriteMethod(scope.method));
    writes += chosenWrites.length;
    deletes += chosen.filter((scope) => scope.method.toUpperCase() === 'DELETE').length;
    if (chosenWrites.length > 0) categoriesWithWrites += 1;
  }
  const count = scopeIds.length;
  return { selected: count, available, writes, deletes, categoriesWithWrites, broad: count > available / 2 || categoriesWithWrites >= 5 };
}

/** Case-insensitive match on the scope's name, path, method or id, for the scope search box. */
export function scopeMatches(scope: CatalogScope, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [scope.name, scope.path, scope.method, scope.id].some((text) => text.toLowerCase().includes(q));
}
