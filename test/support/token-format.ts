/**
 * The Auth Token format written the plain way, as the reference the domain's allocation-free
 * `isWellFormedAuthToken` is held equal to: `skt_`, 36 base62 characters, the last 6 of them the CRC32
 * (zlib's) of everything before them as a big-endian base62 number.
 */
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SHAPE = /^skt_[0-9A-Za-z]{36}$/;

export function isWellFormedAuthTokenReference(value: string): boolean {
  if (!SHAPE.test(value)) return false;
  const written = [...value.slice(34)].reduce((n, digit) => n * 62 + ALPHABET.indexOf(digit), 0);
  return written === crc32(value.slice(0, 34));
}
