/**
 * The audit trail in words: turns one event of the server's trail (src/audit/audit-log.ts, AUDIT_ACTIONS) into a
 * title and a few structured lines the Activity section renders ("Scopes  + GET Retrieve action items",
 * "API version  v13 → v14", "Previous Auth Token valid for 1 hour"). Pure: the catalog and the account's users
 * come in through `AuditContext`, so the same event reads the same in a test and on screen.
 *
 * Unknown actions, fields and shapes still render (a readable label and value), never as raw JSON: the trail
 * outlives UI releases, and an old event must not break a new page.
 */
import type { AuditEventDto } from '../../../src/http/management/schemas.js';
import { formatCount, formatDateTime, formatDuration, pluralize } from './format.js';
import type { IndexedScope } from './scopes.js';

export interface AuditUser {
  name: string;
  email: string;
}

export interface AuditContext {
  /** The catalog by scope id (`indexScopes(catalog)`); without it, scopes show by id. */
  scopes?: ReadonlyMap<string, IndexedScope>;
  /** The account's users by id; without it (still loading), people show as "a user". */
  users?: ReadonlyMap<string, AuditUser>;
  /** The token's current name: a creation event repeats its original name only when it has changed since. */
  currentName?: string;
}

/** One thing in a list: a scope (with its method and where it lives), an e-mail address or an IP range. */
export interface AuditItem {
  text: string;
  method?: string;
  /** Extra detail for a tooltip, e.g. the scope's category and path. */
  hint?: string;
}

export type AuditLine =
  /** "Grace period: Immediate", or a sentence when `label` is absent. */
  | { kind: 'text'; label?: string; text: string }
  /** "Name: “Old” → “New”". */
  | { kind: 'change'; label: string; from: string; to: string }
  /** Items added (+), removed (−) or simply listed; `more` counts those left out to keep the line short. */
  | { kind: 'items'; label: string; sign?: '+' | '−'; items: AuditItem[]; more: AuditItem[] }
  /** Another token (the source or the copy of a duplicate), linked while it exists. */
  | { kind: 'token'; label: string; tokenId: string };

export interface AuditDescription {
  title: string;
  /** Who did it: the user's name, their e-mail, or the operator tool. */
  actor: string;
  lines: AuditLine[];
  /** Subtle metadata: the address the change came from, and the tool for changes made outside the UI. */
  ip?: string;
  via?: string;
}

/** How many items a list shows before "and N more". */
export const MAX_ITEMS = 8;

const ACTION_TITLES: Record<string, string> = {
  'account.create': 'Account created',
  'account.user_add': 'User added',
  'account.api_access_enable': 'API access enabled',
  'account.legacy_tokens_enable': 'Legacy tokens enabled',
  'token.create': 'Created',
  'token.update': 'Settings changed',
  'token.duplicate': 'Duplicated',
  'token.reset': 'Auth Token reset',
  'token.upgrade': 'API version upgraded',
  'token.disable': 'Disabled',
  'token.enable': 'Enabled',
  'token.delete': 'Deleted',
  'token.reveal': 'Auth Token revealed',
  'token.expose': 'Reported leaked',
};

/** A known action's title, or a readable form of any other ("token.some_action" → "Some action"). */
export function describeAction(action: string): string {
  return ACTION_TITLES[action] ?? sentenceCase(action.split('.').pop() ?? action);
}

/** The operator tools that write to the trail (src/domain/actor.ts), as a person would name them. */
const VIA_LABELS: Record<string, string> = { cli: 'CLI', demo: 'demo data', 'setup-link': 'first-run setup', 'leak-report:github': 'GitHub secret scanning' };

/** Field labels for `token.update` changes, in the order the token's pages show them. */
const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  description: 'Description',
  primaryContactUserId: 'Primary contact',
  developerEmails: 'Developer e-mails',
  scopes: 'Scopes',
  expiresAt: 'Expires',
  notBefore: 'Not before',
  allowedCidrs: 'IP allowlist',
  rateLimit: 'Rate limit',
};

