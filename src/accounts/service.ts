/** Accounts, users, memberships, sessions, the first-run setup link and invite links. */
import { createHash } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { Executor, Store } from '../store/database.js';
import { newId } from '../domain/ids.js';
import { randomOpaqueId } from '../domain/credentials.js';
import { type Role, canManageAccountSettings, canManageTokens, canManageUsers, isRole, ROLES } from '../domain/roles.js';
import { type Actor, operator } from '../domain/actor.js';
import { SidekeyError, invalidInput, notFound, forbidden, conflict, type FieldError } from '../domain/errors.js';
import { passwordProblem } from '../domain/password.js';
import { INVITE_TTL_MS } from '../domain/invites.js';
import { isEmail } from '../domain/token.js';
import type { AuditLog } from '../audit/index.js';
import * as throttle from './throttle.js';
import * as accounts from './repository.js';
import type { AccountUser } from './repository.js';
import type { UserRow } from '../store/schema.js';

export type { AccountUser } from './repository.js';

const SETUP_LINK_TTL_MS = 15 * 60_000;
// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane.
const ARGON = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** "1 minute", "15 minutes": how long a throttled sign-in waits, in the words the sign-in form shows. */
const waitInWords = (ms: number) => {
  const minutes = Math.ceil(ms / 60_000);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
};

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** How passwords are hashed and checked: argon2id, or a wrapper around it (tests count the checks). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a hash it cannot read. */
  verify(hash: string, password: string): Promise<boolean>;
}

export const ARGON2ID: PasswordHasher = {
  hash: (password) => argonHash(password, ARGON),
  verify: (hash, password) => argonVerify(hash, password).catch(() => false),
};

export interface NewUserInput {
  email: string;
  password: string;
  name?: string;
}

const NAME_MAX = 200;
const nameProblem = (name: string | undefined) => ((name ?? '').length > NAME_MAX ? `must be at most ${NAME_MAX} characters` : undefined);

export function validateNewUser(input: { email: string; password?: string; name?: string }): FieldError[] {
  const errors: FieldError[] = [];
  if (!isEmail(input.email.trim())) errors.push({ field: 'email', message: 'must be a valid e-mail address' });
  const password = input.password === undefined ? undefined : passwordProblem(input.password);
  if (password) errors.push({ field: 'password', message: password });
  const name = nameProblem(input.name);
  if (name) errors.push({ field: 'name', message: name });
  return errors;
}

/** A new member: with an initial password, or (`invite`) a one-time link with which they set their own. */
export interface AddUserInput {
  accountId: string;
  email: string;
  role: string;
  name?: string;
  password?: string;
  invite?: boolean;
}

/** What adding a user did: `existing` when the e-mail already had a sign-in (it only gained the membership). */
export interface AddedUser {
  userId: string;
  user: AccountUser;
  existing: boolean;
  invite?: { token: string; expiresAt: number };
}

/** Where a change comes from, for the rule that a password change keeps the session that made it. */
export interface SignedIn {
  actor: Actor & { kind: 'user' };
  sessionId: string;
}

const lastAdministrator = (what: string) =>
  new SidekeyError('LAST_ACCOUNT_ADMINISTRATOR', `${what}: an account needs at least one Account Administrator. Make another user Account Administrator first.`);
const inviteInvalid = () => new SidekeyError('INVITE_LINK_INVALID', 'This invite link is invalid, expired or already used. Ask an Account Administrator of the account for a new one.');

export interface SessionInfo {
  userId: string;
  csrfToken: string;
  expiresAt: number;
}

/** Whether an account may use API tokens at all, and whether its legacy pairs exist. */
export interface ApiSettings {
  apiAccessEnabled: boolean;
  legacyTokensEnabled: boolean;
}

export interface AccountServiceDeps {
  store: Pick<Store, 'db' | 'dialect'>;
  audit: Pick<AuditLog, 'record'>;
  sessionTtlSeconds: number;
  now?: () => number;
  passwords?: PasswordHasher;
}

export class AccountService {
  private readonly passwords: PasswordHasher;
  // A real hash of a random value: unknown e-mails cost the same verify as known ones.
  private readonly dummyHash: Promise<string>;

  constructor(private readonly deps: AccountServiceDeps) {
    this.passwords = deps.passwords ?? ARGON2ID;
    this.dummyHash = this.passwords.hash(randomOpaqueId());
  }

