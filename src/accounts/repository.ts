import type { Executor } from '../store/database.js';
import type { AccountRow, UserRow } from '../store/schema.js';
import type { Role } from '../domain/roles.js';

export interface Account {
  id: string;
  name: string;
  apiAccessEnabled: boolean;
  legacyTokensEnabled: boolean;
  createdAt: number;
}

export const toAccount = (row: AccountRow): Account => ({
  id: row.id,
  name: row.name,
  apiAccessEnabled: Number(row.api_access_enabled) === 1,
  legacyTokensEnabled: Number(row.legacy_tokens_enabled) === 1,
  createdAt: Number(row.created_at),
});

export async function insertAccount(db: Executor, account: { id: string; name: string; createdAt: number }) {
  await db.insertInto('accounts').values({ id: account.id, name: account.name, api_access_enabled: 0, legacy_tokens_enabled: 0, created_at: account.createdAt }).execute();
}

/** `forUpdate` (PostgreSQL only) locks the row until the transaction ends, so check-then-set flag changes serialise. */
export async function findAccount(db: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<Account | undefined> {
  let query = db.selectFrom('accounts').selectAll().where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row && toAccount(row);
}

export async function setAccountFlag(db: Executor, id: string, flag: 'api_access_enabled' | 'legacy_tokens_enabled') {
  await db.updateTable('accounts').set({ [flag]: 1 }).where('id', '=', id).execute();
}

export async function countAccounts(db: Executor): Promise<number> {
  const row = await db.selectFrom('accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertUser(db: Executor, user: { id: string; email: string; name: string; passwordHash: string; createdAt: number }) {
  await db.insertInto('users').values({ id: user.id, email: user.email, name: user.name, password_hash: user.passwordHash, created_at: user.createdAt }).execute();
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
}

export async function findUser(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertMembership(db: Executor, m: { accountId: string; userId: string; role: Role; createdAt: number }) {
  await db.insertInto('memberships').values({ account_id: m.accountId, user_id: m.userId, role: m.role, created_at: m.createdAt }).execute();
}

export async function findRole(db: Executor, userId: string, accountId: string): Promise<Role | undefined> {
  const row = await db.selectFrom('memberships').select('role').where('user_id', '=', userId).where('account_id', '=', accountId).executeTakeFirst();
  return row?.role as Role | undefined;
}

export async function listMemberships(db: Executor, userId: string) {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('accounts', 'accounts.id', 'memberships.account_id')
    .select(['accounts.id as id', 'accounts.name as name', 'memberships.role as role'])
    .where('memberships.user_id', '=', userId)
    .orderBy('accounts.name')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, role: r.role as Role }));
}

export async function listAccountUsers(db: Executor, accountId: string) {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as id', 'users.email as email', 'users.name as name', 'memberships.role as role'])
    .where('memberships.account_id', '=', accountId)
    .orderBy('users.name')
    .execute();
  return rows.map((r) => ({ ...r, role: r.role as Role }));
}

export async function insertSession(db: Executor, s: { idHash: string; userId: string; csrfToken: string; createdAt: number; expiresAt: number }) {
  await db.insertInto('sessions').values({ id_hash: s.idHash, user_id: s.userId, csrf_token: s.csrfToken, created_at: s.createdAt, expires_at: s.expiresAt }).execute();
}

export async function findSession(db: Executor, idHash: string) {
  return db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

export async function deleteSession(db: Executor, idHash: string) {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

export async function deleteExpiredSessions(db: Executor, nowMs: number) {
  await db.deleteFrom('sessions').where('expires_at', '<', nowMs).execute();
}

export async function insertSetupLink(db: Executor, link: { tokenHash: string; expiresAt: number }) {
  await db.insertInto('setup_links').values({ token_hash: link.tokenHash, expires_at: link.expiresAt, used_at: null }).execute();
}

/** Whether the link exists, unused and unexpired (a read: only consumeSetupLink decides who may use it). */
export async function isSetupLinkUsable(db: Executor, tokenHash: string, nowMs: number): Promise<boolean> {
  const row = await db.selectFrom('setup_links').select('token_hash').where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', nowMs).executeTakeFirst();
  return row !== undefined;
}

/** Marks the link used if it is still valid; true when this call won it (so a link works exactly once). */
export async function consumeSetupLink(db: Executor, tokenHash: string, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('setup_links')
    .set({ used_at: nowMs })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setPasswordHash(db: Executor, userId: string, passwordHash: string) {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}
