/**
 * The verification vocabulary: the answer codes and their HTTP statuses, and the request-shape rules the
 * verifier applies before it looks at a token (which API version a request names, where the Account SID sits
 * in a path, which paths are refused outright). Pure functions, no I/O.
 */
import { type Catalog, splitPath } from './catalog.js';

/** In order of precedence: a 401 beats every 403, a 403 beats a 429. */
export const VERIFICATION_CODES = [
  'ALLOWED',
  'INVALID_CREDENTIALS',
  'API_ACCESS_DISABLED',
  'TOKEN_DISABLED',
  'TOKEN_EXPIRED',
  'TOKEN_NOT_YET_VALID',
  'IP_NOT_ALLOWED',
  'VERSION_UNSUPPORTED',
  'INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
  /** This node cannot tell whether the credentials are still valid (its view is stale and the database is away). */
  'VERIFIER_UNAVAILABLE',
] as const;
export type VerificationCode = (typeof VERIFICATION_CODES)[number];
export type DenialCode = Exclude<VerificationCode, 'ALLOWED'>;

export type VerificationStatus = 200 | 401 | 403 | 429 | 503;

export const STATUS_OF_CODE: Record<VerificationCode, VerificationStatus> = {
  ALLOWED: 200,
  INVALID_CREDENTIALS: 401,
  API_ACCESS_DISABLED: 403,
  TOKEN_DISABLED: 403,
  TOKEN_EXPIRED: 403,
  TOKEN_NOT_YET_VALID: 403,
  IP_NOT_ALLOWED: 403,
  VERSION_UNSUPPORTED: 403,
  INSUFFICIENT_SCOPE: 403,
  RATE_LIMITED: 429,
  VERIFIER_UNAVAILABLE: 503,
};

/** What an API client reads. The 401 message never says which part was wrong: that would help guessing. */
export const MESSAGE_OF_CODE: Record<VerificationCode, string> = {
  ALLOWED: 'Allowed.',
  INVALID_CREDENTIALS: 'Missing or invalid credentials. Send Authorization: Basic base64(AccountSID:AuthToken), with the same Account SID in the path.',
  API_ACCESS_DISABLED: 'API access is disabled for this account.',
  TOKEN_DISABLED: 'This API access token is disabled.',
  TOKEN_EXPIRED: 'This API access token has expired.',
  TOKEN_NOT_YET_VALID: 'This API access token is not valid yet.',
  IP_NOT_ALLOWED: "This API access token may not be used from this IP address.",
  VERSION_UNSUPPORTED: 'The requested API version is not supported.',
  INSUFFICIENT_SCOPE: 'This API access token does not have the scope this endpoint needs.',
  RATE_LIMITED: 'Rate limit exceeded. Retry after the number of seconds in Retry-After.',
  VERIFIER_UNAVAILABLE: 'The credentials cannot be checked right now. Retry after the number of seconds in Retry-After.',
};

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

const IR_VERSION_PARAM = 'irversion=';

/** The value of the `IrVersion` query parameter (any letter case) in a request path, if present. */
export function versionFromQuery(path: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  const query = path.slice(q + 1);
  const lower = query.toLowerCase();
  let at = lower.indexOf(IR_VERSION_PARAM);
  while (at >= 0) {
    if (at === 0 || query[at - 1] === '&') {
      const start = at + IR_VERSION_PARAM.length;
      const end = query.indexOf('&', start);
      const raw = query.slice(start, end < 0 ? undefined : end);
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw; // malformed escapes: not a version, which the caller reports as unsupported
      }
    }
    at = lower.indexOf(IR_VERSION_PARAM, at + 1);
  }
  return undefined;
}

/**
 * The literal path segments that precede `{AccountSID}` in the catalog, e.g. [["advertisers"]] for the brand
 * API. A request under one of these roots carries its Account SID in the next segment.
 */
export function accountSidRoots(catalog: Catalog): string[][] {
  const roots = new Map<string, string[]>();
  for (const scope of catalog.scopesById.values()) {
    const segments = splitPath(scope.path);
    const at = segments.findIndex((s) => s.toLowerCase() === '{accountsid}');
    if (at < 0) continue;
    const root = segments.slice(0, at).map((s) => s.toLowerCase());
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

/** The Account SID a path names (`/Advertisers/{AccountSID}/…`), or undefined when the path names none. */
export function accountSidInPath(path: string, roots: readonly string[][]): string | undefined {
  return accountSidInSegments(splitPath(path), roots);
}

/** The same, for a path already split into segments. */
export function accountSidInSegments(segments: readonly string[], roots: readonly string[][]): string | undefined {
  for (const root of roots) {
    if (segments.length <= root.length) continue;
    let matches = true;
    for (let i = 0; i < root.length && matches; i++) matches = segments[i].length === root[i].length && segments[i].toLowerCase() === root[i];
    if (matches) return segments[root.length];
  }
  return undefined;
}

/**
 * Paths that an upstream could resolve to a different endpoint than the one checked here are refused:
 * dot segments (`/Actions/..`), encoded slashes, dots and backslashes, NUL. Without this rule a
 * `{param}` could swallow `..` and a scope for one endpoint would open another (or another account).
 */
export function isCanonicalPath(path: string): boolean {
  const q = path.indexOf('?');
  const bare = q >= 0 ? path.slice(0, q) : path;
  if (bare.length === 0 || bare.charCodeAt(0) !== 47 /* / */) return false;
  if (bare.includes('\\')) return false;
  if (bare.includes('%') && /%(2e|2f|5c|00)/i.test(bare)) return false;
  // A dot segment always follows a slash, so most paths skip the split.
  if (bare.includes('/.')) for (const segment of bare.split('/')) if (segment === '.' || segment === '..') return false;
  return true;
}
