/**
 * Several processes on one SQLite DATA_DIR: two `sidekey serve` and the CLI. Each tails the change log, so a
 * change made by any of them is refused by every other within the staleness bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { pollUntil } from '../support/faults.js';
import { type NodeSession, accepted, manage, runCli, sharedEnvironment, signIn, verifyOn } from '../support/nodes.js';
import { type RunningServer, startSidekey } from '../support/servers.js';

const BOUND_MS = 1000;
/** Room for a loaded shared machine on top of the bound: the contract is the bound, the slack is the test's. */
const SLACK_MS = 1500;

describe('two sidekey serve processes and the CLI on one SQLite DATA_DIR', () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let a: RunningServer;
  let b: RunningServer;
  let brand: Brand;
  let onA: NodeSession;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    env = sharedEnvironment(db, { SIDEKEY_MAX_STALENESS_MS: String(BOUND_MS) });
    const setup = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    brand = await createBrand(setup);
    await setup.close();
    [a, b] = await Promise.all([startSidekey(env), startSidekey(env)]);
    onA = await signIn(a.url, brand.emails.account_administrator);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  async function tokenCachedOnB() {
    const created = await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens`, { name: `Shared ${Math.random()}`, scopes: ['listActions'] });
    expect(created.status).toBe(201);
    const token = { id: created.body.token.id as string, sid: created.body.token.accountSid as string, secret: created.body.authToken as string };
    await pollUntil(() => verifyOn(b.url, token.sid, token.secret), accepted, BOUND_MS + SLACK_MS, 'the new token on B');
    return token;
  }

  it('a reset on one process is refused by a second process on the same SQLite file within the staleness bound', async () => {
    const token = await tokenCachedOnB();
    const reset = await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/reset`);
    expect(reset.status).toBe(200);
    const refused = await pollUntil(() => verifyOn(b.url, token.sid, token.secret), (o) => !accepted(o), BOUND_MS + SLACK_MS, 'the old secret on B');
    expect(refused.value.code).toBe('INVALID_CREDENTIALS');
    expect((await verifyOn(b.url, token.sid, reset.body.authToken)).code).toBe('ALLOWED');
  });

  it('a disable and a delete on one process are refused by the other within the staleness bound', async () => {
    const token = await tokenCachedOnB();
    expect((await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/disable`)).status).toBe(200);
    const disabled = await pollUntil(() => verifyOn(b.url, token.sid, token.secret), (o) => !accepted(o), BOUND_MS + SLACK_MS, 'the disabled token on B');
    expect(disabled.value.code).toBe('TOKEN_DISABLED');
    expect((await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/enable`)).status).toBe(200);
    await pollUntil(() => verifyOn(b.url, token.sid, token.secret), accepted, BOUND_MS + SLACK_MS, 'the enabled token on B');
    expect((await manage(onA, 'DELETE', `/accounts/${brand.accountId}/tokens/${token.id}`)).status).toBe(204);
    const deleted = await pollUntil(() => verifyOn(b.url, token.sid, token.secret), (o) => !accepted(o), BOUND_MS + SLACK_MS, 'the deleted token on B');
    expect(deleted.value.code).toBe('INVALID_CREDENTIALS');
  });

  it('a CLI reset, disable and delete while the servers run are refused by both servers within the staleness bound', async () => {
    const cli = (...args: string[]) => runCli(env, [...args, '--account', brand.accountId, '--json']);
    const refusedEverywhere = async (sid: string, secret: string, label: string) => {
      for (const node of [a, b]) await pollUntil(() => verifyOn(node.url, sid, secret), (o) => !accepted(o), BOUND_MS + SLACK_MS, `${label} on ${node.url}`);
    };

    const first = await tokenCachedOnB();
    expect((await verifyOn(a.url, first.sid, first.secret)).code).toBe('ALLOWED');
    const reset = await cli('tokens', 'reset', first.id);
    expect(reset.code, reset.stderr).toBe(0);
    await refusedEverywhere(first.sid, first.secret, 'the secret the CLI reset');
    const newSecret = JSON.parse(reset.stdout).authToken as string;
    expect((await verifyOn(b.url, first.sid, newSecret)).code).toBe('ALLOWED');

    expect((await cli('tokens', 'disable', first.id)).code).toBe(0);
    await refusedEverywhere(first.sid, newSecret, 'the token the CLI disabled');
    expect((await verifyOn(b.url, first.sid, newSecret)).code).toBe('TOKEN_DISABLED');

    const second = await tokenCachedOnB();
    expect((await cli('tokens', 'delete', second.id)).code).toBe(0);
    await refusedEverywhere(second.sid, second.secret, 'the token the CLI deleted');
  });
});