  private now() {
    return this.deps.now?.() ?? Date.now();
  }

  /** The first administrator and their brand account, as `sidekey admin create` and the setup link do. */
  async createAccountWithAdmin(input: NewUserInput & { accountName: string }, actor: Actor = operator()): Promise<{ userId: string; accountId: string }> {
    const errors = validateNewUser(input);
    if (!input.accountName.trim() || input.accountName.length > 200) errors.push({ field: 'accountName', message: 'is required (1-200 characters)' });
    if (errors.length) throw invalidInput(errors);
    const passwordHash = await this.passwords.hash(input.password);
    return this.deps.store.db.transaction().execute(async (trx) => {
      const now = this.now();
      const email = input.email.trim().toLowerCase();
      if (await accounts.findUserByEmail(trx, email)) throw conflict(`A user with e-mail ${email} already exists.`);
      const accountId = newId('acc');
      const userId = newId('usr');
      await accounts.insertAccount(trx, { id: accountId, name: input.accountName.trim(), createdAt: now });
      await accounts.insertUser(trx, { id: userId, email, name: input.name?.trim() || email.split('@')[0], passwordHash, createdAt: now });
      await accounts.insertMembership(trx, { accountId, userId, role: 'account_administrator', createdAt: now });
      await this.deps.audit.record(trx, { accountId, actor, action: 'account.create', at: now, details: { name: input.accountName.trim(), adminUserId: userId } });
      return { userId, accountId };
    });
  }

  async createAccount(name: string, actor: Actor = operator()): Promise<{ accountId: string }> {
    if (!name.trim() || name.length > 200) throw invalidInput([{ field: 'name', message: 'is required (1-200 characters)' }]);
    return this.deps.store.db.transaction().execute(async (trx) => {
      const accountId = newId('acc');
      const now = this.now();
      await accounts.insertAccount(trx, { id: accountId, name: name.trim(), createdAt: now });
      await this.deps.audit.record(trx, { accountId, actor, action: 'account.create', at: now, details: { name: name.trim() } });
      return { accountId };
    });
  }

  /**
   * Adds a user to an account (Account Administrators and the operator). A new user gets the initial password, or
   * with `invite` no password and a one-time link (valid INVITE_TTL_MS) to set one; an existing user (same e-mail)
   * keeps their sign-in and just gains the membership, so neither applies to them.
   */
  async addUser(input: AddUserInput, actor: Actor = operator()): Promise<AddedUser> {
    const errors = validateNewUser(input);
    if (!isRole(input.role)) errors.push({ field: 'role', message: `must be one of ${ROLES.join(', ')}` });
    if (input.invite && input.password !== undefined) errors.push({ field: 'password', message: 'give an initial password or ask for an invite link, not both' });
    if (!input.invite && input.password === undefined) errors.push({ field: 'password', message: 'is required, unless an invite link is asked for' });
    if (errors.length) throw invalidInput(errors);
    const passwordHash = input.password === undefined ? '' : await this.passwords.hash(input.password);
    return this.deps.store.db.transaction().execute(async (trx) => {
      await this.requireUserManager(actor, input.accountId, trx);
      const now = this.now();
      const email = input.email.trim().toLowerCase();
      const existing = await accounts.findUserByEmail(trx, email);
      const userId = existing?.id ?? newId('usr');
      if (existing && (await accounts.findRole(trx, userId, input.accountId))) throw conflict(`${email} is already a member of this account.`);
      if (!existing) await accounts.insertUser(trx, { id: userId, email, name: input.name?.trim() || email.split('@')[0], passwordHash, createdAt: now });
      await accounts.insertMembership(trx, { accountId: input.accountId, userId, role: input.role as Role, createdAt: now });
      let invite: AddedUser['invite'];
      if (input.invite && !existing) {
        invite = { token: randomOpaqueId(), expiresAt: now + INVITE_TTL_MS };
        await accounts.insertInviteLink(trx, { tokenHash: sha256(invite.token), userId, accountId: input.accountId, expiresAt: invite.expiresAt });
      }
      const how = existing ? 'existing' : invite ? 'invite' : 'password';
      await this.deps.audit.record(trx, { accountId: input.accountId, actor, action: 'account.user_add', at: now, details: { userId, email, role: input.role, how } });
      const user = (await accounts.findAccountUser(trx, input.accountId, userId))!;
      return { userId, user, existing: Boolean(existing), ...(invite ? { invite } : {}) };
    });
  }

