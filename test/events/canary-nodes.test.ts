/**
 * The bounds of the time-based and rate-limited events, on two nodes sharing one database under a fake clock: a
 * flood of a canary's uses raises at most one `token.canary_used` per minute, however many nodes see it, and every
 * use is either shown by an event or counted in a later one; `token.unused` is raised once per idle stretch.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createContext, type Context } from '../../src/app/context.js';
import { CANARY_ALERT_INTERVAL_MS } from '../../src/domain/canary.js';
import { DAY_MS, type LifecycleEvent } from '../../src/domain/lifecycle-events.js';
import { createTestDatabase, describeEachDialect, runAsNodes, testConfig, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { apiPath, basic, issueToken } from '../verify/helpers.js';

const START = Date.UTC(2026, 9, 1, 12);
const SECOND = 1_000;

describeEachDialect('canary alerts and unused notices on two nodes', (dialect) => {
  let db: TestDatabase;
  let a: Context;
  let b: Context;
  let brand: Brand;
  let clock = START;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    const config = testConfig(db, { unusedNoticeDays: 30 });
    a = await createContext(config, { now: () => clock });
    b = await createContext(config, { now: () => clock });
    brand = await createBrand(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  const events = async <T extends LifecycleEvent['type']>(tokenId: string, type: T) =>
    (await a.store.db.selectFrom('lifecycle_events').select('payload').where('token_id', '=', tokenId).where('type', '=', type).orderBy('id').execute()).map((r) => JSON.parse(r.payload) as Extract<LifecycleEvent, { type: T }>);

  const createCanary = async (name: string) => {
    const { token, authToken } = await a.tokens.create(brand.admin, brand.accountId, { kind: 'canary', name });
    return { id: token.id, authorization: basic(token.accountSid, authToken), path: apiPath(token.accountSid) };
  };
  /** `count` uses of the canary on `node`, each refused as a wrong credential. */
  const presentCanary = async (node: Context, canary: { authorization: string; path: string }, count: number) => {
    for (let i = 0; i < count; i++) {
      const answer = await node.verifier.verify({ authorization: canary.authorization, method: 'GET', path: canary.path, ip: `198.51.100.${i % 250}`, userAgent: 'flood/1.0' });
      expect(answer.code).toBe('INVALID_CREDENTIALS');
    }
  };
  /** Every use is shown by one event or counted in a later one's suppressedUses. */
  const accountedUses = (raised: Extract<LifecycleEvent, { type: 'token.canary_used' }>[]) => raised.reduce((sum, e) => sum + 1 + e.data.suppressedUses, 0);

  it('a flood of 1,000 uses in a minute raises one event, and the next one counts the 999 it did not show', async () => {
    clock = START;
    const canary = await createCanary('Flooded');
    await presentCanary(a, canary, 1);
    expect(await a.lifecycle.canaries.runOnce()).toBe(1);
    let sent = 1;
    for (let second = 1; second < 60; second++) {
      clock = START + second * SECOND;
      const count = second < 59 ? 17 : 999 - 17 * 58;
      await presentCanary(a, canary, count);
      sent += count;
      expect(await a.lifecycle.canaries.runOnce()).toBe(0);
    }
    expect(sent).toBe(1_000);
    clock = START + CANARY_ALERT_INTERVAL_MS;
    await presentCanary(a, canary, 1);
    expect(await a.lifecycle.canaries.runOnce()).toBe(1);
    const raised = await events(canary.id, 'token.canary_used');
    expect(raised.map((e) => e.data.suppressedUses)).toEqual([0, 999]);
    // The event shows the first use no event had shown (at 1 s), and counts the rest.
    expect(raised[1].data).toMatchObject({ userAgent: 'flood/1.0', method: 'GET', usedAt: new Date(START + SECOND).toISOString() });
    expect(accountedUses(raised)).toBe(1_001);
  });

  it('two nodes flooded at once stay within one event a minute between them, and lose no use from the count', async () => {
    const begin = START + DAY_MS;
    clock = begin;
    const canary = await createCanary('Flooded twice');
    const minutes = 3;
    let sent = 0;
    for (let second = 0; second < minutes * 60; second++) {
      clock = begin + second * SECOND;
      await Promise.all([presentCanary(a, canary, 5), presentCanary(b, canary, 5)]);
      sent += 10;
      await runAsNodes(dialect, [() => a.lifecycle.canaries.runOnce(), () => b.lifecycle.canaries.runOnce()]);
    }
    const duringFlood = await events(canary.id, 'token.canary_used');
    // Alerts at most once per interval: at 0 s, 60 s and 120 s of the 180 s flood.
    expect(duringFlood).toHaveLength(minutes);
    // What the nodes still hold goes to the database (as at shutdown), and the next use's event counts it all.
    clock += CANARY_ALERT_INTERVAL_MS;
    await a.lifecycle.canaries.runOnce({ everything: true });
    await b.lifecycle.canaries.runOnce({ everything: true });
    clock += CANARY_ALERT_INTERVAL_MS;
    await presentCanary(b, canary, 1);
    sent += 1;
    expect(await b.lifecycle.canaries.runOnce()).toBe(1);
    const raised = await events(canary.id, 'token.canary_used');
    expect(raised.length).toBe(minutes + 2);
    expect(accountedUses(raised)).toBe(sent);
  });

  it('token.unused is raised once per idle stretch, by one of two nodes scanning at once, never for canaries or disabled tokens', async () => {
    clock = START + 2 * DAY_MS;
    const created = clock;
    const idle = await issueToken(a, brand, { name: 'Idle integration' });
    const disabled = await issueToken(a, brand, { name: 'Parked' });
    await a.tokens.setState(brand.admin, brand.accountId, disabled.tokenId, 'disabled');
    const canary = await createCanary('Never used by design');
    const scanBoth = async () => (await runAsNodes(dialect, [() => a.lifecycle.unused!.runOnce(), () => b.lifecycle.unused!.runOnce()])).reduce((x, y) => x + y, 0);

    clock = created + 30 * DAY_MS - 1;
    await scanBoth();
    expect(await events(idle.tokenId, 'token.unused')).toEqual([]);
    clock = created + 30 * DAY_MS;
    await scanBoth();
    await scanBoth();
    const first = await events(idle.tokenId, 'token.unused');
    expect(first.map((e) => e.data)).toEqual([{ lastUsedAt: null, since: new Date(created).toISOString(), days: 30 }]);
    expect(first[0]).toMatchObject({ actor: { kind: 'system' }, token: { id: idle.tokenId, name: 'Idle integration' }, occurredAt: new Date(clock).toISOString() });

    // A use ends the stretch; the next notice comes 30 days after it, once.
    clock = created + 31 * DAY_MS;
    expect((await a.verifier.verify({ authorization: idle.authorization, method: 'GET', path: apiPath(idle.accountSid), ip: '192.0.2.1' })).code).toBe('ALLOWED');
    await a.usage.flush();
    clock = created + 61 * DAY_MS - 1;
    await scanBoth();
    expect(await events(idle.tokenId, 'token.unused')).toHaveLength(1);
    clock = created + 61 * DAY_MS;
    await scanBoth();
    await scanBoth();
    const all = await events(idle.tokenId, 'token.unused');
    expect(all.map((e) => e.data.lastUsedAt)).toEqual([null, new Date(created + 31 * DAY_MS).toISOString()]);

    expect(await events(disabled.tokenId, 'token.unused')).toEqual([]);
    expect(await events(canary.id, 'token.unused')).toEqual([]);
  });
});
