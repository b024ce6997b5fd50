/**
 * Credentials off the wire. Everything here is decided with no I/O: a header that is not Basic/Bearer, a SID
 * or Auth Token of the wrong shape, or an Auth Token whose CRC32 checksum does not match never reaches the
 * cache or the database.
 */
import { AUTH_TOKEN_LENGTH, AUTH_TOKEN_PREFIX, BASE62, CHECKSUM_LENGTH, isWellFormedAccountSid } from '../domain/credentials.js';

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
  return isWellFormedAccountSid(credentials.accountSid, sidPrefix) && hasValidChecksum(credentials.authToken);
}

// ---- the Auth Token's format, checked without allocating ------------------------------------------------

const DIGIT_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62.length; i++) DIGIT_OF[BASE62.charCodeAt(i)] = i;

const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}

const BODY_LENGTH = AUTH_TOKEN_LENGTH - CHECKSUM_LENGTH;

/**
 * The same rule as domain/credentials.ts's isWellFormedAuthToken (`skt_` + base62, the last 6 characters the
 * base62 CRC32 of the rest; a test holds the two equal), computed in place: on this path every string
 * slice and native call shows in the profile. CRC32 here is zlib's (IEEE 802.3), byte-wise over ASCII.
 */
export function hasValidChecksum(token: string): boolean {
  if (token.length !== AUTH_TOKEN_LENGTH || !token.startsWith(AUTH_TOKEN_PREFIX)) return false;
  let crc = -1;
  for (let i = 0; i < BODY_LENGTH; i++) {
    const code = token.charCodeAt(i);
    if (i >= AUTH_TOKEN_PREFIX.length && (code >= 128 || DIGIT_OF[code] < 0)) return false;
    crc = CRC_TABLE[(crc ^ code) & 0xff] ^ (crc >>> 8);
  }
  let written = 0;
  for (let i = BODY_LENGTH; i < AUTH_TOKEN_LENGTH; i++) {
    const code = token.charCodeAt(i);
    const digit = code < 128 ? DIGIT_OF[code] : -1;
    if (digit < 0) return false;
    written = written * 62 + digit;
  }
  return written === (crc ^ -1) >>> 0;
}