const LEGACY_KINDS: Record<string, string> = {
  legacy_rw: 'Account-wide Read/Write token: every endpoint, every method',
  legacy_ro: 'Account-wide Read-Only token: every endpoint, GET only',
};

export function describeAuditEvent(event: AuditEventDto, context: AuditContext = {}): AuditDescription {
  const { ip, via, ...details } = event.details ?? {};
  return {
    title: titleOf(event.action, details),
    actor: actorOf(event, typeof via === 'string' ? via : undefined, context),
    lines: linesOf(event.action, details, context),
    ip: typeof ip === 'string' && ip ? ip : undefined,
    via: typeof via === 'string' && via ? (VIA_LABELS[via] ?? via) : undefined,
  };
}

function titleOf(action: string, details: Record<string, unknown>): string {
  // Both tokens of a duplicate get an event: the copy names its source, the source names its copy.
  if (action === 'token.duplicate' && typeof details.sourceTokenId === 'string') return 'Created as a duplicate';
  return describeAction(action);
}

function actorOf(event: AuditEventDto, via: string | undefined, context: AuditContext): string {
  if (event.actorUserId) {
    const user = context.users?.get(event.actorUserId);
    if (user) return user.name || user.email;
    return event.actorEmail ?? 'a user';
  }
  if (via) return `an operator (${VIA_LABELS[via] ?? via})`;
  return 'the system';
}

function linesOf(action: string, details: Record<string, unknown>, context: AuditContext): AuditLine[] {
  switch (action) {
    case 'token.update':
      return updateLines(details, context);
    case 'token.create':
      return createLines(details, context);
    case 'token.duplicate':
      if (typeof details.sourceTokenId === 'string') return [{ kind: 'token', label: 'Copied from', tokenId: details.sourceTokenId }];
      if (typeof details.copyTokenId === 'string') return [{ kind: 'token', label: 'Copy', tokenId: details.copyTokenId }];
      return genericLines(details);
    case 'token.reset':
      return [resetLine(details.graceSeconds)];
    case 'token.upgrade':
      return upgradeLines(details, context);
    // The title says it all; the details only repeat it ({from: 'enabled', to: 'disabled'}).
    case 'token.enable':
    case 'token.disable':
    case 'token.reveal':
      return [];
    case 'token.expose':
      return exposeLines(details);
    case 'token.delete':
      return typeof details.name === 'string' && details.name ? [{ kind: 'text', label: 'Name', text: quote(details.name) }] : [];
    default:
      return genericLines(details);
  }
}

// ---- token.expose (a leak report, docs/leak-reports.md) ------------------------------------------------

function exposeLines(details: Record<string, unknown>): AuditLine[] {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const lines: AuditLine[] = [{ kind: 'text', label: 'Found in', text: text(details.source).replace(/_/g, ' ') || 'unknown place' }];
  if (text(details.url)) lines.push({ kind: 'text', label: 'URL', text: text(details.url) });
  lines.push({ kind: 'text', label: 'Action', text: details.action === 'disabled' ? 'Token disabled' : 'None: the token was already disabled' });
  return lines;
}

// ---- token.update -------------------------------------------------------------------------------------

function updateLines(details: Record<string, unknown>, context: AuditContext): AuditLine[] {
  const changes = details.changes;
  if (!isRecord(changes)) return genericLines(details);
  const keys = Object.keys(changes).sort((a, b) => fieldOrder(a) - fieldOrder(b));
  if (keys.length === 0) return [{ kind: 'text', text: 'Saved without changes' }];
  return keys.flatMap((key) => {
    const change = changes[key];
    return isRecord(change) && 'from' in change && 'to' in change ? fieldChange(key, change.from, change.to, context) : [{ kind: 'text', label: fieldLabel(key), text: formatValue(change) }];
  });
}

function fieldOrder(key: string): number {
  const i = Object.keys(FIELD_LABELS).indexOf(key);
  return i === -1 ? Number.MAX_SAFE_INTEGER : i;
}

