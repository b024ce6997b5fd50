/**
 * A leak report is a revocation: two `sidekey serve` processes on one PostgreSQL, GitHub's signed report of a token
 * to node A, and node B refuses the token as TOKEN_DISABLED at once (within the one-second bound the reset test
 * holds), exactly as after a disable in the UI. A report to B of the same token afterwards changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/app/context.js';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createBrand } from '../support/fixtures.js';
import { GitHubReporter, leak } from '../support/github-reporter.js';
import { sharedEnvironment, verifyOn } from '../support/nodes.js';
import { type RunningServer, startSidekey } from '../support/servers.js';

describe.runIf(DIALECTS.includes('postgres'))('leak reports across nodes: two server processes on one PostgreSQL', () => {
  const github = new GitHubReporter();
  let db: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;
  let issued: { tokenId: string; accountSid: string; authToken: string };
  let rowsOf: () => Promise<{ exposures: number; audit: number }>;
  let closeSetup: () => Promise<void>;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const env = sharedEnvironment(db, { LEAK_REPORT_PUBLIC_KEYS: github.publicKeys() });
    const setup = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    closeSetup = () => setup.close();
    const brand = await createBrand(setup);
    const { token, authToken } = await setup.tokens.create(brand.admin, brand.accountId, { name: 'Leaked', scopes: ['listActions'] });
    issued = { tokenId: token.id, accountSid: token.accountSid, authToken };
    rowsOf = async () => ({
      exposures: (await setup.store.db.selectFrom('token_exposures').select('id').where('token_id', '=', token.id).execute()).length,
      audit: (await setup.store.db.selectFrom('audit_events').select('id').where('token_id', '=', token.id).execute()).length,
    });
    [a, b] = await Promise.all([startSidekey(env), startSidekey(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await closeSetup?.();
    await db?.drop();
  });

  const reportTo = async (node: RunningServer) => {
    const body = JSON.stringify([leak(issued.authToken)]);
    const response = await fetch(`${node.url}/v1/leaks`, { method: 'POST', headers: github.headers(body), body });
    expect(response.status).toBe(200);
    return response.json();
  };

  it('a report to node A makes node B refuse the token as TOKEN_DISABLED at once', async () => {
    expect((await verifyOn(b.url, issued.accountSid, issued.authToken)).code).toBe('ALLOWED'); // B has it cached
    expect(await reportTo(a)).toEqual([{ token_raw: issued.authToken, token_type: 'sidekey_auth_token', label: 'true_positive' }]);
    const answered = performance.now();
    let outcome = await verifyOn(b.url, issued.accountSid, issued.authToken);
    while (outcome.code !== 'TOKEN_DISABLED' && performance.now() - answered < 1000) outcome = await verifyOn(b.url, issued.accountSid, issued.authToken);
    console.log(`leak report on A → TOKEN_DISABLED on B after ${(performance.now() - answered).toFixed(1)} ms`);
    expect(outcome.code).toBe('TOKEN_DISABLED');
    expect((await verifyOn(a.url, issued.accountSid, issued.authToken)).code).toBe('TOKEN_DISABLED');
  });

  it('the same report to node B afterwards answers the same and writes nothing', async () => {
    const before = await rowsOf();
    expect(before).toEqual({ exposures: 1, audit: 3 }); // created, disabled, exposed
    expect((await reportTo(b))[0].label).toBe('true_positive');
    expect(await rowsOf()).toEqual(before);
  });
});
