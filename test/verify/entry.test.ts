/**
 * How cache entries are made small and cheap to use: what repeats is shared, the entry is its own rate bucket,
 * long scope lists get a set, and a miss reads the token with SQL compiled once per database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { generateAccountSid, generateAuthToken, hashSecret } from '../../src/domain/credentials.js';
import type { Executor } from '../../src/store/database.js';
import { EntryFactory, hasScope, scopeBucket } from '../../src/verify/entry.js';
import { type VerifiableToken, findVerifiableToken } from '../../src/verify/repository.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { brandCatalog, issueToken } from './helpers.js';

const catalog = brandCatalog();
const hashKey = randomBytes(32);

function row(overrides: Partial<VerifiableToken> = {}): VerifiableToken {
  return {
    id: `tok_${generateAuthToken().slice(0, 8)}`,
    accountId: 'acc_1',
    accountSid: generateAccountSid('IR'),
    name: 'Nightly sync',
    kind: 'scoped',
    apiVersion: 14,
    scopes: ['listActions', 'getActionById'],
    state: 'enabled',
    expiresAt: null,
    notBefore: null,
    allowedCidrs: [],
    rateLimit: null,
    secretHash: hashSecret(generateAuthToken(), hashKey),
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    apiAccessEnabled: true,
    ...overrides,
  };
}

describe('cache entries', () => {
  it('tokens with the same scopes share one frozen scope list', () => {
    const entries = new EntryFactory(catalog);
    const a = entries.make(row(), { dropped: false });
    const b = entries.make(row({ scopes: ['listActions', 'getActionById'] }), { dropped: false });
    const c = entries.make(row({ scopes: ['listActions'] }), { dropped: false });
    expect(a.scopes).toBe(b.scopes);
    expect(a.scopes).not.toBe(c.scopes);
    expect(Object.isFrozen(a.scopes)).toBe(true);
  });

  it("an entry is its own token bucket (key and tokenId are the token's id); a scope's own limit gets one bucket, made once", () => {
    const entries = new EntryFactory(catalog);
    const entry = entries.make(row({ rateLimit: { limit: 7, windowSeconds: 60 } }), { dropped: false });
    expect([entry.key, entry.tokenId, entry.limit, entry.windowSeconds]).toEqual([entry.id, entry.id, 7, 60]);
    const rule = { limit: 100, windowSeconds: 86_400 };
    const bucket = scopeBucket(entry, 'exportReport', rule);
    expect(bucket).toEqual({ key: `${entry.id}:exportReport`, tokenId: entry.id, ...rule });
    expect(scopeBucket(entry, 'exportReport', rule)).toBe(bucket);
    expect(scopeBucket(entry, 'listActions', undefined)).toBeUndefined();
  });

  it('a long scope list is searched through a set, a short one directly; both answer the same', () => {
    const entries = new EntryFactory(catalog);
    const many = Array.from({ length: 20 }, (_, i) => `scope${i}`);
    const long = entries.make(row({ scopes: many }), { dropped: false });
    const short = entries.make(row({ scopes: many.slice(0, 3) }), { dropped: false });
    expect(long.scopeSet).toBeInstanceOf(Set);
    expect(short.scopeSet).toBeUndefined();
    for (const scope of many) expect(hasScope(long, scope)).toBe(true);
    expect([hasScope(short, 'scope2'), hasScope(short, 'scope3'), hasScope(long, 'scope20')]).toEqual([true, false, false]);
  });
});

describeEachDialect('the verifier’s token read', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  beforeAll(async () => {
    t = await createTestContext(dialect);
    brand = await createBrand(t.context);
  });
  afterAll(() => t.close());

  it('builds its query once per database, and reads the token with its account’s API access flag', async () => {
    const issued = await issueToken(t.context, brand);
    const db = t.context.store.db;
    let built = 0;
    const counting = {
      selectFrom: (table: 'tokens') => {
        built += 1;
        return db.selectFrom(table);
      },
      executeQuery: db.executeQuery.bind(db),
    } as unknown as Executor;
    const first = await findVerifiableToken(counting, issued.accountSid);
    const again = await findVerifiableToken(counting, issued.accountSid);
    expect(await findVerifiableToken(counting, generateAccountSid('IR'))).toBeUndefined();
    expect(built).toBe(1);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ id: issued.tokenId, accountId: brand.accountId, accountSid: issued.accountSid, scopes: ['getActionById', 'listActions'], state: 'enabled', apiAccessEnabled: true });
  });
});
