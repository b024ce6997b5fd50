/**
 * The server's two keys: the hash key (HMAC of Auth Tokens for verification; stable for the life of the
 * deployment) and the master key ring (AES-256-GCM encryption of Auth Tokens so permitted users can copy
 * them later). Ciphertexts carry the id of the key that sealed them, so the master key can be rotated:
 * the new key seals, older keys still open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyRing {
  hashKey: Buffer;
  currentKeyId: string;
  keys: Map<string, Buffer>;
}

const KEY_FILE = 'sidekey.keys.json';

export const KEY_BYTES = 32;

/** A key's bytes from its text: 64 hex digits, or base64 (of any length: see `keyProblem`). */
export function keyBytes(text: string): Buffer {
  const trimmed = text.trim();
  return Buffer.from(trimmed, /^[0-9a-fA-F]{64}$/.test(trimmed) ? 'hex' : 'base64');
}

/** Why a text is not a key (never repeating the text), or undefined. */
export function keyProblem(text: string): string | undefined {
  const length = keyBytes(text).length;
  return length === KEY_BYTES ? undefined : `must be ${KEY_BYTES} bytes, base64 or hex encoded (got ${length} bytes)`;
}

function savedKey(text: string, name: string): Buffer {
  const problem = keyProblem(text);
  if (problem) throw new Error(`${name} ${problem}`);
  return keyBytes(text);
}

export const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/** The configured keys when both are given; otherwise from (or newly into) a 0600 key file in DATA_DIR. */
export function loadKeyRing(options: { dataDir: string; masterKey?: Buffer; previousMasterKeys?: readonly Buffer[]; hashKey?: Buffer }): { ring: KeyRing; source: string } {
  let master = options.masterKey;
  let hash = options.hashKey;
  let source = 'environment';
  if (!master || !hash) {
    mkdirSync(options.dataDir, { recursive: true });
    const file = join(options.dataDir, KEY_FILE);
    if (!existsSync(file)) {
      writeFileSync(file, JSON.stringify({ masterKey: randomBytes(KEY_BYTES).toString('base64'), hashKey: randomBytes(KEY_BYTES).toString('base64') }, null, 2), { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { masterKey: string; hashKey: string };
    master ??= savedKey(saved.masterKey, `${file} masterKey`);
    hash ??= savedKey(saved.hashKey, `${file} hashKey`);
    source = file;
  }
  const keys = new Map<string, Buffer>([[keyIdOf(master), master]]);
  for (const old of options.previousMasterKeys ?? []) keys.set(keyIdOf(old), old);
  return { ring: { hashKey: hash, currentKeyId: keyIdOf(master), keys }, source };
}

/** `keyId.iv.tag.ciphertext`, base64url parts. */
export function seal(ring: KeyRing, plaintext: string): string {
  const key = ring.keys.get(ring.currentKeyId)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [ring.currentKeyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function open(ring: KeyRing, sealed: string): string {
  const [keyId, iv, tag, body] = sealed.split('.');
  const key = ring.keys.get(keyId);
  if (!key) throw new Error(`no master key with id ${keyId} is configured (add it to SIDEKEY_PREVIOUS_MASTER_KEYS)`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
