/** Domain values → wire shapes (times as ISO 8601 UTC). */
import type { Token } from '../../domain/token.js';
import type { AuditEvent } from '../../audit/index.js';
import type { AccountUser } from '../../accounts/service.js';
import type { TokenDto, AuditEventDto, AccountUserDto } from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function toTokenDto(t: Token, nowMs = Date.now()): TokenDto {
  return {
    id: t.id,
    accountId: t.accountId,
    kind: t.kind,
    accountSid: t.accountSid,
    name: t.name,
    description: t.description,
    apiVersion: t.apiVersion,
    primaryContactUserId: t.primaryContactUserId,
    developerEmails: t.developerEmails,
    scopes: t.scopes,
    state: t.state,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
    lastUsedIp: t.lastUsedIp,
    expiresAt: isoOrNull(t.expiresAt),
    notBefore: isoOrNull(t.notBefore),
    allowedCidrs: t.allowedCidrs,
    rateLimit: t.rateLimit,
    graceExpiresAt: t.graceExpiresAt !== null && t.graceExpiresAt > nowMs ? iso(t.graceExpiresAt) : null,
  };
}

export function toEventDto(e: AuditEvent): AuditEventDto {
  return { ...e, at: iso(e.at) };
}

export function toAccountUserDto(u: AccountUser): AccountUserDto {
  return { ...u, lastSignInAt: isoOrNull(u.lastSignInAt) };
}

export { iso, isoOrNull };
