/**
 * The token lifecycle. Every operation: authorise → validate with the domain rules → one transaction that
 * writes the change, its audit event and (when it affects verification) its change-log row, last → publish
 * the change (this node's verifier forgets the token before the call returns; the other nodes read the log).
 * Writes use an optimistic revision check and retry, so concurrent operations never lose an update.
 */
import type { Store, Executor } from '../store/database.js';
import { type Catalog, isScopeInVersion } from '../domain/catalog.js';
import type { Actor } from '../domain/actor.js';
import { actorUserId } from '../domain/actor.js';
import { newId } from '../domain/ids.js';
import { constantTimeEqual, generateAccountSid, generateAuthToken, hashSecret, isWellFormedAuthToken } from '../domain/credentials.js';
import { type ExposureOutcome, exposureActionFor } from '../domain/leak-reports.js';
import { conflict, invalidInput, notFound, type FieldError } from '../domain/errors.js';
import { type TokenFilter, decodeCursor, encodeCursor } from '../domain/filters.js';
import { type Token, type TokenKind, type TokenSettingsInput, LIMITS, duplicateName, planUpgrade, validateSettings } from '../domain/token.js';
import { UPDATABLE_FIELDS } from '../domain/lifecycle-events.js';
import { type KeyRing, open, seal } from '../secrets/keys.js';
import type { AccountService } from '../accounts/service.js';
import type { AuditAction, AuditLog } from '../audit/index.js';
import type { ChangeFeed, LoggedChangeKind } from '../changes/feed.js';
import type { ChangeLog } from '../changes/log.js';
import * as tokens from './repository.js';
import * as exposureRecords from './exposures.js';
import type { Exposure } from './exposures.js';
import type { StoredToken } from './repository.js';

export interface TokenServiceOptions {
  store: Pick<Store, 'db' | 'dialect'>;
  catalog: Catalog;
  keys: KeyRing;
  accounts: Pick<AccountService, 'requireTokenManager' | 'isMember' | 'apiSettings' | 'enableApiSetting'>;
  audit: Pick<AuditLog, 'record' | 'tokenEvents'>;
  changes: Pick<ChangeFeed, 'publish'>;
  changeLog: Pick<ChangeLog, 'append'>;
  sidPrefix: string;
  revealMode: 'retrievable' | 'once';
  now?: () => number;
}

/** Where a leak report found a secret (docs/leak-reports.md). */
export interface ExposureReport {
  /** Who reported it: `github` for the secret-scanning partner program. */
  reporter: string;
  /** The reporter's name for the pattern that matched (GitHub's `type`). */
  reportType: string;
  source: string;
  url: string;
}

export type { Exposure };

/** How many exposures a token page or the token list is shown. */
const EXPOSURES_SHOWN = 100;

export interface IssuedToken {
  token: Token;
  authToken: string;
}

const MAX_WRITE_ATTEMPTS = 8;
const DAY_MS = 86_400_000;

export class TokenService {
  constructor(private readonly deps: TokenServiceOptions) {}

  private now() {
    return this.deps.now?.() ?? Date.now();
  }

  /** A fresh Auth Token with its keyed hash and (unless show-once) its ciphertext. */
  private issueSecret() {
    const authToken = generateAuthToken();
    return {
      authToken,
      secretHash: hashSecret(authToken, this.deps.keys.hashKey),
      secretCiphertext: this.deps.revealMode === 'retrievable' ? seal(this.deps.keys, authToken) : null,
    };
  }

  // ---- account-level API settings ---------------------------------------------------------------------

  async apiSettings(actor: Actor, accountId: string) {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    return (await this.deps.accounts.apiSettings(accountId))!;
  }

  async enableApiAccess(actor: Actor, accountId: string) {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    const change: LoggedChangeKind = { kind: 'account', accountId };
    const changed = await this.deps.store.db.transaction().execute(async (trx) => {
      const account = (await this.deps.accounts.apiSettings(accountId, { trx, forUpdate: true }))!;
      if (account.apiAccessEnabled) return false;
      await this.deps.accounts.enableApiSetting(trx, accountId, 'apiAccessEnabled');
      await this.deps.audit.record(trx, { accountId, actor, action: 'account.api_access_enable', at: this.now() });
      await this.deps.changeLog.append(trx, change, accountId);
      return true;
    });
    if (changed) this.deps.changes.publish(change);
    return this.apiSettings(actor, accountId);
  }

