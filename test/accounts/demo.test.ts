import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedDemo, DEMO_ACCOUNT_NAME } from '../../src/app/demo.js';
import { ROLES } from '../../src/domain/roles.js';
import { operator } from '../../src/domain/actor.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';

describeEachDialect('the demo brand (serve --demo)', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext(dialect);
  });
  afterAll(() => t.close());

  it('seeds one user per role with a printed password, API access on, and a few tokens; a second run re-issues passwords and adds nothing', async () => {
    const first = await seedDemo(t.context);
    expect(first.logins.map((l) => l.role)).toEqual([...ROLES]);
    for (const login of first.logins) expect(login.password.length).toBeGreaterThanOrEqual(12);
    const users = await t.context.accounts.listUsers(operator(), first.accountId);
    expect(users.map((u) => u.role).sort()).toEqual([...ROLES].sort());
    expect(await t.context.tokens.apiSettings(operator(), first.accountId)).toEqual({ apiAccessEnabled: true, legacyTokensEnabled: false });
    const tokens = (await t.context.tokens.list(operator(), first.accountId, {})).items;
    expect(tokens.length).toBe(3);
    for (const token of tokens) expect(token.scopes.length).toBeGreaterThan(0);

    const second = await seedDemo(t.context);
    expect(second.accountId).toBe(first.accountId);
    expect((await t.context.tokens.list(operator(), first.accountId, {})).items).toHaveLength(3);
    const me = await t.context.accounts.me((await t.context.accounts.findUserByEmail(first.logins[0].email))!.id);
    expect(me.accounts).toEqual([{ id: first.accountId, name: DEMO_ACCOUNT_NAME, role: 'account_administrator' }]);
    // Only the newest passwords work.
    await expect(t.context.accounts.login(second.logins[2].email, second.logins[2].password, '10.0.0.1')).resolves.toBeDefined();
    await expect(t.context.accounts.login(first.logins[2].email, first.logins[2].password, '10.0.0.2')).rejects.toMatchObject({ status: 401 });
  });
});