  /**
   * Changes a member's role. The account row is locked first (PostgreSQL; SQLite has one writer), and the caller's
   * own role and the administrator count are read after it, so concurrent demotions serialise and the last
   * Account Administrator can never be demoted — also not by two administrators demoting each other at once.
   */
  async changeRole(actor: Actor, accountId: string, userId: string, role: string) {
    return this.deps.store.db.transaction().execute(async (trx) => {
      await this.requireUserManager(actor, accountId, trx);
      if (!isRole(role)) throw invalidInput([{ field: 'role', message: `must be one of ${ROLES.join(', ')}` }]);
      const member = await accounts.findAccountUser(trx, accountId, userId);
      if (!member) throw notFound('User');
      if (member.role === role) return member;
      if (member.role === 'account_administrator' && (await accounts.countAdministrators(trx, accountId)) <= 1) throw lastAdministrator(`${member.email} cannot get another role`);
      await accounts.setRole(trx, accountId, userId, role);
      await this.deps.audit.record(trx, { accountId, actor, action: 'account.user_role_change', at: this.now(), details: { userId, email: member.email, from: member.role, to: role } });
      return { ...member, role };
    });
  }

  /**
   * Removes a member from the account (their sign-in stays: they may belong to other accounts) and withdraws their
   * open invite to it. The last Account Administrator cannot be removed; serialised as `changeRole` is.
   */
  async removeUser(actor: Actor, accountId: string, userId: string): Promise<void> {
    await this.deps.store.db.transaction().execute(async (trx) => {
      await this.requireUserManager(actor, accountId, trx);
      const member = await accounts.findAccountUser(trx, accountId, userId);
      if (!member) throw notFound('User');
      if (member.role === 'account_administrator' && (await accounts.countAdministrators(trx, accountId)) <= 1) throw lastAdministrator(`${member.email} cannot be removed`);
      await accounts.deleteMembership(trx, accountId, userId);
      await accounts.deleteInviteLinks(trx, userId, accountId);
      await this.deps.audit.record(trx, { accountId, actor, action: 'account.user_remove', at: this.now(), details: { userId, email: member.email, role: member.role } });
    });
  }

  /** The signed-in user's own name; the change is audited in each of their accounts, whose users see the name. */
  async updateProfile(actor: Actor & { kind: 'user' }, input: { name: string }) {
    const name = input.name.trim();
    if (!name || input.name.length > NAME_MAX) throw invalidInput([{ field: 'name', message: `is required (1-${NAME_MAX} characters)` }]);
    await this.deps.store.db.transaction().execute(async (trx) => {
      const user = await accounts.findUser(trx, actor.userId);
      if (!user) throw new SidekeyError('UNAUTHENTICATED', 'Your session has ended. Sign in again.');
      if (user.name === name) return;
      await accounts.setUserName(trx, actor.userId, name);
      const at = this.now();
      for (const account of await accounts.listMemberships(trx, actor.userId)) {
        await this.deps.audit.record(trx, { accountId: account.id, actor, action: 'user.profile_update', at, details: { userId: actor.userId, from: user.name, to: name } });
      }
    });
    return this.me(actor.userId);
  }

  /**
   * Changes the signed-in user's password, given the current one (throttled as a sign-in is, so a stolen session
   * cannot guess it faster). Every other session of the user ends; the one making the change stays.
   */
  async changePassword({ actor, sessionId }: SignedIn, input: { currentPassword: string; newPassword: string }): Promise<{ otherSessionsEnded: number }> {
    const problem = passwordProblem(input.newPassword);
    if (problem) throw invalidInput([{ field: 'newPassword', message: problem }]);
    const user = await accounts.findUser(this.deps.store.db, actor.userId);
    if (!user) throw new SidekeyError('UNAUTHENTICATED', 'Your session has ended. Sign in again.');
    if (!(await this.checkPassword(user.email, input.currentPassword, actor.ip ?? ''))) {
      throw invalidInput([{ field: 'currentPassword', message: 'is not your current password' }], 'The current password is incorrect.', 'CURRENT_PASSWORD_INCORRECT');
    }
    const passwordHash = await this.passwords.hash(input.newPassword);
    return this.deps.store.db.transaction().execute(async (trx) => {
      await accounts.setPasswordHash(trx, actor.userId, passwordHash);
      const otherSessionsEnded = await accounts.deleteOtherSessions(trx, actor.userId, sha256(sessionId));
      const at = this.now();
      for (const account of await accounts.listMemberships(trx, actor.userId)) {
        await this.deps.audit.record(trx, { accountId: account.id, actor, action: 'user.password_change', at, details: { userId: actor.userId, otherSessionsEnded } });
      }
      return { otherSessionsEnded };
    });
  }