  /** Creates the Read/Write and Read-Only pairs once; calling it again changes nothing. */
  async enableLegacyTokens(actor: Actor, accountId: string) {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    const change: LoggedChangeKind = { kind: 'account', accountId };
    const changed = await this.deps.store.db.transaction().execute(async (trx) => {
      // The account row is locked (PostgreSQL) so that two clicks at once cannot both create the pair.
      const account = await this.requireApiAccess(trx, accountId, { forUpdate: true });
      if (account.legacyTokensEnabled) return false;
      const now = this.now();
      await this.deps.accounts.enableApiSetting(trx, accountId, 'legacyTokensEnabled');
      const existing = new Set((await tokens.findLegacyTokens(trx, accountId)).map((t) => t.kind));
      for (const [kind, name] of [['legacy_rw', 'Read/Write'], ['legacy_ro', 'Read-Only']] as const) {
        if (existing.has(kind)) continue;
        const token = this.newStoredToken(actor, accountId, kind, now, { name, description: kind === 'legacy_rw' ? 'Account-wide access to every endpoint.' : 'Account-wide read access (GET) to every endpoint.' });
        await tokens.insertToken(trx, token);
        await this.deps.audit.record(trx, { accountId, tokenId: token.id, actor, action: 'token.create', at: now, details: { kind, name, accountSid: token.accountSid } });
      }
      await this.deps.audit.record(trx, { accountId, actor, action: 'account.legacy_tokens_enable', at: now });
      await this.deps.changeLog.append(trx, change, accountId);
      return true;
    });
    if (changed) this.deps.changes.publish(change);
    return this.apiSettings(actor, accountId);
  }

  private async requireApiAccess(trx: Executor, accountId: string, options: { forUpdate?: boolean } = {}) {
    const account = (await this.deps.accounts.apiSettings(accountId, { trx, forUpdate: options.forUpdate }))!;
    if (!account.apiAccessEnabled) throw conflict('API access is not enabled for this account. Enable API access first.');
    return account;
  }

  private newStoredToken(actor: Actor, accountId: string, kind: TokenKind, now: number, fields: Partial<StoredToken>): StoredToken & { authToken: string } {
    const { authToken, secretHash, secretCiphertext } = this.issueSecret();
    const token = tokens.freshToken({
      id: newId('tok'),
      accountId,
      kind,
      accountSid: generateAccountSid(this.deps.sidPrefix),
      name: '',
      apiVersion: this.deps.catalog.latestVersion,
      primaryContactUserId: actorUserId(actor),
      createdAt: now,
      createdBy: actorUserId(actor),
      ...fields,
      secretHash,
      secretCiphertext,
    });
    return { ...token, authToken };
  }


  // ---- reading -------------------------------------------------------------------------------------------

