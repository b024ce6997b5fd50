import type { FieldError } from './errors.js';
import { type Catalog, type RateLimitRule, isSupportedVersion, scopesMissingInVersion } from './catalog.js';
import { parseCidr } from './cidr.js';
import type { TokenState } from './filters.js';
import { LIMITS, isEmail } from './fields.js';
import type { TokenKind } from './verification-answers.js';

export { LIMITS, isEmail };
export { TOKEN_KINDS, type TokenKind } from './verification-answers.js';



/** A token as the service sees it: never the secret itself. Times are epoch milliseconds. */
export interface Token {
  id: string;
  accountId: string;
  kind: TokenKind;
  accountSid: string;
  name: string;
  description: string;
  apiVersion: number;
  primaryContactUserId: string | null;
  developerEmails: string[];
  scopes: string[];
  state: TokenState;
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  expiresAt: number | null;
  notBefore: number | null;
  allowedCidrs: string[];
  rateLimit: RateLimitRule | null;
  /** Until when the secret replaced by the last reset still works (a grace roll), or null. */
  graceExpiresAt: number | null;
  /** Optimistic concurrency: bumped by every write, so a stale write is refused rather than lost. */
  revision: number;
}

/** The fields a user may set on create and edit. Undefined means "not given" (edit keeps the stored value). */
export interface TokenSettingsInput {
  name?: string;
  description?: string;
  apiVersion?: number;
  primaryContactUserId?: string | null;
  developerEmails?: string[];
  scopes?: string[];
  expiresAt?: string | null;
  notBefore?: string | null;
  allowedCidrs?: string[];
  rateLimit?: RateLimitRule | null;
}



// An instant needs its offset (without one, Date.parse reads server-local time) and a real calendar date
// (Date.parse turns 2027-02-31 into 3 March without complaint).
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const isCalendarDate = (y: number, m: number, d: number) => {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};