/** Other keys the server writes (account events, older shapes), for the generic rendering. */
const OTHER_LABELS: Record<string, string> = { accountSid: 'Account SID', apiVersion: 'API version', graceSeconds: 'Grace period', adminUserId: 'Administrator', userId: 'User', email: 'E-mail' };

const fieldLabel = (key: string) => FIELD_LABELS[key] ?? OTHER_LABELS[key] ?? sentenceCase(key.replace(/([a-z])([A-Z])/g, '$1 $2'));

function fieldChange(key: string, from: unknown, to: unknown, context: AuditContext): AuditLine[] {
  const label = fieldLabel(key);
  switch (key) {
    case 'name':
      return [{ kind: 'change', label, from: quoteOrNone(from), to: quoteOrNone(to) }];
    case 'description':
      return [{ kind: 'change', label, from: quoteOrNone(from, 80), to: quoteOrNone(to, 80) }];
    case 'primaryContactUserId':
      return [{ kind: 'change', label, from: personName(from, context), to: personName(to, context) }];
    case 'scopes':
      return listDiff(label, from, to, (id) => scopeItem(id, context));
    case 'developerEmails':
    case 'allowedCidrs': {
      const lines = listDiff(label, from, to, (text) => ({ text }));
      // An emptied allowlist is a loosening worth spelling out.
      if (key === 'allowedCidrs' && Array.isArray(to) && to.length === 0) lines.push({ kind: 'text', label, text: 'Any address is allowed now' });
      return lines;
    }
    case 'expiresAt':
      return [{ kind: 'change', label, from: instantOr(from, 'Never'), to: instantOr(to, 'Never') }];
    case 'notBefore':
      return [{ kind: 'change', label, from: instantOr(from, 'Immediately'), to: instantOr(to, 'Immediately') }];
    case 'rateLimit':
      return [{ kind: 'change', label, from: rateLimitText(from), to: rateLimitText(to) }];
    default:
      return [{ kind: 'change', label, from: formatValue(from), to: formatValue(to) }];
  }
}

/** "+ a, b" and "− c" lines for a list field; one line when only one side changed. */
function listDiff(label: string, from: unknown, to: unknown, toItem: (value: string) => AuditItem): AuditLine[] {
  const before = stringList(from);
  const after = stringList(to);
  const was = new Set(before);
  const now = new Set(after);
  const added = after.filter((v) => !was.has(v));
  const removed = before.filter((v) => !now.has(v));
  const lines: AuditLine[] = [];
  if (added.length) lines.push(itemsLine(label, added.map(toItem), '+'));
  if (removed.length) lines.push(itemsLine(label, removed.map(toItem), '−'));
  // Same members in another order: nothing a reader needs, but the event should not look empty.
  if (!lines.length) lines.push({ kind: 'text', label, text: 'Reordered' });
  return lines;
}

function itemsLine(label: string, items: AuditItem[], sign?: '+' | '−'): AuditLine {
  return { kind: 'items', label, sign, items: items.slice(0, MAX_ITEMS), more: items.slice(MAX_ITEMS) };
}

function scopeItem(id: string, context: AuditContext): AuditItem {
  const scope = context.scopes?.get(id);
  return scope ? { text: scope.name, method: scope.method.toUpperCase(), hint: `${scope.category} · ${scope.method.toUpperCase()} ${scope.path}` } : { text: id };
}

function personName(value: unknown, context: AuditContext): string {
  if (value === null || value === undefined || value === '') return 'None';
  if (typeof value !== 'string') return formatValue(value);
  if (!context.users) return 'a user';
  const user = context.users.get(value);
  return user ? user.name || user.email : 'a former user';
}

function rateLimitText(value: unknown): string {
  if (value === null || value === undefined) return 'Deployment default';
  if (isRecord(value) && typeof value.limit === 'number' && typeof value.windowSeconds === 'number') {
    return `${pluralize(value.limit, 'request')} ${perWindow(value.windowSeconds)}`;
  }
  return formatValue(value);
}

