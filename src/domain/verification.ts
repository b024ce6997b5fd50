/**
 * The request-shape rules the verifier applies around a token: which API version a request names, where the
 * Account SID sits in a path. The answer codes are in domain/verification-answers.ts, the request target itself
 * is parsed by domain/request-target.ts. Pure functions, no I/O.
 */
import { type Catalog, splitPath } from './catalog.js';

/**
 * The version a request names (`IR-Version: 13`, `IrVersion=13`, also `v13`), or:
 * undefined when it names none, and NaN when it names something that is not a version at all.
 */
export function parseVersionText(text: string | number | undefined | null): number | undefined {
  if (text === undefined || text === null) return undefined;
  if (typeof text === 'number') return Number.isInteger(text) && text > 0 ? text : NaN;
  const match = /^\s*v?(\d{1,6})\s*$/i.exec(text);
  return match ? Number(match[1]) : text.trim() === '' ? undefined : NaN;
}

/**
 * The literal path segments that precede `{AccountSID}` in the catalog, as the catalog spells them, e.g.
 * [["Advertisers"]] for the brand API. A request under one of these roots carries its Account SID in the next
 * segment.
 */
export function accountSidRoots(catalog: Catalog): string[][] {
  const roots = new Map<string, string[]>();
  for (const scope of catalog.scopesById.values()) {
    const segments = splitPath(scope.path);
    const at = segments.findIndex((s) => s.toLowerCase() === '{accountsid}');
    if (at < 0) continue;
    const root = segments.slice(0, at);
    roots.set(root.join('/'), root);
  }
  return [...roots.values()];
}

/** The first path segments that the catalog's scopes start with, as written (the gateway proxies these). */
export function catalogPathRoots(catalog: Catalog): string[] {
  const roots = new Set<string>();
  for (const scope of catalog.scopesById.values()) {
    const first = splitPath(scope.path)[0];
    if (first && !first.startsWith('{')) roots.add(first);
  }
  return [...roots];
}

/** The Account SID a request target's canonical segments name (`/Advertisers/{AccountSID}/…`), if any. */
export function accountSidInSegments(segments: readonly string[], roots: readonly string[][]): string | undefined {
  for (const root of roots) {
    if (segments.length <= root.length) continue;
    let matches = true;
    for (let i = 0; i < root.length && matches; i++) matches = segments[i] === root[i];
    if (matches) return segments[root.length];
  }
  return undefined;
}