  /**
   * An operator sets a user's password (`sidekey user password`: a forgotten one, or an invite that never arrived).
   * Every session of the user ends and their open invites are withdrawn; audited in each of their accounts.
   */
  async resetPassword(email: string, password: string, actor: Actor = operator()): Promise<{ userId: string; sessionsEnded: number }> {
    const problem = passwordProblem(password);
    if (problem) throw invalidInput([{ field: 'password', message: problem }]);
    const passwordHash = await this.passwords.hash(password);
    return this.deps.store.db.transaction().execute(async (trx) => {
      const user = await accounts.findUserByEmail(trx, email.trim());
      if (!user) throw notFound('User');
      await accounts.setPasswordHash(trx, user.id, passwordHash);
      const sessionsEnded = await accounts.deleteOtherSessions(trx, user.id, '');
      await accounts.deleteInviteLinks(trx, user.id);
      const at = this.now();
      for (const account of await accounts.listMemberships(trx, user.id)) {
        await this.deps.audit.record(trx, { accountId: account.id, actor, action: 'user.password_change', at, details: { userId: user.id, otherSessionsEnded: sessionsEnded } });
      }
      return { userId: user.id, sessionsEnded };
    });
  }

  /** Whom a valid invite link is for (the invite page shows it before asking for a password). */
  async inviteState(token: string): Promise<{ state: 'valid'; email: string; name: string; accountName: string } | { state: 'invalid' }> {
    const link = await accounts.findInviteLink(this.deps.store.db, sha256(token), this.now());
    if (!link) return { state: 'invalid' };
    return { state: 'valid', email: link.email, name: link.name, accountName: link.accountName };
  }

  /**
   * Sets an invited user's password from their one-time link. The link is consumed first, so two racing
   * submissions cannot both set one; every other invite of the user ends with it (a password is set once this way).
   */
  async acceptInvite(token: string, input: { password: string; name?: string }): Promise<{ email: string }> {
    const errors: FieldError[] = [];
    const password = passwordProblem(input.password);
    if (password) errors.push({ field: 'password', message: password });
    const name = nameProblem(input.name);
    if (name) errors.push({ field: 'name', message: name });
    if (errors.length) throw invalidInput(errors);
    const passwordHash = await this.passwords.hash(input.password);
    return this.deps.store.db.transaction().execute(async (trx) => {
      const now = this.now();
      const link = await accounts.findInviteLink(trx, sha256(token), now);
      if (!link || !(await accounts.consumeInviteLink(trx, sha256(token), now))) throw inviteInvalid();
      const user = await accounts.findUser(trx, link.userId);
      if (user?.password_hash !== '') throw inviteInvalid();
      await accounts.setPasswordHash(trx, link.userId, passwordHash);
      if (input.name?.trim()) await accounts.setUserName(trx, link.userId, input.name.trim());
      await accounts.deleteInviteLinks(trx, link.userId);
      await this.deps.audit.record(trx, { accountId: link.accountId, actor: { kind: 'user', userId: link.userId }, action: 'account.invite_accept', at: now, details: { userId: link.userId, email: link.email } });
      return { email: link.email };
    });
  }

