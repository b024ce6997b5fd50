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

/** A user of an account as the Users page shows them. `invitePending`: invited, no password set yet. */
export interface AccountUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  lastSignInAt: number | null;
  invitePending: boolean;
}

function accountUsers(db: Executor, accountId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as id', 'users.email as email', 'users.name as name', 'memberships.role as role', 'users.last_sign_in_at as lastSignInAt', 'users.password_hash as passwordHash'])
    .where('memberships.account_id', '=', accountId);
}

const toAccountUser = (r: { id: string; email: string; name: string; role: string; lastSignInAt: number | null; passwordHash: string }): AccountUser => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role as Role,
  lastSignInAt: r.lastSignInAt === null ? null : Number(r.lastSignInAt),
  invitePending: r.passwordHash === '',
});

export async function listAccountUsers(db: Executor, accountId: string): Promise<AccountUser[]> {
  const rows = await accountUsers(db, accountId).orderBy('users.name').orderBy('users.email').execute();
  return rows.map(toAccountUser);
}

export async function findAccountUser(db: Executor, accountId: string, userId: string): Promise<AccountUser | undefined> {
  const row = await accountUsers(db, accountId).where('users.id', '=', userId).executeTakeFirst();
  return row && toAccountUser(row);
}

export async function countAdministrators(db: Executor, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('account_id', '=', accountId)
    .where('role', '=', 'account_administrator')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function setRole(db: Executor, accountId: string, userId: string, role: Role) {
  await db.updateTable('memberships').set({ role }).where('account_id', '=', accountId).where('user_id', '=', userId).execute();
}

export async function deleteMembership(db: Executor, accountId: string, userId: string) {
  await db.deleteFrom('memberships').where('account_id', '=', accountId).where('user_id', '=', userId).execute();
}

export async function setUserName(db: Executor, userId: string, name: string) {
  await db.updateTable('users').set({ name }).where('id', '=', userId).execute();
}

export async function setLastSignIn(db: Executor, userId: string, at: number) {
  await db.updateTable('users').set({ last_sign_in_at: at }).where('id', '=', userId).execute();
}

/** Ends every session of the user but `keepIdHash` (the one making the change); how many ended. */
export async function deleteOtherSessions(db: Executor, userId: string, keepIdHash: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id_hash', '!=', keepIdHash).executeTakeFirst();
  return Number(result.numDeletedRows);
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

/**
 * Marks the first-run link used if it is still valid; true when this call won it (so a link works exactly once).
 * An invite link is never a setup link: it would otherwise create an administrator of a new account.
 */
export async function consumeSetupLink(db: Executor, tokenHash: string, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('setup_links')
    .set({ used_at: nowMs })
    .where('token_hash', '=', tokenHash)
    .where('user_id', 'is', null)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertInviteLink(db: Executor, link: { tokenHash: string; userId: string; accountId: string; expiresAt: number }) {
  await db.insertInto('setup_links').values({ token_hash: link.tokenHash, user_id: link.userId, account_id: link.accountId, expires_at: link.expiresAt, used_at: null }).execute();
}

/** A still-valid invite link, with its user and account (the invite page shows whom it is for). */
export async function findInviteLink(db: Executor, tokenHash: string, nowMs: number) {
  return db
    .selectFrom('setup_links')
    .innerJoin('users', 'users.id', 'setup_links.user_id')
    .innerJoin('accounts', 'accounts.id', 'setup_links.account_id')
    .select(['users.id as userId', 'users.email as email', 'users.name as name', 'accounts.id as accountId', 'accounts.name as accountName'])
    .where('setup_links.token_hash', '=', tokenHash)
    .where('setup_links.used_at', 'is', null)
    .where('setup_links.expires_at', '>', nowMs)
    .executeTakeFirst();
}

/** Marks an invite link used if it is still valid; true when this call won it. */
export async function consumeInviteLink(db: Executor, tokenHash: string, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('setup_links')
    .set({ used_at: nowMs })
    .where('token_hash', '=', tokenHash)
    .where('user_id', 'is not', null)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Withdraws the user's invite links: to one account (they were removed from it), or all (they set a password). */
export async function deleteInviteLinks(db: Executor, userId: string, accountId?: string) {
  let query = db.deleteFrom('setup_links').where('user_id', '=', userId);
  if (accountId) query = query.where('account_id', '=', accountId);
  await query.execute();
}

export async function setPasswordHash(db: Executor, userId: string, passwordHash: string) {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}
