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

function decodeKey(text: string, name: string): Buffer {
  const key = Buffer.from(text.trim(), /^[0-9a-fA-F]{64}$/.test(text.trim()) ? 'hex' : 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes, base64 or hex encoded (got ${key.length} bytes)`);
  return key;
}

export const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/** Keys from the environment when given; otherwise from (or newly into) a 0600 key file in DATA_DIR. */
export function loadKeyRing(options: { dataDir: string; masterKey?: string; previousMasterKeys?: string[]; hashKey?: string }): { ring: KeyRing; source: string } {
  let master = options.masterKey ? decodeKey(options.masterKey, 'SIDEKEY_MASTER_KEY') : undefined;
  let hash = options.hashKey ? decodeKey(options.hashKey, 'SIDEKEY_HASH_KEY') : undefined;
  let source = 'environment';
  if (!master || !hash) {
    mkdirSync(options.dataDir, { recursive: true });
    const file = join(options.dataDir, KEY_FILE);
    if (!existsSync(file)) {
      writeFileSync(file, JSON.stringify({ masterKey: randomBytes(32).toString('base64'), hashKey: randomBytes(32).toString('base64') }, null, 2), { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { masterKey: string; hashKey: string };
    master ??= decodeKey(saved.masterKey, `${file} masterKey`);
    hash ??= decodeKey(saved.hashKey, `${file} hashKey`);
    source = file;
  }
  const keys = new Map<string, Buffer>([[keyIdOf(master), master]]);
  for (const old of options.previousMasterKeys ?? []) {
    const key = decodeKey(old, 'SIDEKEY_PREVIOUS_MASTER_KEYS');
    keys.set(keyIdOf(key), key);
  }
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
