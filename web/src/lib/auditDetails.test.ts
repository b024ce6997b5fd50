import { describe, expect, it } from 'vitest';
import type { AuditEventDto, CatalogDto } from '../../../src/http/management/schemas.js';
import { type AuditContext, MAX_ITEMS, describeAction, describeAuditEvent, formatValue } from './auditDetails.js';
import { formatDateTime } from './format.js';
import { indexScopes } from './scopes.js';

const catalog: CatalogDto = {
  name: 'Test API',
  versions: [
    { version: 13, releasedOn: '2024-01-01', latest: false },
    { version: 14, releasedOn: '2025-01-01', latest: true },
  ],
  categories: [
    {
      name: 'Actions',
      scopes: [
        { id: 'listActions', name: 'Retrieve actions', method: 'GET', path: '/Actions' },
        { id: 'getActionById', name: 'Retrieve action', method: 'GET', path: '/Actions/{Id}' },
        { id: 'reverseAction', name: 'Reverse action', method: 'delete', path: '/Actions/{Id}' },
        { id: 'exportActions', name: 'Export actions', method: 'GET', path: '/Actions/Export', until: 13 },
      ],
    },
  ],
};

const context: AuditContext = {
  scopes: indexScopes(catalog),
  users: new Map([
    ['usr_erin', { name: 'Erin Admin', email: 'erin@example.test' }],
    ['usr_andy', { name: '', email: 'andy@example.test' }],
  ]),
  currentName: 'Warehouse sync',
};

function event(action: string, details: Record<string, unknown>, actor: Partial<AuditEventDto> = {}): AuditEventDto {
  return { id: 'evt_1', accountId: 'acc_1', tokenId: 'tok_1', actorUserId: 'usr_erin', actorEmail: 'erin@example.test', action, at: '2026-03-12T14:05:00.000Z', details, ...actor };
}

