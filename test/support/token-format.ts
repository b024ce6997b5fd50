/**
 * The Auth Token format written the plain way, as the reference the domain's allocation-free
 * `isWellFormedAuthToken` is held equal to: `skt_`, 36 base62 characters, the last 6 of them the base62
 * CRC32 (zlib's) of everything before them.
 */
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SHAPE = /^skt_[0-9A-Za-z]{36}$/;

/** `value` as a fixed-width, big-endian base62 number of `width` digits. */
export function base62Fixed(value: number, width: number): string {
  let n = value >>> 0;
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function isWellFormedAuthTokenReference(value: string): boolean {
  if (!SHAPE.test(value)) return false;
  return base62Fixed(crc32(value.slice(0, 34)), 6) === value.slice(34);
}
