import { describe, expect, it } from 'vitest';
import { routes, safeNextPath } from './routes.js';

describe('routes', () => {
  it('follows only same-site paths after sign-in', () => {
    expect(safeNextPath('/accounts/a/settings/api?state=enabled')).toBe('/accounts/a/settings/api?state=enabled');
    for (const hostile of ['https://evil.test/', '//evil.test/x', '/\\evil.test', 'javascript:alert(1)', '', null]) expect(safeNextPath(hostile)).toBe('/');
  });

  it('puts the account and token in the path, encoded', () => {
    expect(routes.token('acc 1', 'tok/2', 'credentials')).toBe('/accounts/acc%201/settings/api/tokens/tok%2F2/credentials');
    expect(routes.login('/accounts/a/settings/api?name=x')).toBe('/login?next=%2Faccounts%2Fa%2Fsettings%2Fapi%3Fname%3Dx');
    expect(routes.login('/')).toBe('/login');
  });
});