  async list(actor: Actor, accountId: string, query: TokenFilter & { cursor?: string; limit?: number }) {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !cursor) throw invalidInput([{ field: 'cursor', message: 'is not a cursor this server issued' }]);
    // HTTP validates the limit; the CLI passes Number(--limit), which may be NaN.
    if (query.limit !== undefined && !Number.isInteger(query.limit)) throw invalidInput([{ field: 'limit', message: 'must be an integer from 1 to 200' }]);
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
    const filter: TokenFilter = { kind: query.kind, name: query.name?.trim() || undefined, createdOn: query.createdOn, state: query.state };
    const page = await tokens.listTokens(this.deps.store.db, this.deps.store.dialect, accountId, filter, cursor, limit + 1, this.now());
    const items = page.slice(0, limit);
    const last = items[items.length - 1];
    return { items: items.map(tokens.publicToken), nextCursor: page.length > limit && last ? encodeCursor({ createdAtMs: last.createdAt, id: last.id }) : null };
  }

  async get(actor: Actor, accountId: string, tokenId: string): Promise<Token> {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    return tokens.publicToken(await this.load(this.deps.store.db, accountId, tokenId));
  }

  private async load(db: Executor, accountId: string, tokenId: string, options: { forUpdate?: boolean } = {}): Promise<StoredToken> {
    const token = await tokens.findToken(db, accountId, tokenId, { forUpdate: options.forUpdate && this.deps.store.dialect === 'postgres' });
    if (!token) throw notFound('Token');
    return token;
  }

  async events(actor: Actor, accountId: string, tokenId: string) {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    await this.load(this.deps.store.db, accountId, tokenId);
    return this.deps.audit.tokenEvents(accountId, tokenId);
  }

  /** The last 30 UTC days of usage counters, one entry per day (zeros included, so charts need no gap-filling). */
  async usage(actor: Actor, accountId: string, tokenId: string) {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    const token = await this.load(this.deps.store.db, accountId, tokenId);
    const today = Math.floor(this.now() / DAY_MS) * DAY_MS;
    const days = Array.from({ length: 30 }, (_, i) => new Date(today - (29 - i) * DAY_MS).toISOString().slice(0, 10));
    const rows = await tokens.readUsage(this.deps.store.db, tokenId, days[0]);
    const byDay = new Map(days.map((day) => [day, { day, allowed: 0, denied: {} as Record<string, number> }]));
    for (const row of rows) {
      const entry = byDay.get(row.day);
      if (!entry) continue;
      if (row.code === 'ALLOWED') entry.allowed += Number(row.count);
      else entry.denied[row.code] = (entry.denied[row.code] ?? 0) + Number(row.count);
    }
    return { days: [...byDay.values()], lastUsedAt: token.lastUsedAt, lastUsedIp: token.lastUsedIp };
  }

  /** The Auth Token in clear, for permitted users; every reveal is audited. */
  async revealCredentials(actor: Actor, accountId: string, tokenId: string) {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    return this.deps.store.db.transaction().execute(async (trx) => {
      const token = await this.load(trx, accountId, tokenId);
      if (!token.secretCiphertext) throw conflict('This deployment shows Auth Tokens only once (SIDEKEY_REVEAL=once). Reset the token to get a new one.');
      await this.deps.audit.record(trx, { accountId, tokenId, actor, action: 'token.reveal', at: this.now() });
      return { accountSid: token.accountSid, authToken: open(this.deps.keys, token.secretCiphertext) };
    });
  }

  // ---- creating ------------------------------------------------------------------------------------------

  /**
   * A scoped token, or (`kind: 'canary'`) a canary: a decoy that never authenticates and alerts its contacts when
   * used (domain/canary.ts). Nothing ever changes a token's kind, so no edit, reset or copy makes a canary work.
   */
  async create(actor: Actor, accountId: string, input: TokenSettingsInput & { kind?: 'scoped' | 'canary' }): Promise<IssuedToken> {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    const now = this.now();
    const { kind = 'scoped', ...fields } = input;
    const { settings, errors } = validateSettings(fields, { catalog: this.deps.catalog, kind, apiVersion: input.apiVersion ?? this.deps.catalog.latestVersion, expiresAt: null, notBefore: null, nowMs: now, isCreate: true });
    await this.checkPrimaryContact(accountId, settings.primaryContactUserId, errors);
    if (errors.length) throw invalidInput(errors);
    return this.deps.store.db.transaction().execute(async (trx) => {
      await this.requireApiAccess(trx, accountId);
      const { authToken, ...token } = this.newStoredToken(actor, accountId, kind, now, stripUndefined(settings));
      await tokens.insertToken(trx, token);
      const details = { name: token.name, accountSid: token.accountSid, apiVersion: token.apiVersion, scopes: token.scopes, ...(kind === 'canary' ? { kind } : {}) };
      await this.deps.audit.record(trx, { accountId, tokenId: token.id, actor, action: 'token.create', at: now, details });
      return { token: tokens.publicToken(token), authToken };
    });
  }

  /** Same access rights and settings, new SID and secret. */
  async duplicate(actor: Actor, accountId: string, tokenId: string): Promise<IssuedToken> {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    return this.deps.store.db.transaction().execute(async (trx) => {
      await this.requireApiAccess(trx, accountId);
      const source = await this.load(trx, accountId, tokenId);
      const now = this.now();
      // The legacy card always holds exactly two pairs, so a legacy copy becomes a scoped token with the same reach;
      // a canary's copy is another canary (a copy never works where its source did not).
      const kind = source.kind === 'canary' ? 'canary' : 'scoped';
      const scopes = source.kind === 'scoped' || source.kind === 'canary' ? source.scopes : legacyEquivalentScopes(this.deps.catalog, source.kind, source.apiVersion);
      const { authToken, ...copy } = this.newStoredToken(actor, accountId, kind, now, {
        name: duplicateName(source.name),
        description: source.description,
        apiVersion: source.apiVersion,
        primaryContactUserId: source.primaryContactUserId,
        developerEmails: source.developerEmails,
        scopes,
        expiresAt: source.expiresAt,
        notBefore: source.notBefore,
        allowedCidrs: source.allowedCidrs,
        rateLimit: source.rateLimit,
      });
      await tokens.insertToken(trx, copy);
      await this.deps.audit.record(trx, { accountId, tokenId: copy.id, actor, action: 'token.duplicate', at: now, details: { sourceTokenId: source.id, name: copy.name, accountSid: copy.accountSid } });
      await this.deps.audit.record(trx, { accountId, tokenId: source.id, actor, action: 'token.duplicate', at: now, details: { copyTokenId: copy.id } });
      return { token: tokens.publicToken(copy), authToken };
    });
  }

  // ---- changing ------------------------------------------------------------------------------------------

  /**
   * Re-reads and re-applies `change` until its write lands on the revision it read (or gives up with 409),
   * writing the audit event and the change-log row in the same transaction, then tells this node's verifier. A
   * change that returns the current token itself as `next` changes nothing: no write, no event, no change row.
   */
  private async mutate<R>(
    actor: Actor,
    accountId: string,
    tokenId: string,
    action: AuditAction,
    change: (current: StoredToken, now: number) => { next: StoredToken | null; details?: Record<string, unknown>; result: (next: StoredToken | null) => R },
  ): Promise<R> {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const outcome = await this.deps.store.db.transaction().execute(async (trx) => {
        // On PostgreSQL, concurrent writers queue on the row lock, so each reads the revision the one before it
        // wrote: without the lock they would all read one revision, all but one would retry, and past
        // MAX_WRITE_ATTEMPTS the rest would be answered 409.
        const current = await this.load(trx, accountId, tokenId, { forUpdate: true });
        const now = this.now();
        const { next, details, result } = change(current, now);
        if (next === current) return { value: result(current), change: undefined };
        const written = next ? await tokens.replaceToken(trx, { ...next, revision: current.revision + 1, updatedAt: now }, current.revision) : await tokens.deleteToken(trx, current.id, current.revision);
        if (!written) return undefined;
        await this.deps.audit.record(trx, { accountId, tokenId, actor, action, at: now, details });
        const logged: LoggedChangeKind = { kind: 'token', tokenId, accountSid: current.accountSid };
        await this.deps.changeLog.append(trx, logged, accountId);
        return { value: result(next ? { ...next, revision: current.revision + 1, updatedAt: now } : null), change: logged as LoggedChangeKind | undefined };
      });
      if (outcome) {
        if (outcome.change) this.deps.changes.publish(outcome.change);
        return outcome.value;
      }
    }
    throw conflict('The token is being changed by someone else right now. Try again.');
  }

  async update(actor: Actor, accountId: string, tokenId: string, input: TokenSettingsInput): Promise<Token> {
    if (input.apiVersion !== undefined) throw invalidInput([{ field: 'apiVersion', message: 'use the upgrade action to move a token to a newer version' }]);
    const errors: FieldError[] = [];
    await this.deps.accounts.requireTokenManager(actor, accountId);
    await this.checkPrimaryContact(accountId, input.primaryContactUserId, errors);
    if (errors.length) throw invalidInput(errors);
    return this.mutate(actor, accountId, tokenId, 'token.update', (current, now) => {
      const { settings, errors: fieldErrors } = validateSettings(input, { catalog: this.deps.catalog, kind: current.kind, apiVersion: current.apiVersion, expiresAt: current.expiresAt, notBefore: current.notBefore, nowMs: now, isCreate: false });
      if (fieldErrors.length) throw invalidInput(fieldErrors);
      const next = { ...current, ...stripUndefined(settings) };
      const changes = diff(current, next);
      return { next: Object.keys(changes).length > 0 ? next : current, details: { changes }, result: (n) => tokens.publicToken(n!) };
    });
  }

  /** New Auth Token; the old one fails from now on, or after `graceSeconds` (Stripe-style roll). */
  async reset(actor: Actor, accountId: string, tokenId: string, options: { graceSeconds?: number } = {}): Promise<IssuedToken> {
    const grace = options.graceSeconds ?? 0;
    if (!Number.isInteger(grace) || grace < 0 || grace > LIMITS.graceSecondsMax) throw invalidInput([{ field: 'graceSeconds', message: `must be an integer from 0 to ${LIMITS.graceSecondsMax} (7 days)` }]);
    let issued = '';
    const token = await this.mutate(actor, accountId, tokenId, 'token.reset', (current, now) => {
      const { authToken, secretHash, secretCiphertext } = this.issueSecret();
      issued = authToken;
      const next: StoredToken = {
        ...current,
        secretHash,
        secretCiphertext,
        previousSecretHash: grace > 0 ? current.secretHash : null,
        previousSecretExpiresAt: grace > 0 ? now + grace * 1000 : null,
      };
      return { next, details: { graceSeconds: grace }, result: (n) => tokens.publicToken(n!) };
    });
    return { token, authToken: issued };
  }

  async upgrade(actor: Actor, accountId: string, tokenId: string, apiVersion: number): Promise<{ token: Token; droppedScopes: string[] }> {
    return this.mutate(actor, accountId, tokenId, 'token.upgrade', (current) => {
      const plan = planUpgrade(this.deps.catalog, current, apiVersion);
      if (plan.errors.length) throw invalidInput(plan.errors);
      const next = { ...current, apiVersion, scopes: plan.kept };
      return { next, details: { from: current.apiVersion, to: apiVersion, droppedScopes: plan.dropped }, result: (n) => ({ token: tokens.publicToken(n!), droppedScopes: plan.dropped }) };
    });
  }

  async setState(actor: Actor, accountId: string, tokenId: string, state: 'enabled' | 'disabled'): Promise<Token> {
    return this.mutate(actor, accountId, tokenId, state === 'enabled' ? 'token.enable' : 'token.disable', (current) => ({
      next: { ...current, state },
      details: { from: current.state, to: state },
      result: (n) => tokens.publicToken(n!),
    }));
  }

  /** The row is gone; its audit history stays (with the name and SID, so it still reads well). */
  async delete(actor: Actor, accountId: string, tokenId: string): Promise<void> {
    await this.mutate(actor, accountId, tokenId, 'token.delete', (current) => ({
      next: null,
      // The contacts too: the lifecycle event of the delete still mails them after the row is gone.
      details: { name: current.name, accountSid: current.accountSid, kind: current.kind, primaryContactUserId: current.primaryContactUserId, developerEmails: current.developerEmails },
      result: () => undefined,
    }));
  }

  // ---- leak reports ---------------------------------------------------------------------------------------

  /**
   * A leak report of `authToken`. Only a full, well-formed Auth Token that is a token's current secret (or its
   * previous one, still in its grace period) counts; anything else (an Account SID alone is public, not a
   * credential) is `unknown` and changes nothing. A new report disables an enabled token through the same write as
   * a UI disable (audited `token.disable`, change-logged, published: every node refuses it at once) and records the
   * exposure (audited `token.expose`, which raises `token.exposed`), all in one transaction. A disabled token is left
   * as it is and its exposure recorded, so whoever would enable it again sees that its secret is public. The same
   * secret reported again at the same URL is `repeated` and changes nothing.
   */
  async reportExposure(authToken: string, report: ExposureReport): Promise<ExposureOutcome> {
    if (!isWellFormedAuthToken(authToken)) return { kind: 'unknown' };
    const secretHash = hashSecret(authToken, this.deps.keys.hashKey);
    const [candidate] = (await tokens.findBySecretHash(this.deps.store.db, secretHash, this.now())).filter((t) => this.holdsSecret(t, secretHash, this.now()));
    if (!candidate) return { kind: 'unknown' };
    const actor: Actor = { kind: 'operator', label: `leak-report:${report.reporter}` };
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const outcome = await this.deps.store.db.transaction().execute(async (trx) => {
        const current = await tokens.findToken(trx, candidate.accountId, candidate.id, { forUpdate: this.deps.store.dialect === 'postgres' });
        const now = this.now();
        // A reset or delete since the lookup: the reported string no longer authenticates.
        if (!current || !this.holdsSecret(current, secretHash, now)) return { value: { kind: 'unknown' } as ExposureOutcome, change: undefined };
        if (await exposureRecords.exposureExists(trx, current.id, secretHash, report.url)) return { value: { kind: 'repeated' } as ExposureOutcome, change: undefined };
        const action = exposureActionFor(current);
        let change: LoggedChangeKind | undefined;
        if (action === 'disabled') {
          if (!(await tokens.replaceToken(trx, { ...current, state: 'disabled', revision: current.revision + 1, updatedAt: now }, current.revision))) return undefined;
          await this.deps.audit.record(trx, { accountId: current.accountId, tokenId: current.id, actor, action: 'token.disable', at: now, details: { from: 'enabled', to: 'disabled', reason: 'exposed' } });
          change = { kind: 'token', tokenId: current.id, accountSid: current.accountSid };
          await this.deps.changeLog.append(trx, change, current.accountId);
        }
        const exposureId = newId('exp');
        await exposureRecords.insertExposure(trx, { id: exposureId, account_id: current.accountId, token_id: current.id, secret_hash: secretHash, reporter: report.reporter, report_type: report.reportType, source: report.source, url: report.url, reported_at: now, action });
        await this.deps.audit.record(trx, { accountId: current.accountId, tokenId: current.id, actor, action: 'token.expose', at: now, details: { exposureId, reporter: report.reporter, reportType: report.reportType, source: report.source, url: report.url, action } });
        return { value: { kind: 'recorded', action } as ExposureOutcome, change };
      });
      if (outcome) {
        if (outcome.change) this.deps.changes.publish(outcome.change);
        return outcome.value;
      }
    }
    throw conflict('The token is being changed by someone else right now. Try again.');
  }

  /** Whether `secretHash` is the token's current secret, or its previous one still in its grace period (constant time). */
  private holdsSecret(token: StoredToken, secretHash: string, nowMs: number): boolean {
    const current = constantTimeEqual(token.secretHash, secretHash);
    const previous = token.previousSecretHash !== null && token.previousSecretExpiresAt !== null && token.previousSecretExpiresAt > nowMs && constantTimeEqual(token.previousSecretHash, secretHash);
    return current || previous;
  }

  /** A token's exposures, newest first. */
  async exposures(actor: Actor, accountId: string, tokenId: string): Promise<Exposure[]> {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    await this.load(this.deps.store.db, accountId, tokenId);
    return exposureRecords.tokenExposures(this.deps.store.db, accountId, tokenId, EXPOSURES_SHOWN);
  }

  /** The account's most recent exposures, newest first: what the token list marks. */
  async accountExposures(actor: Actor, accountId: string): Promise<Exposure[]> {
    await this.deps.accounts.requireTokenManager(actor, accountId);
    return exposureRecords.accountExposures(this.deps.store.db, accountId, EXPOSURES_SHOWN);
  }

  private async checkPrimaryContact(accountId: string, userId: string | null | undefined, errors: FieldError[]) {
    if (userId && !(await this.deps.accounts.isMember(accountId, userId))) errors.push({ field: 'primaryContactUserId', message: 'must be a user of this account' });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}


/** What an edit changed, field by field, for the audit trail ("track change history"). */
export function diff(before: Pick<Token, (typeof UPDATABLE_FIELDS)[number]>, after: Pick<Token, (typeof UPDATABLE_FIELDS)[number]>): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of UPDATABLE_FIELDS) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = { from: before[key], to: after[key] };
  }
  return out;
}

/** Read/Write reaches every endpoint of its version, Read-Only every GET: as explicit scopes, for a duplicate. */
function legacyEquivalentScopes(catalog: Catalog, kind: 'legacy_rw' | 'legacy_ro', version: number): string[] {
  return [...catalog.scopesById.values()].filter((s) => isScopeInVersion(s, version) && (kind === 'legacy_rw' || s.method === 'GET')).map((s) => s.id).sort();
}
