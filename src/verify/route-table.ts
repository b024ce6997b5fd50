/**
 * The catalog's routes compiled for the hot path. Same rules as domain/catalog.ts's ScopeMatcher (the most
 * specific template wins: a literal segment, compared case-insensitively, beats a `{param}`; `{param}` matches
 * one segment) — a test holds the two equal on every catalog path — but it works on a path split once, which
 * the verifier also reads the Account SID from, and tries the literal as written before lower-casing it.
 */
import { type Catalog, type Scope, isScopeInVersion, splitPath } from '../domain/catalog.js';

interface Node {
  /** Literal segments as the catalog writes them (clients mostly use the same case)… */
  exact: Map<string, Node>;
  /** …and lower-cased, for everything else. */
  folded: Map<string, Node>;
  param?: Node;
  scope?: Scope;
}

const newNode = (): Node => ({ exact: new Map(), folded: new Map() });
const isParam = (segment: string) => segment.startsWith('{') && segment.endsWith('}');

/** A request path's segments (query string dropped, empty segments skipped, as splitPath does). */
export function pathSegments(path: string): string[] {
  const q = path.indexOf('?');
  const parts = (q >= 0 ? path.slice(0, q) : path).split('/');
  // The leading slash yields one empty segment; only unusual paths (`//`, trailing `/`) need the filter.
  if (parts.length > 0 && parts[0] === '') parts.shift();
  return parts.includes('') ? parts.filter((s) => s.length > 0) : parts;
}

export class RouteTable {
  private readonly roots = new Map<string, Node>();

  constructor(scopes: Iterable<Scope>) {
    for (const scope of scopes) {
      let node = this.roots.get(scope.method);
      if (!node) this.roots.set(scope.method, (node = newNode()));
      for (const segment of splitPath(scope.path)) {
        if (isParam(segment)) node = node.param ??= newNode();
        else {
          let next = node.folded.get(segment.toLowerCase());
          if (!next) {
            next = newNode();
            node.folded.set(segment.toLowerCase(), next);
          }
          node.exact.set(segment, next);
          node = next;
        }
      }
      node.scope = scope;
    }
  }

  /** True when some method has this path (the gateway proxies only paths of the platform's API). */
  knows(segments: readonly string[]): boolean {
    for (const root of this.roots.values()) if (find(root, segments, 0)) return true;
    return false;
  }

  /** The most specific scope for an upper-case method and a path's segments, or undefined. */
  match(method: string, segments: readonly string[]): Scope | undefined {
    const root = this.roots.get(method);
    return root ? find(root, segments, 0) : undefined;
  }
}

function find(node: Node, segments: readonly string[], i: number): Scope | undefined {
  if (i === segments.length) return node.scope;
  const segment = segments[i];
  const literal = node.folded.size === 0 ? undefined : (node.exact.get(segment) ?? node.folded.get(segment.toLowerCase()));
  if (literal) {
    const hit = find(literal, segments, i + 1);
    if (hit) return hit;
  }
  return node.param ? find(node.param, segments, i + 1) : undefined;
}

/** One table per catalog version. */
export function compileRouteTables(catalog: Catalog): Map<number, RouteTable> {
  const all = [...catalog.scopesById.values()];
  return new Map(catalog.versions.map((v) => [v.version, new RouteTable(all.filter((s) => isScopeInVersion(s, v.version)))]));
}