  /**
   * Signs in. The attempt takes its throttle slots (src/accounts/throttle.ts) before the password is checked, so
   * parallel guesses cannot outrun the budget; the error never says which part was wrong.
   */
  async login(email: string, password: string, ip: string): Promise<{ sessionId: string; session: SessionInfo }> {
    const db = this.deps.store.db;
    const user = await this.checkPassword(email, password, ip);
    if (!user) throw new SidekeyError('SIGN_IN_FAILED', 'The e-mail or password is incorrect.');
    const now = this.now();
    const sessionId = randomOpaqueId();
    const session = { userId: user.id, csrfToken: randomOpaqueId(24), expiresAt: now + this.deps.sessionTtlSeconds * 1000 };
    await accounts.insertSession(db, { idHash: sha256(sessionId), ...session, createdAt: now });
    await accounts.setLastSignIn(db, user.id, now);
    if (Math.random() < 0.05) {
      await accounts.deleteExpiredSessions(db, now);
      await throttle.deleteStale(db, now);
    }
    return { sessionId, session };
  }

  /**
   * The user whose password this is, or undefined (wrong password, unknown e-mail, or an invite not accepted yet).
   * The attempt takes its throttle slots before the password is checked and a correct one gives them back.
   */
  private async checkPassword(email: string, password: string, ip: string): Promise<UserRow | undefined> {
    const now = this.now();
    const db = this.deps.store.db;
    const emailKey = email.trim().toLowerCase();
    const pair = await throttle.reserve(db, throttle.pairKey(emailKey, ip), throttle.PAIR, now);
    const address = pair.granted ? await throttle.reserve(db, throttle.addressKey(ip), throttle.ADDRESS, now) : undefined;
    if (!address?.granted) {
      if (address) await throttle.release(db, pair);
      const waitMs = Math.max(1000, (address ? address.retryAt : pair.retryAt) - now);
      throw new SidekeyError('SIGN_IN_THROTTLED', `Too many attempts. Try again in ${waitInWords(waitMs)}.`, [], Math.ceil(waitMs / 1000));
    }
    const user = await accounts.findUserByEmail(db, emailKey);
    // Verify against a real hash even for unknown e-mails and pending invites, so timing does not tell them apart.
    const ok = await this.passwords.verify(user?.password_hash || (await this.dummyHash), password);
    if (!user?.password_hash || !ok) return undefined;
    await throttle.clear(db, pair.key);
    await throttle.release(db, address);
    return user;
  }

  /** Sets a user's password (the demo seeder re-issues the demo passwords on every `--demo` start). */
  async setPassword(userId: string, password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw invalidInput([{ field: 'password', message: problem }]);
    await accounts.setPasswordHash(this.deps.store.db, userId, await this.passwords.hash(password));
  }

  async findUserByEmail(email: string) {
    const row = await accounts.findUserByEmail(this.deps.store.db, email);
    return row && { id: row.id, email: row.email, name: row.name };
  }

  async session(sessionId: string): Promise<SessionInfo | undefined> {
    const row = await accounts.findSession(this.deps.store.db, sha256(sessionId));
    if (!row || Number(row.expires_at) <= this.now()) return undefined;
    return { userId: row.user_id, csrfToken: row.csrf_token, expiresAt: Number(row.expires_at) };
  }

  async logout(sessionId: string): Promise<void> {
    await accounts.deleteSession(this.deps.store.db, sha256(sessionId));
  }

  async me(userId: string) {
    const user = await accounts.findUser(this.deps.store.db, userId);
    if (!user) throw new SidekeyError('UNAUTHENTICATED', 'Your session has ended. Sign in again.');
    return { user: { id: user.id, email: user.email, name: user.name }, accounts: await accounts.listMemberships(this.deps.store.db, userId) };
  }

  /**
   * The gate in front of every account route: not a member → 404 (no existence leak), a member
   * without a token-managing role → 403.
   */
  async requireTokenManager(actor: Actor, accountId: string): Promise<void> {
    if (actor.kind === 'operator') {
      if (!(await accounts.findAccount(this.deps.store.db, accountId))) throw notFound('Account');
      return;
    }
    const role = await accounts.findRole(this.deps.store.db, actor.userId, accountId);
    if (!role) throw notFound('Account');
    if (!canManageTokens(role)) throw forbidden('You need the Account Administrator or Implementation Specialist role to manage API access tokens.');
  }

  /** For account-wide settings (webhooks): an operator, or the account's Account Administrator; other members 403, strangers 404. */
  async requireAccountAdministrator(actor: Actor, accountId: string): Promise<void> {
    if (actor.kind === 'operator') {
      if (!(await accounts.findAccount(this.deps.store.db, accountId))) throw notFound('Account');
      return;
    }
    const role = await accounts.findRole(this.deps.store.db, actor.userId, accountId);
    if (!role) throw notFound('Account');
    if (!canManageAccountSettings(role)) throw forbidden('You need the Account Administrator role to manage webhooks.');
  }