describe('describeAuditEvent', () => {
  it('turns a scope edit into added and removed scope names with their methods', () => {
    const d = describeAuditEvent(event('token.update', { changes: { scopes: { from: ['listActions', 'getActionById'], to: ['listActions', 'reverseAction'] } }, ip: '203.0.113.9' }), context);
    expect(d.title).toBe('Settings changed');
    expect(d.actor).toBe('Erin Admin');
    expect(d.ip).toBe('203.0.113.9');
    expect(d.lines).toEqual([
      { kind: 'items', label: 'Scopes', sign: '+', items: [{ text: 'Reverse action', method: 'DELETE', hint: 'Actions · DELETE /Actions/{Id}' }], more: [] },
      { kind: 'items', label: 'Scopes', sign: '−', items: [{ text: 'Retrieve action', method: 'GET', hint: 'Actions · GET /Actions/{Id}' }], more: [] },
    ]);
  });

  it('labels every editable field, in the order the token pages show them', () => {
    const expires = Date.UTC(2026, 11, 31, 23, 59);
    const d = describeAuditEvent(
      event('token.update', {
        changes: {
          rateLimit: { from: null, to: { limit: 600, windowSeconds: 60 } },
          allowedCidrs: { from: ['203.0.113.0/24'], to: [] },
          expiresAt: { from: null, to: expires },
          notBefore: { from: expires, to: null },
          developerEmails: { from: ['a@example.test'], to: ['a@example.test', 'b@example.test'] },
          primaryContactUserId: { from: 'usr_erin', to: 'usr_andy' },
          description: { from: '', to: 'Nightly sync' },
          name: { from: 'Old', to: 'New' },
        },
      }),
      context,
    );
    expect(d.lines).toEqual([
      { kind: 'change', label: 'Name', from: '“Old”', to: '“New”' },
      { kind: 'change', label: 'Description', from: 'None', to: '“Nightly sync”' },
      { kind: 'change', label: 'Primary contact', from: 'Erin Admin', to: 'andy@example.test' },
      { kind: 'items', label: 'Developer e-mails', sign: '+', items: [{ text: 'b@example.test' }], more: [] },
      { kind: 'change', label: 'Expires', from: 'Never', to: formatDateTime(new Date(expires).toISOString()) },
      { kind: 'change', label: 'Not before', from: formatDateTime(new Date(expires).toISOString()), to: 'Immediately' },
      { kind: 'items', label: 'IP allowlist', sign: '−', items: [{ text: '203.0.113.0/24' }], more: [] },
      { kind: 'text', label: 'IP allowlist', text: 'Any address is allowed now' },
      { kind: 'change', label: 'Rate limit', from: 'Deployment default', to: '600 requests per minute' },
    ]);
  });

  it('copes with people and scopes it cannot resolve', () => {
    const d = describeAuditEvent(event('token.update', { changes: { primaryContactUserId: { from: 'usr_gone', to: null }, scopes: { from: [], to: ['noSuchScope'] } } }), context);
    expect(d.lines).toEqual([
      { kind: 'change', label: 'Primary contact', from: 'a former user', to: 'None' },
      { kind: 'items', label: 'Scopes', sign: '+', items: [{ text: 'noSuchScope' }], more: [] },
    ]);
    // Users still loading: no guess that someone has left.
    const loading = describeAuditEvent(event('token.update', { changes: { primaryContactUserId: { from: 'usr_erin', to: 'usr_andy' } } }), {});
    expect(loading.lines).toEqual([{ kind: 'change', label: 'Primary contact', from: 'a user', to: 'a user' }]);
    expect(loading.actor).toBe('erin@example.test');
  });

  it('keeps long lists short and says how many are left out', () => {
    const ids = Array.from({ length: MAX_ITEMS + 3 }, (_, i) => `scope${i}`);
    const [line] = describeAuditEvent(event('token.update', { changes: { scopes: { from: [], to: ids } } }), context).lines;
    expect(line).toMatchObject({ kind: 'items', sign: '+' });
    if (line.kind !== 'items') throw new Error('expected an items line');
    expect(line.items).toHaveLength(MAX_ITEMS);
    expect(line.more.map((i) => i.text)).toEqual(['scope8', 'scope9', 'scope10']);
  });

  it('describes an upgrade by its versions and the scopes it dropped', () => {
    expect(describeAuditEvent(event('token.upgrade', { from: 13, to: 14, droppedScopes: ['exportActions'] }), context).lines).toEqual([
      { kind: 'change', label: 'API version', from: 'v13', to: 'v14' },
      { kind: 'items', label: 'Scopes dropped', sign: '−', items: [{ text: 'Export actions', method: 'GET', hint: 'Actions · GET /Actions/Export' }], more: [] },
    ]);
    expect(describeAuditEvent(event('token.upgrade', { from: 13, to: 14, droppedScopes: [] }), context).lines).toEqual([
      { kind: 'change', label: 'API version', from: 'v13', to: 'v14' },
      { kind: 'text', text: 'Every scope was kept' },
    ]);
  });

  it('says whether a reset kept the previous Auth Token for a while', () => {
    expect(describeAuditEvent(event('token.reset', { graceSeconds: 0 }), context).lines).toEqual([
      { kind: 'text', label: 'Grace period', text: 'Immediate: the previous Auth Token stopped working at once' },
    ]);
    expect(describeAuditEvent(event('token.reset', { graceSeconds: 3600 }), context).lines).toEqual([{ kind: 'text', label: 'Grace period', text: 'Previous Auth Token valid for 1 hour' }]);
  });

  it('links both sides of a duplicate', () => {
    const copy = describeAuditEvent(event('token.duplicate', { sourceTokenId: 'tok_src', name: 'Copy of X', accountSid: 'AC1' }), context);
    expect(copy.title).toBe('Created as a duplicate');
    expect(copy.lines).toEqual([{ kind: 'token', label: 'Copied from', tokenId: 'tok_src' }]);
    const source = describeAuditEvent(event('token.duplicate', { copyTokenId: 'tok_copy' }), context);
    expect(source.title).toBe('Duplicated');
    expect(source.lines).toEqual([{ kind: 'token', label: 'Copy', tokenId: 'tok_copy' }]);
  });

  it('summarises a creation, repeating the name only after a rename', () => {
    const created = event('token.create', { name: 'Warehouse sync', accountSid: 'AC1', apiVersion: 13, scopes: ['listActions'] });
    expect(describeAuditEvent(created, context).lines).toEqual([
      { kind: 'text', text: 'API v13 with 1 scope' },
      { kind: 'items', label: 'Scopes', items: [{ text: 'Retrieve actions', method: 'GET', hint: 'Actions · GET /Actions' }], more: [] },
    ]);
    expect(describeAuditEvent(created, { ...context, currentName: 'Renamed' }).lines[0]).toEqual({ kind: 'text', label: 'Name', text: '“Warehouse sync”' });
    expect(describeAuditEvent(event('token.create', { kind: 'legacy_ro', name: 'Read-Only', accountSid: 'AC2' }), context).lines).toEqual([
      { kind: 'text', text: 'Account-wide Read-Only token: every endpoint, GET only' },
    ]);
  });

  it('needs no lines where the title says it all', () => {
    for (const action of ['token.reveal', 'token.disable', 'token.enable']) {
      expect(describeAuditEvent(event(action, { from: 'enabled', to: 'disabled' }), context).lines).toEqual([]);
    }
    expect(describeAuditEvent(event('token.reveal', {}), context).title).toBe('Auth Token revealed');
  });

  it('a leak report: where it was found and what was done, by GitHub secret scanning', () => {
    const details = { exposureId: 'exp_1', reporter: 'github', reportType: 'sidekey_auth_token', source: 'issue_comment', url: 'https://github.com/o/r/issues/1', action: 'disabled', via: 'leak-report:github' };
    const d = describeAuditEvent(event('token.expose', details, { actorUserId: null, actorEmail: null }), context);
    expect(d).toMatchObject({ title: 'Reported leaked', actor: 'an operator (GitHub secret scanning)' });
    expect(d.lines).toEqual([
      { kind: 'text', label: 'Found in', text: 'issue comment' },
      { kind: 'text', label: 'URL', text: 'https://github.com/o/r/issues/1' },
      { kind: 'text', label: 'Action', text: 'Token disabled' },
    ]);
    expect(describeAuditEvent(event('token.expose', { ...details, url: '', action: 'already_disabled' })).lines.map((l) => ('text' in l ? l.text : ''))).toEqual(['issue comment', 'None: the token was already disabled']);
  });

  it('names operators and keeps ip and via out of the lines', () => {
    const d = describeAuditEvent(event('token.create', { kind: 'legacy_rw', name: 'Read/Write', via: 'cli' }, { actorUserId: null, actorEmail: null }), context);
    expect(d.actor).toBe('an operator (CLI)');
    expect(d.via).toBe('CLI');
    expect(d.ip).toBeUndefined();
    expect(describeAuditEvent(event('token.reveal', { via: 'demo' }, { actorUserId: null, actorEmail: null })).via).toBe('demo data');
    expect(describeAuditEvent(event('token.reveal', {}, { actorUserId: null, actorEmail: null })).actor).toBe('the system');
  });

  it('renders unknown actions and fields readably, never as JSON', () => {
    const d = describeAuditEvent(event('token.some_new_thing', { accountSid: 'AC1', window: { limit: 5, windowSeconds: 60 }, tags: ['a', 'b'] }), context);
    expect(d.title).toBe('Some new thing');
    expect(d.lines).toEqual([
      { kind: 'text', label: 'Account SID', text: 'AC1' },
      { kind: 'text', label: 'Window', text: 'limit 5, window seconds 60' },
      { kind: 'text', label: 'Tags', text: 'a, b' },
    ]);
    const odd = describeAuditEvent(event('token.update', { changes: { futureField: { from: 1, to: 2 }, scopes: { from: ['a', 'b'], to: ['b', 'a'] } } }), context);
    expect(odd.lines).toEqual([
      { kind: 'text', label: 'Scopes', text: 'Reordered' },
      { kind: 'change', label: 'Future field', from: '1', to: '2' },
    ]);
    expect(describeAction('account.legacy_tokens_enable')).toBe('Legacy tokens enabled');
    expect(formatValue([])).toBe('none');
  });
});
