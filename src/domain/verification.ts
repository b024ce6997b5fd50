/**
 * The verification vocabulary: the answer codes and their HTTP statuses, and the request-shape rules the
 * verifier applies around a token (which API version a request names, where the Account SID sits in a path).
 * The request target itself is parsed by domain/request-target.ts. Pure functions, no I/O.
 */
import { type Catalog, splitPath } from './catalog.js';

/** In order of precedence: a 401 beats every 403, a 403 beats a 429. */
export const VERIFICATION_CODES = [
  'ALLOWED',
  /** Decided before the credentials are read: the target is one that servers could route differently. */
  'REQUEST_TARGET_REFUSED',
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

/** The status of each code; a malformed target (domain/request-target.ts) is answered 400 instead of 403. */
export type VerificationStatus = 200 | 400 | 401 | 403 | 429 | 503;

export const STATUS_OF_CODE: Record<VerificationCode, Exclude<VerificationStatus, 400>> = {
  ALLOWED: 200,
  REQUEST_TARGET_REFUSED: 403,
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
  REQUEST_TARGET_REFUSED: 'This request target is refused: servers could read it as a different endpoint than the one checked.',
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
