/** Secrets at rest: a keyed hash for verification, an AES-256-GCM ciphertext for reveal, keys in a 0600 file or the environment. */
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { hashSecret } from '../../src/domain/credentials.js';
import { keyIdOf, loadKeyRing, open, seal } from '../../src/secrets/keys.js';
import { createTestContext, createTestDatabase, testConfig } from '../support/databases.js';
import { createBrand, describeEachStore, test } from '../support/fixtures.js';

describeEachStore('secrets at rest', {}, (dialect) => {
  test('the row holds the HMAC-SHA256 of the Auth Token and a ciphertext that opens with the master key, never the token itself', async ({ context, brand }) => {
    const { token, authToken } = await context.tokens.create(brand.admin, brand.accountId, { name: 'At rest' });
    const stored = await context.store.db.selectFrom('tokens').selectAll().where('id', '=', token.id).executeTakeFirstOrThrow();
    expect(stored.secret_hash).toBe(hashSecret(authToken, context.keys.hashKey));
    expect(stored.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    const [keyId, iv, tag, body] = stored.secret_ciphertext!.split('.');
    expect(keyId).toBe(context.keys.currentKeyId);
    expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64url')).toHaveLength(16);
    expect(Buffer.from(body, 'base64url')).toHaveLength(authToken.length);
    expect(open(context.keys, stored.secret_ciphertext!)).toBe(authToken);
    expect(JSON.stringify(stored)).not.toContain(authToken);
    expect(JSON.stringify(stored)).not.toContain(authToken.slice(4, 34));
  });

  test('the same token sealed twice gives different ciphertexts (random IV)', ({ context }) => {
    expect(seal(context.keys, 'skt_same')).not.toBe(seal(context.keys, 'skt_same'));
  });

  test('a tampered ciphertext does not open', async ({ context }) => {
    const sealed = seal(context.keys, 'skt_value');
    const [keyId, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    expect(() => open(context.keys, [keyId, iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
  });

  test('SIDEKEY_REVEAL=once keeps no ciphertext, and reveal answers 409 without auditing a reveal', async () => {
    const once = await createTestContext(dialect, { config: { revealMode: 'once' } });
    try {
      const own = await createBrand(once.context);
      const { token, authToken } = await once.context.tokens.create(own.admin, own.accountId, { name: 'Shown once' });
      const stored = await once.context.store.db.selectFrom('tokens').selectAll().where('id', '=', token.id).executeTakeFirstOrThrow();
      expect(stored.secret_ciphertext).toBeNull();
      expect(stored.secret_hash).toBe(hashSecret(authToken, once.context.keys.hashKey));
      await expect(once.context.tokens.revealCredentials(own.admin, own.accountId, token.id)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('SIDEKEY_REVEAL=once') });
      const reset = await once.context.tokens.reset(own.admin, own.accountId, token.id);
      expect((await once.context.store.db.selectFrom('tokens').select('secret_ciphertext').where('id', '=', token.id).executeTakeFirstOrThrow()).secret_ciphertext).toBeNull();
      expect(reset.authToken).not.toBe(authToken);
      const events = await once.context.tokens.events(own.admin, own.accountId, token.id);
      expect(events.map((e) => e.action)).not.toContain('token.reveal');
    } finally {
      await once.close();
    }
  });

  it('master-key rotation: a token sealed under the old key still reveals once that key is listed in SIDEKEY_PREVIOUS_MASTER_KEYS; new secrets use the new key', async () => {
    const db = await createTestDatabase(dialect);
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const hashKey = randomBytes(32);
    let tokenId = '';
    let accountId = '';
    let adminId = '';
    let issued = '';
    const before = await createContext(testConfig(db, { masterKey: oldKey, hashKey }));
    try {
      const own = await createBrand(before);
      ({ accountId } = own);
      adminId = own.admin.userId;
      const created = await before.tokens.create(own.admin, own.accountId, { name: 'Rotated' });
      tokenId = created.token.id;
      issued = created.authToken;
    } finally {
      await before.close();
    }
    const admin = { kind: 'user' as const, userId: adminId };
    const withoutOld = await createContext(testConfig(db, { masterKey: newKey, hashKey }));
    try {
      await expect(withoutOld.tokens.revealCredentials(admin, accountId, tokenId)).rejects.toThrow(/SIDEKEY_PREVIOUS_MASTER_KEYS/);
    } finally {
      await withoutOld.close();
    }
    const after = await createContext(testConfig(db, { masterKey: newKey, previousMasterKeys: [oldKey], hashKey }));
    try {
      expect((await after.tokens.revealCredentials(admin, accountId, tokenId)).authToken).toBe(issued);
      const reset = await after.tokens.reset(admin, accountId, tokenId);
      const stored = await after.store.db.selectFrom('tokens').select('secret_ciphertext').where('id', '=', tokenId).executeTakeFirstOrThrow();
      expect(stored.secret_ciphertext!.split('.')[0]).toBe(keyIdOf(newKey));
      expect((await after.tokens.revealCredentials(admin, accountId, tokenId)).authToken).toBe(reset.authToken);
    } finally {
      await after.close();
      await db.drop();
    }
  });
});

describe('key ring', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidekey-keys-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('without keys in the environment, creates a key file with mode 0600 on first start and reuses it after', () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const first = loadKeyRing({ dataDir });
    const file = join(dataDir, 'sidekey.keys.json');
    expect(first.source).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(Buffer.from(saved.masterKey, 'base64')).toHaveLength(32);
    expect(Buffer.from(saved.hashKey, 'base64')).toHaveLength(32);
    const second = loadKeyRing({ dataDir });
    expect(second.ring.currentKeyId).toBe(first.ring.currentKeyId);
    expect(second.ring.hashKey.equals(first.ring.hashKey)).toBe(true);
    expect(first.ring.hashKey.equals(first.ring.keys.get(first.ring.currentKeyId)!)).toBe(false);
  });

  it('keys from the environment (base64 or hex) are used as given and no key file is written', () => {
    const dataDir = tempDir();
    const master = randomBytes(32);
    const hash = randomBytes(32);
    const config = loadConfig({ DATA_DIR: dataDir, SIDEKEY_MASTER_KEY: master.toString('hex'), SIDEKEY_HASH_KEY: hash.toString('base64') });
    const { ring, source } = loadKeyRing(config);
    expect(source).toBe('environment');
    expect(ring.keys.get(ring.currentKeyId)!.equals(master)).toBe(true);
    expect(ring.hashKey.equals(hash)).toBe(true);
    expect(() => statSync(join(dataDir, 'sidekey.keys.json'))).toThrow();
  });

  it('a key of the wrong size is refused with a message naming the variable, never the key', () => {
    const short = randomBytes(16).toString('base64');
    const problems = () => loadConfig({ SIDEKEY_MASTER_KEY: short, SIDEKEY_HASH_KEY: randomBytes(32).toString('base64'), SIDEKEY_PREVIOUS_MASTER_KEYS: `${randomBytes(32).toString('hex')},${short}` });
    expect(problems).toThrow(/SIDEKEY_MASTER_KEY must be 32 bytes, base64 or hex encoded \(got 16 bytes\)[\s\S]*SIDEKEY_PREVIOUS_MASTER_KEYS must be 32 bytes/);
    expect(() => problems()).toThrow(expect.objectContaining({ message: expect.not.stringContaining(short) }));
  });

  it('a key file with a key of the wrong size is refused with its path', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'sidekey.keys.json'), JSON.stringify({ masterKey: randomBytes(16).toString('base64'), hashKey: randomBytes(32).toString('base64') }));
    expect(() => loadKeyRing({ dataDir })).toThrow(/sidekey\.keys\.json masterKey must be 32 bytes/);
  });

  it('the hash key is independent of the master key, so rotating the master key keeps every hash valid', () => {
    const dataDir = tempDir();
    const hashKey = randomBytes(32);
    const a = loadKeyRing({ dataDir, masterKey: randomBytes(32), hashKey });
    const b = loadKeyRing({ dataDir, masterKey: randomBytes(32), hashKey });
    expect(a.ring.currentKeyId).not.toBe(b.ring.currentKeyId);
    expect(hashSecret('skt_x', a.ring.hashKey)).toBe(hashSecret('skt_x', b.ring.hashKey));
  });
});
