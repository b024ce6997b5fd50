/** Accounts, users, memberships, sessions and the first-run setup link. */
import { createHash } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { Executor, Store } from '../store/database.js';
import { newId } from '../domain/ids.js';
import { randomOpaqueId } from '../domain/credentials.js';
import { type Role, canManageTokens, isRole, ROLES } from '../domain/roles.js';
import { type Actor, operator } from '../domain/actor.js';
import { SidekeyError, invalidInput, notFound, forbidden, conflict, type FieldError } from '../domain/errors.js';
import { isEmail } from '../domain/token.js';
import { isPublishedPassword } from '../domain/passwords.js';
import type { AuditLog } from '../audit/index.js';
import * as throttle from './throttle.js';
import * as accounts from './repository.js';

export const MIN_PASSWORD_LENGTH = 12;
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

export function validateNewUser(input: NewUserInput): FieldError[] {
  const errors: FieldError[] = [];
  if (!isEmail(input.email.trim())) errors.push({ field: 'email', message: 'must be a valid e-mail address' });
  if (input.password.length < MIN_PASSWORD_LENGTH) errors.push({ field: 'password', message: `must be at least ${MIN_PASSWORD_LENGTH} characters` });
  else if (isPublishedPassword(input.password)) errors.push({ field: 'password', message: 'is an example printed in the documentation: choose your own' });
  if ((input.name ?? '').length > 200) errors.push({ field: 'name', message: 'must be at most 200 characters' });
  return errors;
}

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

  /** Adds a user to an account; an existing user (same e-mail) just gains the membership. */
  async addUser(input: NewUserInput & { accountId: string; role: string }, actor: Actor = operator()): Promise<{ userId: string }> {
    const errors = validateNewUser(input);
    if (!isRole(input.role)) errors.push({ field: 'role', message: `must be one of ${ROLES.join(', ')}` });
    if (errors.length) throw invalidInput(errors);
    const passwordHash = await this.passwords.hash(input.password);
    return this.deps.store.db.transaction().execute(async (trx) => {
      const now = this.now();
      if (!(await accounts.findAccount(trx, input.accountId))) throw notFound('Account');
      const email = input.email.trim().toLowerCase();
      const existing = await accounts.findUserByEmail(trx, email);
      const userId = existing?.id ?? newId('usr');
      if (existing && (await accounts.findRole(trx, userId, input.accountId))) throw conflict(`${email} is already a member of this account.`);
      if (!existing) await accounts.insertUser(trx, { id: userId, email, name: input.name?.trim() || email.split('@')[0], passwordHash, createdAt: now });
      await accounts.insertMembership(trx, { accountId: input.accountId, userId, role: input.role as Role, createdAt: now });
      await this.deps.audit.record(trx, { accountId: input.accountId, actor, action: 'account.user_add', at: now, details: { userId, email, role: input.role } });
      return { userId };
    });
  }

  /**
   * Signs in. The attempt takes its throttle slots (src/accounts/throttle.ts) before the password is checked, so
   * parallel guesses cannot outrun the budget; the error never says which part was wrong.
   */
  async login(email: string, password: string, ip: string): Promise<{ sessionId: string; session: SessionInfo }> {
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
    // Verify against a real hash even for unknown e-mails, so timing does not reveal which accounts exist.
    const ok = await this.passwords.verify(user?.password_hash ?? (await this.dummyHash), password);
    if (!user || !ok) throw new SidekeyError('SIGN_IN_FAILED', 'The e-mail or password is incorrect.');
    await throttle.clear(db, pair.key);
    await throttle.release(db, address);
    const sessionId = randomOpaqueId();
    const session = { userId: user.id, csrfToken: randomOpaqueId(24), expiresAt: now + this.deps.sessionTtlSeconds * 1000 };
    await accounts.insertSession(db, { idHash: sha256(sessionId), ...session, createdAt: now });
    if (Math.random() < 0.05) {
      await accounts.deleteExpiredSessions(db, now);
      await throttle.deleteStale(db, now);
    }
    return { sessionId, session };
  }

  /** Sets a user's password (the demo seeder re-issues the demo passwords on every `--demo` start). */
  async setPassword(userId: string, password: string): Promise<void> {
    const errors = validateNewUser({ email: 'placeholder@example.com', password });
    if (errors.length) throw invalidInput(errors);
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

  async listUsers(actor: Actor, accountId: string) {
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
