/**
 * The decision for a cached token and a request, as plain functions with no I/O: which secret matched, and
 * then which code the request earns, in a fixed order of precedence (see `authorize`). The verifier wraps these
 * with the cache, the rate limiter and the usage recorder.
 */
import { type Catalog, type Scope, isSupportedVersion } from '../domain/catalog.js';
import { cidrContains } from '../domain/cidr.js';
import { constantTimeEqual, hashSecret } from '../domain/credentials.js';
import { type RequestTarget, excerpt } from '../domain/request-target.js';
import { LETTER_CASE_DIFFERS, type RouteTable, compileRouteTables } from '../domain/routes.js';
import { accountSidInSegments, accountSidRoots, parseVersionText } from '../domain/verification.js';
import type { DenialCode } from '../domain/verification-answers.js';
import { type TokenFacts, hasScope } from './entry.js';

/** The catalog, prepared once for matching. */
export interface CatalogRules {
  catalog: Catalog;
  routes: Map<number, RouteTable>;
  accountRoots: string[][];
}

export function prepareCatalog(catalog: Catalog): CatalogRules {
  return { catalog, routes: compileRouteTables(catalog), accountRoots: accountSidRoots(catalog) };
}

export interface RequestFacts {
  method: string;
  /** `IR-Version` header or the `apiVersion` field of POST /v1/verify; the `IrVersion` query parameter is read from the target. */
  apiVersion?: string | number;
  ip?: string;
}

// ---- authentication ------------------------------------------------------------------------------------

export type SecretMatch = 'current' | 'previous' | 'none';

/**
 * Which of the token's secrets `authToken` is. A repeat of the last accepted secret is recognised by a
 * constant-time comparison with the memo; anything else pays for the keyed hash, compared in constant time with
 * the current secret's hash while the entry still has it (once the memo holds the current secret, that hash is
 * dropped: a text that is not the memo is not the current secret). The previous secret counts only inside its
 * grace window.
 */
export function matchSecret(entry: TokenFacts, authToken: string, hashKey: Buffer, now: number): SecretMatch {
  if (entry.acceptedAuthToken !== undefined && constantTimeEqual(entry.acceptedAuthToken, authToken)) return 'current';
  const hashed = hashSecret(authToken, hashKey, 'binary');
  if (entry.secretHash !== undefined && constantTimeEqual(hashed, entry.secretHash)) return 'current';
  if (entry.previousSecretHash !== null && now < entry.previousSecretExpiresAt && constantTimeEqual(hashed, entry.previousSecretHash)) return 'previous';
  return 'none';
}

// ---- authorisation ------------------------------------------------------------------------------------

export type Authorization =
  | { code: 'ALLOWED'; apiVersion: number; scope: Scope | undefined; detail?: undefined }
  | { code: DenialCode; apiVersion?: number; scope?: Scope; detail?: { field: string; message: string } };

/** GET and HEAD read the same resource; a scope for GET covers HEAD. */
const scopeMethod = (method: string) => {
  if (method === 'GET') return method;
  const upper = method.toUpperCase();
  return upper === 'HEAD' ? 'GET' : upper;
};

/**
 * The code for an authenticated request: the first refusal in this order, the path's SID (401), then account
 * access, state, validity window, IP, version, the endpoint and its scope (403). Rate limits come after, in the
 * verifier.
 * Every path rule reads the one parsed target: the SID, the endpoint and (through the scope) the rate bucket.
 */
export function authorize(entry: TokenFacts, request: RequestFacts, target: RequestTarget, rules: CatalogRules, now: number): Authorization {
  const segments = target.segments;
  const pathSid = accountSidInSegments(segments, rules.accountRoots);
  if (pathSid !== undefined && pathSid !== entry.accountSid) return otherAccount();
  if (!entry.apiAccessEnabled) return { code: 'API_ACCESS_DISABLED' };
  if (entry.state !== 'enabled') return { code: 'TOKEN_DISABLED' };
  if (entry.expiresAt !== null && now >= entry.expiresAt) return { code: 'TOKEN_EXPIRED' };
  if (entry.notBefore !== null && now < entry.notBefore) return { code: 'TOKEN_NOT_YET_VALID' };
  if (entry.allowedCidrs.length > 0 && !ipAllowed(entry, request.ip)) return { code: 'IP_NOT_ALLOWED' };

  const apiVersion = requestedVersion(request, target) ?? entry.apiVersion;
  if (Number.isNaN(apiVersion) || !isSupportedVersion(rules.catalog, apiVersion)) {
    const listed = rules.catalog.versions.map((v) => v.version).join(', ');
    return { code: 'VERSION_UNSUPPORTED', detail: { field: 'IR-Version', message: `must be one of ${listed}` } };
  }
  const method = scopeMethod(request.method);
  const route = rules.routes.get(apiVersion)!.match(method, segments);
  if (route === LETTER_CASE_DIFFERS) {
    return { code: 'REQUEST_TARGET_REFUSED', apiVersion, detail: { field: 'path', message: "A path segment differs from the catalog's spelling only in letter case; servers disagree on which endpoint that is." } };
  }
  if (route !== undefined && route.accountSidAt >= 0 && segments[route.accountSidAt] !== entry.accountSid) return otherAccount();
  const scope = route?.scope;
  const kind = entry.kind;
  if (kind === 'legacy_rw' || kind === 'legacy_ro') {
    // Account-wide, never path-blind: only the catalog's endpoints, under the token's own Account SID.
    if (route === undefined || route.accountSidAt < 0) {
      return { code: 'INSUFFICIENT_SCOPE', apiVersion, detail: { field: 'path', message: `Legacy account tokens reach only the catalog's endpoints under their own Account SID, not ${method} ${excerpt(target.path)}.` } };
    }
    if (kind === 'legacy_rw' || method === 'GET') return { code: 'ALLOWED', apiVersion, scope };
    return insufficientScope(apiVersion, scope, method, target, 'Read-Only tokens may only call GET endpoints.');
  }
  if (scope && hasScope(entry, scope.id)) return { code: 'ALLOWED', apiVersion, scope };
  return insufficientScope(apiVersion, scope, method, target);
}

const otherAccount = (): Authorization => ({ code: 'INVALID_CREDENTIALS', detail: { field: 'path', message: 'The Account SID in the path is not the one in the credentials.' } });

function insufficientScope(apiVersion: number, scope: Scope | undefined, method: string, target: RequestTarget, why?: string): Authorization {
  const message = scope
    ? `${why ? `${why} ` : ''}This endpoint needs the scope "${scope.name}" (${scope.id}): ${scope.method} ${scope.path}.`
    : `No scope of API version ${apiVersion} covers ${method} ${excerpt(target.path)}.`;
  return { code: 'INSUFFICIENT_SCOPE', apiVersion, scope, detail: { field: 'scope', message } };
}

function ipAllowed(entry: TokenFacts, ip: string | undefined): boolean {
  if (!ip) return false;
  for (const cidr of entry.allowedCidrs) if (cidrContains(cidr, ip)) return true;
  return false;
}

/** The version the request names: the header (or verify field) first, then the query parameter. NaN if malformed. */
function requestedVersion(request: RequestFacts, target: RequestTarget): number | undefined {
  const named = parseVersionText(request.apiVersion);
  if (named !== undefined) return named;
  return target.versionParameter === undefined ? undefined : parseVersionText(target.versionParameter);
}
