import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_ACCOUNT_NAME, DEMO_SECOND_ACCOUNT_NAME, seedDemo } from '../../src/app/demo.js';
import { ROLES } from '../../src/domain/roles.js';
import { operator } from '../../src/domain/actor.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';

const DAY_MS = 86_400_000;

describeEachDialect('the demo brand (serve --demo)', (dialect) => {
  let t: TestContext;
  let accountId: string;
  const cli = operator();
  beforeAll(async () => {
    t = await createTestContext(dialect);
    accountId = (await seedDemo(t.context)).accountId;
  });
  afterAll(() => t.close());

  const scoped = async () => (await t.context.tokens.list(cli, accountId, { kind: 'scoped' })).items;

  it('has one user per role, API access and the legacy pair, and a history: tokens of several ages, some disabled, one expiring soon, one in its reset grace window', async () => {
    const users = await t.context.accounts.listUsers(cli, accountId);
    expect(users.map((u) => u.role).sort()).toEqual([...ROLES].sort());
    expect(await t.context.tokens.apiSettings(cli, accountId)).toEqual({ apiAccessEnabled: true, legacyTokensEnabled: true });
    expect((await t.context.tokens.list(cli, accountId, { kind: 'legacy' })).items.map((l) => l.name).sort()).toEqual(['Read-Only', 'Read/Write']);

    const tokens = await scoped();
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    for (const token of tokens) expect(token.scopes.length).toBeGreaterThan(0);
    const now = Date.now();
    const ageInDays = (at: number) => (now - at) / DAY_MS;
    // The list filters a newcomer tries all have something to show.
    expect((await t.context.tokens.list(cli, accountId, { kind: 'scoped', createdOn: 'older30' })).items.length).toBeGreaterThanOrEqual(2);
    expect((await t.context.tokens.list(cli, accountId, { kind: 'scoped', createdOn: 'last30' })).items.length).toBeGreaterThanOrEqual(2);
    expect(tokens.some((token) => ageInDays(token.createdAt) > 60)).toBe(true);
    expect((await t.context.tokens.list(cli, accountId, { kind: 'scoped', state: 'disabled' })).items.length).toBeGreaterThanOrEqual(2);
    const expiringSoon = tokens.filter((token) => token.expiresAt !== null && token.expiresAt > now && token.expiresAt < now + 7 * DAY_MS);
    expect(expiringSoon).toHaveLength(1);
    const inGrace = tokens.filter((token) => token.graceExpiresAt !== null && token.graceExpiresAt > now);
    expect(inGrace).toHaveLength(1);
    // Made by the services on a clock in the past: the audit trail tells the same story as the dates.
    const events = await t.context.tokens.events(cli, accountId, inGrace[0].id);
    const actions = events.map((e: { action: string }) => e.action);
    expect(actions).toContain('token.create');
    expect(actions).toContain('token.reset');
  });

  it('has 30 days of usage with refusals on the tokens in use, and their last use', async () => {
    let daysWithCalls = 0;
    let refused = 0;
    let used = 0;
    for (const token of await scoped()) {
      const usage = await t.context.tokens.usage(cli, accountId, token.id);
      expect(usage.days).toHaveLength(30);
      daysWithCalls = Math.max(daysWithCalls, usage.days.filter((d) => d.allowed > 0).length);
      refused += usage.days.reduce((sum, d) => sum + Object.values(d.denied).reduce((a, b) => a + b, 0), 0);
      if (usage.lastUsedAt) {
        used += 1;
        expect(usage.lastUsedAt).toBeLessThanOrEqual(Date.now());
        expect(usage.lastUsedIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      }
    }
    expect(daysWithCalls).toBeGreaterThanOrEqual(29);
    expect(refused).toBeGreaterThan(0);
    expect(used).toBeGreaterThanOrEqual(4);
  });

  it('gives the administrator a second account, so the account switcher appears', async () => {
    const adminEmail = 'account.administrator@demo.sidekey.test';
    const me = await t.context.accounts.me((await t.context.accounts.findUserByEmail(adminEmail))!.id);
    expect(me.accounts.map((a) => [a.name, a.role]).sort()).toEqual([
      [DEMO_ACCOUNT_NAME, 'account_administrator'],
      [DEMO_SECOND_ACCOUNT_NAME, 'implementation_specialist'],
    ]);
  });

  it('a second run re-issues the passwords and adds nothing', async () => {
    const before = (await scoped()).map((token) => token.id).sort();
    const second = await seedDemo(t.context);
    expect(second.accountId).toBe(accountId);
    expect(second.logins.map((l) => l.role)).toEqual([...ROLES]);
    expect((await scoped()).map((token) => token.id).sort()).toEqual(before);
    // Only the newest passwords work.
    await expect(t.context.accounts.login(second.logins[2].email, second.logins[2].password, '10.0.0.1')).resolves.toBeDefined();
    const third = await seedDemo(t.context);
    await expect(t.context.accounts.login(second.logins[2].email, second.logins[2].password, '10.0.0.2')).rejects.toMatchObject({ status: 401 });
    await expect(t.context.accounts.login(third.logins[2].email, third.logins[2].password, '10.0.0.3')).resolves.toBeDefined();
  });
});
