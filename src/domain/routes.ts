/**
 * Which catalog endpoint a request target is: the route table, compiled once per API version.
 *
 * Contract (held equal to the brute-force oracle in test/support/route-oracle.ts by a property test):
 * - a `{param}` matches exactly one segment; a literal segment matches only its catalog spelling;
 * - the most specific template wins: at the first segment where two templates differ, a literal beats a
 *   `{param}`;
 * - when a case-insensitive server would pick another endpoint than a case-sensitive one (a segment that is a
 *   catalog literal in another letter case), the answer is LETTER_CASE_DIFFERS and the request is refused:
 *   Sidekey cannot know which kind of server is behind it.
 * Segments are the canonical ones of domain/request-target.ts.
 */
import { type Catalog, type Scope, isScopeInVersion, splitPath } from './catalog.js';

export interface Route {
  scope: Scope;
  /** Where `{AccountSID}` sits among the segments, or -1 when the template has none. */
  accountSidAt: number;
}

export const LETTER_CASE_DIFFERS = 'LETTER_CASE_DIFFERS';
export type RouteMatch = Route | typeof LETTER_CASE_DIFFERS | undefined;

interface Node {
  literal: Map<string, Node>;
  /** The same children keyed by lower case, to notice a segment that differs from a literal only in case. */
  folded: Map<string, Node>;
  param?: Node;
  route?: Route;
}

const newNode = (): Node => ({ literal: new Map(), folded: new Map() });
const isParam = (segment: string) => segment.startsWith('{') && segment.endsWith('}');
const ACCOUNT_SID_PARAM = '{accountsid}';

export class RouteTable {
  private readonly roots = new Map<string, Node>();

  constructor(scopes: Iterable<Scope>) {
    for (const scope of scopes) {
      let node = this.roots.get(scope.method);
      if (!node) {
        node = newNode();
        this.roots.set(scope.method, node);
      }
      const template = splitPath(scope.path);
      for (const segment of template) {
        if (isParam(segment)) node = node.param ??= newNode();
        else {
          let next = node.literal.get(segment);
          if (!next) {
            if (node.folded.has(segment.toLowerCase())) throw new Error(`catalog: "${scope.path}" has a segment "${segment}" that another template spells in another letter case`);
            next = newNode();
            node.literal.set(segment, next);
            node.folded.set(segment.toLowerCase(), next);
          }
          node = next;
        }
      }
      node.route = { scope, accountSidAt: template.findIndex((s) => s.toLowerCase() === ACCOUNT_SID_PARAM) };
    }
  }

  /** The endpoint an upper-case method and a target's segments name, LETTER_CASE_DIFFERS, or undefined. */
  match(method: string, segments: readonly string[]): RouteMatch {
    const root = this.roots.get(method);
    return root ? resolve(root, segments) : undefined;
  }

  /** Whether some method has this path (the gateway proxies only the platform's paths). */
  knows(segments: readonly string[]): boolean | typeof LETTER_CASE_DIFFERS {
    let differs = false;
    for (const root of this.roots.values()) {
      const found = resolve(root, segments);
      if (found === LETTER_CASE_DIFFERS) differs = true;
      else if (found) return true;
    }
    return differs ? LETTER_CASE_DIFFERS : false;
  }
}

/** Set by `find` when a segment was a catalog literal in another letter case (single-threaded, reset per search). */
let caseVariantSeen = false;

/**
 * The exact-case search, and only when it met a segment that is a literal in another case, the case-folded
 * search too: when both searches take the same branches they agree, so the second is needed only then.
 */
function resolve(root: Node, segments: readonly string[]): RouteMatch {
  caseVariantSeen = false;
  const exact = find(root, segments, 0, false);
  if (!caseVariantSeen) return exact;
  const folded = find(root, segments, 0, true);
  return exact?.scope === folded?.scope ? exact : LETTER_CASE_DIFFERS;
}

function find(node: Node, segments: readonly string[], i: number, foldCase: boolean): Route | undefined {
  if (i === segments.length) return node.route;
  const segment = segments[i];
  let literal: Node | undefined;
  if (node.literal.size > 0) {
    literal = node.literal.get(segment);
    if (!literal) {
      const variant = node.folded.get(segment.toLowerCase());
      if (variant) {
        caseVariantSeen = true;
        if (foldCase) literal = variant;
      }
    }
  }
  if (literal) {
    const hit = find(literal, segments, i + 1, foldCase);
    if (hit) return hit;
  }
  return node.param ? find(node.param, segments, i + 1, foldCase) : undefined;
}

/** One table per API version, built once at start-up. */
export function compileRouteTables(catalog: Catalog): Map<number, RouteTable> {
  const all = [...catalog.scopesById.values()];
  return new Map(catalog.versions.map((v) => [v.version, new RouteTable(all.filter((s) => isScopeInVersion(s, v.version)))]));
}
