import { randomBytes, createHmac } from 'node:crypto';

/**
 * Credential formats.
 * Account SID: 2-letter prefix + 32 base62 characters (≈190 bits), public.
 * Auth Token: `skt_` + 30 base62 random (≈178 bits) + 6 base62 of CRC32 over `skt_`+random.
 * The checksum lets the verifier (and secret scanners) reject a mistyped or invented value with no I/O.
 */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const AUTH_TOKEN_PREFIX = 'skt_';
export const AUTH_TOKEN_RANDOM_LENGTH = 30;
export const CHECKSUM_LENGTH = 6;
export const AUTH_TOKEN_LENGTH = AUTH_TOKEN_PREFIX.length + AUTH_TOKEN_RANDOM_LENGTH + CHECKSUM_LENGTH;
export const SID_BODY_LENGTH = 32;
export const SID_PREFIX_PATTERN = /^[A-Z]{2}$/;

/** Each ASCII code's base62 digit, or -1: one table for every base62 check and decode. */
const DIGIT_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62.length; i++) DIGIT_OF[BASE62.charCodeAt(i)] = i;

/** zlib's CRC32 (IEEE 802.3), byte-wise over ASCII. */
const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}
const crcStep = (crc: number, code: number) => CRC_TABLE[(crc ^ code) & 0xff] ^ (crc >>> 8);

const AUTH_TOKEN_BODY_LENGTH = AUTH_TOKEN_LENGTH - CHECKSUM_LENGTH;

/** Unbiased base62 string: rejection-samples bytes ≥ 248 (62×4) so each character is uniform. */
export function randomBase62(length: number, random: (n: number) => Buffer = randomBytes): string {
  let out = '';
  while (out.length < length) {
    const bytes = random(Math.ceil((length - out.length) * 1.1) + 4);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i];
      if (b < 248) out += BASE62[b % 62];
    }
  }
  return out;
}

export function toBase62Fixed(value: number, width: number): string {
  let n = value >>> 0;
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function isBase62(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || DIGIT_OF[c] < 0) return false;
  }
  return true;
}

/** The 6-character base62 CRC32 an Auth Token ends with, for the (ASCII) body before it. */
export function checksumOf(body: string): string {
  let crc = -1;
  for (let i = 0; i < body.length; i++) crc = crcStep(crc, body.charCodeAt(i));
  return toBase62Fixed((crc ^ -1) >>> 0, CHECKSUM_LENGTH);
}

export function generateAuthToken(): string {
  const body = AUTH_TOKEN_PREFIX + randomBase62(AUTH_TOKEN_RANDOM_LENGTH);
  return body + checksumOf(body);
}

export function generateAccountSid(prefix: string): string {
  if (!SID_PREFIX_PATTERN.test(prefix)) throw new Error(`SID prefix must be two capital letters, got "${prefix}"`);
  return prefix + randomBase62(SID_BODY_LENGTH);
}

/**
 * Format and checksum only: true does not mean the token exists. Computed in place, with no string slice or
 * native call, because the verifier runs it on every request (test/support/token-format.ts is the reference
 * a property test holds it equal to).
 */
export function isWellFormedAuthToken(value: string): boolean {
  if (value.length !== AUTH_TOKEN_LENGTH || !value.startsWith(AUTH_TOKEN_PREFIX)) return false;
  let crc = -1;
  for (let i = 0; i < AUTH_TOKEN_BODY_LENGTH; i++) {
    const code = value.charCodeAt(i);
    if (i >= AUTH_TOKEN_PREFIX.length && (code >= 128 || DIGIT_OF[code] < 0)) return false;
    crc = crcStep(crc, code);
  }
  let written = 0;
  for (let i = AUTH_TOKEN_BODY_LENGTH; i < AUTH_TOKEN_LENGTH; i++) {
    const code = value.charCodeAt(i);
    const digit = code < 128 ? DIGIT_OF[code] : -1;
    if (digit < 0) return false;
    written = written * 62 + digit;
  }
  return written === (crc ^ -1) >>> 0;
}

export function isWellFormedAccountSid(value: string, prefix: string): boolean {
  return value.length === prefix.length + SID_BODY_LENGTH && value.startsWith(prefix) && isBase62(value, prefix.length, value.length);
}

/**
 * The keyed hash verification compares: HMAC-SHA256 of an Auth Token under the server's hash key. Tokens carry
 * ~178 random bits, so a fast keyed hash is the right tool, not a KDF. The store keeps it as hex; the verifier's
 * cache as a 32-character 'binary' (latin1) string, a third of a Buffer's memory.
 */
export function hashSecret(secret: string, key: Buffer, encoding: 'hex' | 'binary' = 'hex'): string {
  return createHmac('sha256', key).update(secret).digest(encoding);
}

/**
 * Whether two secrets (hashes, CSRF tokens, service keys, a remembered Auth Token) are equal, in time that
 * depends only on their lengths: every character is compared, whatever differs first.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** Random identifier for sessions, setup links and the like: 256 bits, URL-safe. */
export function randomOpaqueId(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
