/**
 * kill -9 under write load, on both databases: a `sidekey serve` takes resets, disables and enables as fast as
 * eight clients can send them and is killed mid-flight. Every acknowledged mutation must be in the database
 * (0 lost), and every mutation there must be whole: the token row's revision, its audit event and its
 * change-log row together (0 half-applied).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createContext, type Context } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { hashSecret } from '../../src/domain/credentials.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { manage, sharedEnvironment, signIn } from '../support/nodes.js';
import { issueToken } from '../verify/helpers.js';
import { type RunningServer, startSidekey } from '../support/servers.js';

const WORKERS = 8;
const TOKENS_PER_WORKER = 3;
const KILL_AFTER_ACKS = 1_100;
const MUTATION_ACTIONS = ['token.reset', 'token.disable', 'token.enable'] as const;

interface Acked {
  count: number;
  /** The Auth Token of the last acknowledged mutation, if that was a reset. */
  lastSecret: string | undefined;
}

describeEachDialect('kill -9 under write load', (dialect) => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let brand: Brand;
  let server: RunningServer;
  const tokenIds: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    env = sharedEnvironment(db);
    const setup = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    brand = await createBrand(setup);
    for (let i = 0; i < WORKERS * TOKENS_PER_WORKER; i++) tokenIds.push((await issueToken(setup, brand)).tokenId);
    await setup.close();
    server = await startSidekey(env);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('at least 1,000 acknowledged mutations, then kill -9: none lost, none half-applied (row, audit event and change-log row together)', async () => {
    const session = await signIn(server.url, brand.emails.account_administrator);
    const acked = new Map<string, Acked>(tokenIds.map((id) => [id, { count: 0, lastSecret: undefined }]));
    let total = 0;
    let killed = false;
    const base = `/accounts/${brand.accountId}/tokens`;
    // Each worker owns its tokens, so their mutations never race each other: committed is acked, or acked + 1.
    const worker = async (w: number) => {
      const own = tokenIds.slice(w * TOKENS_PER_WORKER, (w + 1) * TOKENS_PER_WORKER);
      for (let step = 0; !killed; step++) {
        const id = own[step % own.length];
        const op = ['reset', 'disable', 'enable'][Math.floor(step / own.length) % 3];
        const answer = await manage(session, 'POST', `${base}/${id}/${op}`, undefined, 10_000);
        if (answer.status !== 200) {
          expect(killed, `an answer before the kill: ${answer.status} ${JSON.stringify(answer.body)}`).toBe(true);
          return;
        }
        const entry = acked.get(id)!;
        entry.count++;
        entry.lastSecret = op === 'reset' ? answer.body.authToken : undefined;
        if (++total >= KILL_AFTER_ACKS && !killed) {
          killed = true;
          server.signal('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    expect((await server.exited).signal).toBe('SIGKILL');
    expect(total).toBeGreaterThanOrEqual(1_000);

    const after: Context = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    try {
      const d = after.store.db;
      let committedTotal = 0;
      for (const id of tokenIds) {
        const row = await d.selectFrom('tokens').select(['revision', 'secret_hash']).where('id', '=', id).executeTakeFirstOrThrow();
        const committed = Number(row.revision) - 1;
        const events = await d.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('token_id', '=', id).where('action', 'in', [...MUTATION_ACTIONS]).executeTakeFirstOrThrow();
        const logged = await d.selectFrom('change_log').select((eb) => eb.fn.countAll().as('n')).where('token_id', '=', id).executeTakeFirstOrThrow();
        const mine = acked.get(id)!;
        expect(committed, `token ${id}: acknowledged ${mine.count}`).toBeGreaterThanOrEqual(mine.count); // 0 lost
        expect(committed).toBeLessThanOrEqual(mine.count + 1);
        expect(Number(events.n), `token ${id}: audit events`).toBe(committed); // 0 half-applied
        expect(Number(logged.n), `token ${id}: change-log rows`).toBe(committed);
        if (committed === mine.count && mine.lastSecret) expect(row.secret_hash).toBe(hashSecret(mine.lastSecret, after.keys.hashKey, 'hex'));
        committedTotal += committed;
      }
      expect(committedTotal).toBeGreaterThanOrEqual(total);
      console.log(`kill -9 [${dialect}]: ${total} acknowledged, ${committedTotal} committed, 0 lost, 0 half-applied`);
    } finally {
      await after.close();
    }
  });
});
