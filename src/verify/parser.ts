/**
 * Credentials off the wire. Everything here is decided with no I/O: a header that is not Basic/Bearer, a SID
 * or Auth Token of the wrong shape, or an Auth Token whose CRC32 checksum does not match never reaches the
 * cache or the database.
 */
import { isWellFormedAccountSid, isWellFormedAuthToken } from '../domain/credentials.js';

export interface Credentials {
  accountSid: string;
  authToken: string;
}

/** Far longer than any real header (Basic of a 34-char SID and a 40-char token is ~106 chars). */
const MAX_HEADER_LENGTH = 512;

/**
 * `Basic base64(SID:Token)` (what impact.com's clients send) or `Bearer SID:Token` (for tools that only
 * speak bearer tokens). The scheme is case-insensitive as RFC 9110 says; anything else is undefined.
 */
export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (!header || header.length > MAX_HEADER_LENGTH) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'basic') return splitPair(Buffer.from(value, 'base64').toString('latin1'));
  if (scheme === 'bearer') return splitPair(value);
  return undefined;
}

function splitPair(pair: string): Credentials | undefined {
  const colon = pair.indexOf(':');
  if (colon <= 0) return undefined;
  return { accountSid: pair.slice(0, colon), authToken: pair.slice(colon + 1) };
}

/** Shape and checksum only: true does not mean the token exists. */
export function isWellFormed(credentials: Credentials, sidPrefix: string): boolean {
  return isWellFormedAccountSid(credentials.accountSid, sidPrefix) && isWellFormedAuthToken(credentials.authToken);
}
