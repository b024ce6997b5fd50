/**
 * Canary tokens through the management API: created with `kind: "canary"` and no scopes, listed with the other
 * tokens, refused every setting that would suggest it works, and kept a canary by every later operation (edit,
 * reset, duplicate; upgrade is refused), so no click turns one into a working token.
 */
import { expect } from 'vitest';
import { describeEachStore, test, type Brand } from '../support/fixtures.js';
import { apiPath, basic } from '../verify/helpers.js';

const tokensPath = (brand: Brand) => `/api/v1/accounts/${brand.accountId}/tokens`;

describeEachStore('canary tokens over the API', {}, () => {
  test('a canary is created without scopes, is listed with the other tokens, and its Auth Token never works', async ({ brand, admin, context }) => {
    const created = await admin.post(tokensPath(brand), { kind: 'canary', name: 'Decoy in CI secrets', developerEmails: ['soc@brand.test'] });
    expect(created.statusCode, created.body).toBe(201);
    const { token, authToken } = created.json();
    expect(token).toMatchObject({ kind: 'canary', name: 'Decoy in CI secrets', scopes: [], state: 'enabled', developerEmails: ['soc@brand.test'], primaryContactUserId: brand.admin.userId });
    const listed = (await admin.get(`${tokensPath(brand)}?kind=scoped`)).json().items.map((t: { id: string; kind: string }) => [t.id, t.kind]);
    expect(listed).toContainEqual([token.id, 'canary']);
    const answer = await context.verifier.verify({ authorization: basic(token.accountSid, authToken), method: 'GET', path: apiPath(token.accountSid) });
    expect(answer).toMatchObject({ valid: false, code: 'INVALID_CREDENTIALS', status: 401 });
    expect(answer.token).toBeUndefined();
    const audit = (await admin.get(`${tokensPath(brand)}/${token.id}/events`)).json().items;
    expect(audit[0]).toMatchObject({ action: 'token.create', details: { kind: 'canary', name: 'Decoy in CI secrets' } });
  });

  test('the settings of a working token are refused on a canary, each naming its field', async ({ brand, admin }) => {
    const refused = await admin.post(tokensPath(brand), {
      kind: 'canary',
      name: 'Decoy',
      scopes: ['listActions'],
      expiresAt: '2099-01-01T00:00:00Z',
      allowedCidrs: ['10.0.0.0/8'],
      rateLimit: { limit: 5, windowSeconds: 60 },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().Code).toBe('INVALID_INPUT');
    expect(refused.json().Errors.map((e: { Field: string }) => e.Field).sort()).toEqual(['allowedCidrs', 'expiresAt', 'rateLimit', 'scopes']);
    const { token } = (await admin.post(tokensPath(brand), { kind: 'canary', name: 'Decoy' })).json();
    const edit = await admin.request('PATCH', `${tokensPath(brand)}/${token.id}`, { scopes: ['listActions'] });
    expect(edit.statusCode).toBe(400);
    expect(edit.json().Errors).toEqual([{ Field: 'scopes', Message: 'a canary token never authenticates, so it has no scopes' }]);
    const renamed = await admin.request('PATCH', `${tokensPath(brand)}/${token.id}`, { name: 'Decoy (wiki)', description: 'planted 2026-10' });
    expect(renamed.json()).toMatchObject({ kind: 'canary', name: 'Decoy (wiki)' });
  });

  test('reset and duplicate keep a canary a canary; upgrade is refused', async ({ brand, admin, context }) => {
    const { token } = (await admin.post(tokensPath(brand), { kind: 'canary', name: 'Decoy' })).json();
    const reset = await admin.post(`${tokensPath(brand)}/${token.id}/reset`, { graceSeconds: 3600 });
    expect(reset.statusCode, reset.body).toBe(200);
    expect(reset.json().token.kind).toBe('canary');
    expect((await context.verifier.verify({ authorization: basic(token.accountSid, reset.json().authToken), method: 'GET', path: apiPath(token.accountSid) })).code).toBe('INVALID_CREDENTIALS');

    const copy = await admin.post(`${tokensPath(brand)}/${token.id}/duplicate`);
    expect(copy.statusCode, copy.body).toBe(201);
    expect(copy.json().token).toMatchObject({ kind: 'canary', scopes: [] });
    expect((await context.verifier.verify({ authorization: basic(copy.json().token.accountSid, copy.json().authToken), method: 'GET', path: apiPath(copy.json().token.accountSid) })).code).toBe('INVALID_CREDENTIALS');

    const upgrade = await admin.post(`${tokensPath(brand)}/${token.id}/upgrade`, { apiVersion: 14 });
    expect(upgrade.statusCode).toBe(400);
    expect(upgrade.json().Errors[0].Field).toBe('apiVersion');
  });
});