function parseInstant(value: string | null | undefined, field: string, errors: FieldError[]): number | null | undefined {
  if (value === undefined || value === null) return value;
  const ms = Date.parse(value);
  const parts = ISO_INSTANT.exec(value);
  if (!parts || !isCalendarDate(Number(parts[1]), Number(parts[2]), Number(parts[3])) || Number.isNaN(ms)) {
    errors.push({ field, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2027-01-31T00:00:00Z' });
    return undefined;
  }
  return ms;
}

/** The same fields once validated: trimmed, de-duplicated, and times as epoch milliseconds. */
export type NormalisedSettings = Omit<TokenSettingsInput, 'expiresAt' | 'notBefore'> & { expiresAt?: number | null; notBefore?: number | null };

/**
 * Validates and normalises the editable fields. `effective` is the token as it would be after the change
 * (for rules that span fields: scopes against the version, notBefore before expiresAt, legacy tokens carry no scopes).
 */
export function validateSettings(
  input: TokenSettingsInput,
  context: { catalog: Catalog; kind: TokenKind; apiVersion: number; expiresAt: number | null; notBefore: number | null; nowMs: number; isCreate: boolean },
): { settings: NormalisedSettings; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const out: NormalisedSettings = {};
  if (context.kind === 'canary') errors.push(...canaryRefusals(input));
  if (input.name !== undefined || context.isCreate) {
    const name = (input.name ?? '').trim();
    if (name.length === 0) errors.push({ field: 'name', message: 'is required' });
    else if (name.length > LIMITS.nameMax) errors.push({ field: 'name', message: `must be at most ${LIMITS.nameMax} characters` });
    else out.name = name;
  }
  if (input.description !== undefined) {
    if (input.description.length > LIMITS.descriptionMax) errors.push({ field: 'description', message: `must be at most ${LIMITS.descriptionMax} characters` });
    else out.description = input.description.trim();
  }
  if (input.apiVersion !== undefined) {
    if (!isSupportedVersion(context.catalog, input.apiVersion)) {
      errors.push({ field: 'apiVersion', message: `must be one of ${context.catalog.versions.map((v) => v.version).join(', ')}` });
    } else out.apiVersion = input.apiVersion;
  }
  if (input.primaryContactUserId !== undefined) out.primaryContactUserId = input.primaryContactUserId;
  if (input.developerEmails !== undefined) {
    const emails = [...new Set(input.developerEmails.map((e) => e.trim().toLowerCase()))];
    const bad = emails.filter((e) => !isEmail(e));
    if (bad.length > 0) errors.push({ field: 'developerEmails', message: `not valid e-mail addresses: ${bad.join(', ')}` });
    else if (emails.length > LIMITS.developerEmailsMax) errors.push({ field: 'developerEmails', message: `at most ${LIMITS.developerEmailsMax} addresses` });
    else out.developerEmails = emails;
  }
  if (input.scopes !== undefined) {
    const scopes = [...new Set(input.scopes)];
    if (context.kind !== 'scoped' && scopes.length > 0) errors.push({ field: 'scopes', message: NO_SCOPES[context.kind] });
    else {
      const version = out.apiVersion ?? context.apiVersion;
      const missing = scopesMissingInVersion(context.catalog, scopes, version);
      if (missing.length > 0) errors.push({ field: 'scopes', message: `unknown in API version ${version}: ${missing.join(', ')}` });
      else out.scopes = scopes.sort();
    }
  }
  const expiresAt = parseInstant(input.expiresAt, 'expiresAt', errors);
  const notBefore = parseInstant(input.notBefore, 'notBefore', errors);
  if (expiresAt !== undefined) {
    if (expiresAt !== null && expiresAt <= context.nowMs && input.expiresAt !== undefined) errors.push({ field: 'expiresAt', message: 'must be in the future' });
    else out.expiresAt = expiresAt;
  }
  if (notBefore !== undefined) out.notBefore = notBefore;
  const effectiveExpires = out.expiresAt !== undefined ? out.expiresAt : context.expiresAt;
  const effectiveNotBefore = out.notBefore !== undefined ? out.notBefore : context.notBefore;
  if (effectiveExpires !== null && effectiveNotBefore !== null && effectiveNotBefore >= effectiveExpires) {
    errors.push({ field: 'notBefore', message: 'must be before expiresAt' });
  }
  if (input.allowedCidrs !== undefined) {
    const cidrs = [...new Set(input.allowedCidrs.map((c) => c.trim()).filter((c) => c.length > 0))];
    const bad = cidrs.filter((c) => !parseCidr(c));
    if (bad.length > 0) errors.push({ field: 'allowedCidrs', message: `not valid IPv4/IPv6 addresses or CIDR ranges: ${bad.join(', ')}` });
    else if (cidrs.length > LIMITS.allowedCidrsMax) errors.push({ field: 'allowedCidrs', message: `at most ${LIMITS.allowedCidrsMax} entries` });
    else out.allowedCidrs = cidrs;
  }
  if (input.rateLimit !== undefined) {
    const r = input.rateLimit;
    if (r !== null && (!Number.isInteger(r.limit) || r.limit < 1 || r.limit > LIMITS.rateLimitMax)) {
      errors.push({ field: 'rateLimit.limit', message: `must be an integer from 1 to ${LIMITS.rateLimitMax}` });
    } else if (r !== null && (!Number.isInteger(r.windowSeconds) || r.windowSeconds < 1 || r.windowSeconds > LIMITS.rateWindowMaxSeconds)) {
      errors.push({ field: 'rateLimit.windowSeconds', message: `must be an integer from 1 to ${LIMITS.rateWindowMaxSeconds}` });
    } else out.rateLimit = r === null ? null : { limit: r.limit, windowSeconds: r.windowSeconds };
  }
  return { settings: out, errors };
}

const CANARY_HAS_NONE = 'a canary token never authenticates, so it has';

/** Why a token of each kind but `scoped` carries no scopes. */
const NO_SCOPES: Record<Exclude<TokenKind, 'scoped'>, string> = {
  legacy_rw: 'legacy tokens carry no scopes: Read/Write allows every endpoint, Read-Only every GET',
  legacy_ro: 'legacy tokens carry no scopes: Read/Write allows every endpoint, Read-Only every GET',
  canary: `${CANARY_HAS_NONE} no scopes`,
};

/**
 * A canary never authenticates, so the settings that shape what a token may do mean nothing on one; setting
 * them would suggest it works. Only its name, description and contacts (who is alerted) are set.
 */
function canaryRefusals(input: TokenSettingsInput): FieldError[] {
  const why = CANARY_HAS_NONE;
  const refusals: FieldError[] = [];
  if (input.expiresAt != null) refusals.push({ field: 'expiresAt', message: `${why} no validity window` });
  if (input.notBefore != null) refusals.push({ field: 'notBefore', message: `${why} no validity window` });
  if (input.allowedCidrs !== undefined && input.allowedCidrs.length > 0) refusals.push({ field: 'allowedCidrs', message: `${why} no IP allow-list` });
  if (input.rateLimit != null) refusals.push({ field: 'rateLimit', message: `${why} no rate limit` });
  return refusals;
}

/** Upgrade only moves forward, to a version the catalog lists; the scopes that do not exist there are dropped. */
export function planUpgrade(catalog: Catalog, token: Pick<Token, 'kind' | 'apiVersion' | 'scopes'>, target: number): { errors: FieldError[]; kept: string[]; dropped: string[] } {
  if (token.kind === 'canary') return { errors: [{ field: 'apiVersion', message: `${CANARY_HAS_NONE} no API version to move to` }], kept: [], dropped: [] };
  if (!isSupportedVersion(catalog, target)) return { errors: [{ field: 'apiVersion', message: `must be one of ${catalog.versions.map((v) => v.version).join(', ')}` }], kept: [], dropped: [] };
  if (target <= token.apiVersion) return { errors: [{ field: 'apiVersion', message: `must be newer than the token's version ${token.apiVersion}` }], kept: [], dropped: [] };
  const dropped = scopesMissingInVersion(catalog, token.scopes, target);
  return { errors: [], kept: token.scopes.filter((s) => !dropped.includes(s)), dropped };
}

/** "Copy of X", kept inside the name limit. */
export function duplicateName(name: string): string {
  return `Copy of ${name}`.slice(0, LIMITS.nameMax);
}
