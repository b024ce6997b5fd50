/**
 * The editable state of a token in forms (the create wizard and the token pages), and its translation to the
 * wire's TokenSettingsDto. Dates are whole days in the user's time zone; the server stores instants.
 */
import dayjs from 'dayjs';
import type { CreateTokenDto, TokenDto, TokenSettingsDto } from '../../../../src/http/management/schemas.js';

export interface RateLimitDraft {
  limit: number | string; // NumberInput hands back '' while the field is empty
  windowSeconds: number;
}

export interface TokenDraft {
  name: string;
  description: string;
  apiVersion: number;
  primaryContactUserId: string | null;
  developerEmails: string[];
  scopes: string[];
  /** 'YYYY-MM-DD': the token stops working at the end of this day. */
  expiresOn: string | null;
  allowedCidrs: string[];
  rateLimit: RateLimitDraft | null;
}

export const DEFAULT_RATE_LIMIT: RateLimitDraft = { limit: 1000, windowSeconds: 3600 };

export function emptyDraft(apiVersion: number, primaryContactUserId: string | null): TokenDraft {
  return {
    name: '',
    description: '',
    apiVersion,
    primaryContactUserId,
    developerEmails: [],
    scopes: [],
    expiresOn: null,
    allowedCidrs: [],
    rateLimit: null,
  };
}

export function draftFromToken(token: TokenDto): TokenDraft {
  return {
    name: token.name,
    description: token.description,
    apiVersion: token.apiVersion,
    primaryContactUserId: token.primaryContactUserId,
    developerEmails: token.developerEmails,
    scopes: token.scopes,
    expiresOn: token.expiresAt ? dayjs(token.expiresAt).format('YYYY-MM-DD') : null,
    allowedCidrs: token.allowedCidrs,
    rateLimit: token.rateLimit,
  };
}

export function expiresAtFor(expiresOn: string | null): string | null {
  return expiresOn ? dayjs(expiresOn).endOf('day').toISOString() : null;
}

export function rateLimitFor(draft: RateLimitDraft | null): TokenSettingsDto['rateLimit'] {
  return draft ? { limit: Number(draft.limit), windowSeconds: draft.windowSeconds } : null;
}

/** What the create call sends: the settings the user gave, leaving out the optional ones left empty. */
export function settingsFromDraft(draft: TokenDraft): CreateTokenDto {
  const settings: CreateTokenDto = {
    name: draft.name.trim(),
    description: draft.description.trim(),
    apiVersion: draft.apiVersion,
    developerEmails: draft.developerEmails,
    scopes: draft.scopes,
  };
  if (draft.primaryContactUserId) settings.primaryContactUserId = draft.primaryContactUserId;
  if (draft.expiresOn) settings.expiresAt = expiresAtFor(draft.expiresOn);
  if (draft.allowedCidrs.length > 0) settings.allowedCidrs = draft.allowedCidrs;
  if (draft.rateLimit) settings.rateLimit = rateLimitFor(draft.rateLimit);
  return settings;
}

/** A canary's create call: its name, description and who is alerted; none of a working token's settings. */
export function canaryFromDraft(draft: TokenDraft): CreateTokenDto {
  const settings: CreateTokenDto = { kind: 'canary', name: draft.name.trim(), description: draft.description.trim(), developerEmails: draft.developerEmails };
  if (draft.primaryContactUserId) settings.primaryContactUserId = draft.primaryContactUserId;
  return settings;
}
