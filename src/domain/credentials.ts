import { randomBytes, createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

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

const base62Index = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62.length; i++) base62Index[BASE62.charCodeAt(i)] = i;

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
    if (c >= 128 || base62Index[c] < 0) return false;
  }
  return true;
}

export function checksumOf(body: string): string {
  return toBase62Fixed(crc32(body), CHECKSUM_LENGTH);
}

export function generateAuthToken(): string {
  const body = AUTH_TOKEN_PREFIX + randomBase62(AUTH_TOKEN_RANDOM_LENGTH);
  return body + checksumOf(body);
}

export function generateAccountSid(prefix: string): string {
  if (!SID_PREFIX_PATTERN.test(prefix)) throw new Error(`SID prefix must be two capital letters, got "${prefix}"`);
  return prefix + randomBase62(SID_BODY_LENGTH);
}

/** Format and checksum only: true does not mean the token exists. */
export function isWellFormedAuthToken(value: string): boolean {
  if (value.length !== AUTH_TOKEN_LENGTH || !value.startsWith(AUTH_TOKEN_PREFIX)) return false;
  if (!isBase62(value, AUTH_TOKEN_PREFIX.length, AUTH_TOKEN_LENGTH)) return false;
  const split = AUTH_TOKEN_LENGTH - CHECKSUM_LENGTH;
  return checksumOf(value.slice(0, split)) === value.slice(split);
}

export function isWellFormedAccountSid(value: string, prefix: string): boolean {
  return value.length === prefix.length + SID_BODY_LENGTH && value.startsWith(prefix) && isBase62(value, prefix.length, value.length);
}

/** Keyed hash used for verification. Tokens carry ~178 random bits, so a fast keyed hash is the right tool, not a KDF. */
export function hashSecret(secret: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(secret).digest();
}

export function secretMatches(secret: string, expectedHash: Buffer, key: Buffer): boolean {
  const actual = hashSecret(secret, key);
  return actual.length === expectedHash.length && timingSafeEqual(actual, expectedHash);
}

/** Random identifier for sessions, setup links and the like: 256 bits, URL-safe. */
export function randomOpaqueId(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