  /**
   * The gate of user management, inside the change's transaction: not a member → 404, a member who is not an
   * Account Administrator → 403. The account row is locked first (PostgreSQL), so what is read after it — the
   * caller's role, the administrator count — cannot change until the transaction ends.
   */
  private async requireUserManager(actor: Actor, accountId: string, trx: Executor): Promise<void> {
    const account = await accounts.findAccount(trx, accountId, { forUpdate: this.deps.store.dialect === 'postgres' });
    if (!account) throw notFound('Account');
    if (actor.kind === 'operator') return;
    const role = await accounts.findRole(trx, actor.userId, accountId);
    if (!role) throw notFound('Account');
    if (!canManageUsers(role)) throw forbidden('You need the Account Administrator role to manage users.');
  }

  /** The account's users with their roles and last sign-in: token managers see them (primary-contact picker, Users page). */
  async listUsers(actor: Actor, accountId: string): Promise<AccountUser[]> {
    await this.requireTokenManager(actor, accountId);
    return accounts.listAccountUsers(this.deps.store.db, accountId);
  }

  /**
   * An account's API settings, read with `trx` when given. With `forUpdate` (PostgreSQL; SQLite has one writer at a
   * time anyway) the row stays locked until that transaction ends, so check-then-set flag changes serialise.
   */
  async apiSettings(accountId: string, options: { trx?: Executor; forUpdate?: boolean } = {}): Promise<ApiSettings | undefined> {
    const account = await accounts.findAccount(options.trx ?? this.deps.store.db, accountId, { forUpdate: options.forUpdate && this.deps.store.dialect === 'postgres' });
    return account && { apiAccessEnabled: account.apiAccessEnabled, legacyTokensEnabled: account.legacyTokensEnabled };
  }

  /** Turns an API setting on, inside the caller's transaction (which also records the event and the change). */
  async enableApiSetting(trx: Executor, accountId: string, setting: keyof ApiSettings): Promise<void> {
    await accounts.setAccountFlag(trx, accountId, setting === 'apiAccessEnabled' ? 'api_access_enabled' : 'legacy_tokens_enabled');
  }

  async isMember(accountId: string, userId: string): Promise<boolean> {
    return (await accounts.findRole(this.deps.store.db, userId, accountId)) !== undefined;
  }

  async hasAnyAccount(): Promise<boolean> {
    return (await accounts.countAccounts(this.deps.store.db)) > 0;
  }

  /** A one-time link (valid 15 minutes) that creates the first administrator; only the hash is stored. */
  async createSetupLink(): Promise<{ token: string; expiresAt: number }> {
    const token = randomOpaqueId();
    const expiresAt = this.now() + SETUP_LINK_TTL_MS;
    await accounts.insertSetupLink(this.deps.store.db, { tokenHash: sha256(token), expiresAt });
    return { token, expiresAt };
  }

  /**
   * What the setup page should offer for this link, checked when it opens: the form (valid), a plain refusal
   * (unknown, expired or used while no account exists), or sign-in (an account exists, so setup has happened).
   */
  async setupLinkState(token: string): Promise<'valid' | 'invalid' | 'already_set_up'> {
    if (await accounts.isSetupLinkUsable(this.deps.store.db, sha256(token), this.now())) return 'valid';
    return (await this.hasAnyAccount()) ? 'already_set_up' : 'invalid';
  }

  async completeSetup(token: string, input: NewUserInput & { accountName: string }): Promise<{ userId: string; accountId: string }> {
    const errors = validateNewUser(input);
    if (!input.accountName?.trim()) errors.push({ field: 'accountName', message: 'is required' });
    if (errors.length) throw invalidInput(errors);
    // Consumed first, so two racing submissions cannot both create an administrator.
    if (!(await accounts.consumeSetupLink(this.deps.store.db, sha256(token), this.now()))) {
      throw new SidekeyError('SETUP_LINK_INVALID', 'This setup link is invalid, expired or already used. Restart the server for a new link, or create the administrator with: npx sidekey admin create');
    }
    return this.createAccountWithAdmin(input, operator('setup-link'));
  }
}