/** "per minute", "per hour", "per day", else "per 90 seconds". */
function perWindow(seconds: number): string {
  const named: Record<number, string> = { 1: 'second', 60: 'minute', 3600: 'hour', 86400: 'day' };
  return named[seconds] ? `per ${named[seconds]}` : `per ${formatDuration(seconds)}`;
}

// ---- the other token actions ----------------------------------------------------------------------------

function createLines(details: Record<string, unknown>, context: AuditContext): AuditLine[] {
  // The legacy pair is created by "Enable Legacy Tokens", with fixed names.
  if (typeof details.kind === 'string' && LEGACY_KINDS[details.kind]) return [{ kind: 'text', text: LEGACY_KINDS[details.kind] }];
  const lines: AuditLine[] = [];
  // The page's title is the current name; the original one is news only after a rename.
  if (typeof details.name === 'string' && details.name && context.currentName !== undefined && details.name !== context.currentName) {
    lines.push({ kind: 'text', label: 'Name', text: quote(details.name) });
  }
  const scopes = stringList(details.scopes);
  const version = typeof details.apiVersion === 'number' ? `API v${details.apiVersion}` : undefined;
  if (version || Array.isArray(details.scopes)) {
    lines.push({ kind: 'text', text: [version, Array.isArray(details.scopes) ? `${pluralize(scopes.length, 'scope')}` : undefined].filter(Boolean).join(' with ') });
  }
  if (scopes.length) lines.push(itemsLine('Scopes', scopes.map((id) => scopeItem(id, context))));
  return lines;
}

function resetLine(graceSeconds: unknown): AuditLine {
  if (typeof graceSeconds === 'number' && graceSeconds > 0) {
    return { kind: 'text', label: 'Grace period', text: `Previous Auth Token valid for ${formatDuration(graceSeconds)}` };
  }
  return { kind: 'text', label: 'Grace period', text: 'Immediate: the previous Auth Token stopped working at once' };
}

function upgradeLines(details: Record<string, unknown>, context: AuditContext): AuditLine[] {
  const lines: AuditLine[] = [];
  if (details.from !== undefined || details.to !== undefined) {
    lines.push({ kind: 'change', label: 'API version', from: versionText(details.from), to: versionText(details.to) });
  }
  const dropped = stringList(details.droppedScopes);
  if (dropped.length) lines.push(itemsLine('Scopes dropped', dropped.map((id) => scopeItem(id, context)), '−'));
  else if (Array.isArray(details.droppedScopes)) lines.push({ kind: 'text', text: 'Every scope was kept' });
  return lines;
}

const versionText = (value: unknown) => (typeof value === 'number' ? `v${value}` : formatValue(value));

// ---- anything else --------------------------------------------------------------------------------------

/** One "Label: value" line per detail, for actions this file does not know (yet). */
function genericLines(details: Record<string, unknown>): AuditLine[] {
  return Object.entries(details).map(([key, value]) => ({ kind: 'text', label: fieldLabel(key), text: formatValue(value) }));
}

/** Any JSON value as words: lists joined, objects as "key: value" pairs, nothing as "none". */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'none';
  if (Array.isArray(value)) return value.length ? value.map(formatValue).join(', ') : 'none';
  if (isRecord(value)) {
    const entries = Object.entries(value);
    return entries.length ? entries.map(([k, v]) => `${fieldLabel(k).toLowerCase()} ${formatValue(v)}`).join(', ') : 'none';
  }
  if (typeof value === 'number') return formatCount(value);
  return String(value);
}

function instantOr(value: unknown, none: string): string {
  if (value === null || value === undefined || value === '') return none;
  const date = typeof value === 'number' || typeof value === 'string' ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? formatDateTime(date.toISOString()) : formatValue(value);
}

function quote(text: string, max = 120): string {
  return `“${text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text}”`;
}

function quoteOrNone(value: unknown, max?: number): string {
  if (value === null || value === undefined || value === '') return 'None';
  return typeof value === 'string' ? quote(value, max) : formatValue(value);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : formatValue(v))) : [];
}

function sentenceCase(text: string): string {
  const words = text.replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
