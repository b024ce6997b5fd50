/**
 * The attacker's world: account A with a scoped token (SCOPED_GRANTS), its legacy Read-Only and Read/Write
 * pair and a sibling token; account B, whose Account SID the attacker writes into paths. Made through the
 * real services on a fresh database that `sidekey serve` processes then open (the env to start them with).
 * Every token here has a limit far above what a run sends, so a 429 never hides an answer.
 */
import { randomBytes } from 'node:crypto';
import { createContext, type Context } from '../../../src/app/context.js';
import { loadConfig } from '../../../src/config.js';
import { createTestDatabase, type DialectName, type TestDatabase } from '../../support/databases.js';
import { createBrand, type Brand } from '../../support/fixtures.js';
import { basic, issueToken, type Issued } from '../../verify/helpers.js';
import { type RunningServer, startSidekey } from '../../support/servers.js';
import { SCOPED_GRANTS, type Sids, type TokenRole } from './corpus.js';
import { brandCatalog } from '../../verify/helpers.js';

export const VERIFY_KEY = 'differential-verify-key-0123456789abcdef';
const HIGH_LIMIT = { limit: 10_000_000, windowSeconds: 3600 };

export interface TokenUnderTest extends Issued {
  role: TokenRole;
  kind: 'scoped' | 'legacy_ro' | 'legacy_rw';
  accountId: string;
  /** `METHOD template` of each granted scope (scoped tokens only). */
  grants: Set<string>;
}

export interface World {
  db: TestDatabase;
  /** For `sidekey serve` on this database (add SIDEKEY_FORWARD_AUTH and the like per process). */
  env: NodeJS.ProcessEnv;
  setup: Context;
  accountA: Brand;
  accountB: Brand;
  tokens: Record<TokenRole, TokenUnderTest>;
  /** A token of account B (its SID is the "other account" in paths) and a second token of account A. */
  other: Issued;
  sibling: Issued;
  sids: Sids;
  close(): Promise<void>;
}

export async function createWorld(dialect: DialectName = 'sqlite'): Promise<World> {
  const db = await createTestDatabase(dialect);
  const env: NodeJS.ProcessEnv = {
    DATA_DIR: db.dataDir,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    SIDEKEY_MASTER_KEY: randomBytes(32).toString('base64'),
    SIDEKEY_HASH_KEY: randomBytes(32).toString('base64'),
    SIDEKEY_VERIFY_KEY: VERIFY_KEY,
    TRUSTED_PROXIES: 'loopback',
  };
  const setup = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
  const accountA = await createBrand(setup, { name: 'Attacker brand' });
  const accountB = await createBrand(setup, { name: 'Victim brand' });
  const catalog = brandCatalog();
  const grants = new Set(SCOPED_GRANTS.map((id) => `${catalog.scopesById.get(id)!.method} ${catalog.scopesById.get(id)!.path}`));

  const scoped = await issueToken(setup, accountA, { name: 'Scoped', scopes: SCOPED_GRANTS, rateLimit: HIGH_LIMIT });
  const sibling = await issueToken(setup, accountA, { name: 'Sibling', scopes: ['listActions'], rateLimit: HIGH_LIMIT });
  const other = await issueToken(setup, accountB, { name: 'Victim', scopes: ['listActions'], rateLimit: HIGH_LIMIT });

  await setup.tokens.enableLegacyTokens(accountA.admin, accountA.accountId);
  const { items } = await setup.tokens.list(accountA.admin, accountA.accountId, { limit: 200 });
  const legacy = async (kind: 'legacy_ro' | 'legacy_rw'): Promise<Issued> => {
    const token = items.find((t) => t.kind === kind);
    if (!token) throw new Error(`enableLegacyTokens made no ${kind} token`);
    await setup.tokens.update(accountA.admin, accountA.accountId, token.id, { rateLimit: HIGH_LIMIT });
    const { accountSid, authToken } = await setup.tokens.revealCredentials(accountA.admin, accountA.accountId, token.id);
    return { tokenId: token.id, accountSid, authToken, authorization: basic(accountSid, authToken) };
  };
  const tokens: Record<TokenRole, TokenUnderTest> = {
    scoped: { ...scoped, role: 'scoped', kind: 'scoped', accountId: accountA.accountId, grants },
    legacyRo: { ...(await legacy('legacy_ro')), role: 'legacyRo', kind: 'legacy_ro', accountId: accountA.accountId, grants: new Set() },
    legacyRw: { ...(await legacy('legacy_rw')), role: 'legacyRw', kind: 'legacy_rw', accountId: accountA.accountId, grants: new Set() },
  };
  const sids: Sids = { own: { scoped: scoped.accountSid, legacyRo: tokens.legacyRo.accountSid, legacyRw: tokens.legacyRw.accountSid }, other: other.accountSid, sibling: sibling.accountSid };
  return {
    db,
    env,
    setup,
    accountA,
    accountB,
    tokens,
    other,
    sibling,
    sids,
    async close() {
      await setup.close();
      await db.drop();
    },
  };
}

/** `sidekey serve` on the world's database; `env` adds to (or overrides) the world's settings. */
export function startWorldSidekey(world: World, env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<RunningServer> {
  return startSidekey({ ...world.env, ...env }, args);
}
