/** The store fixture: what gives a store or HTTP test its database, services, brand and signed-in API (brands.ts makes the brand). */
import type { FastifyInstance } from 'fastify';
import { describe, test as base } from 'vitest';
import type { Config } from '../../src/config.js';
import { DIALECTS, createTestContext, type Context, type DialectName, type TestContext, type TestDatabase } from './databases.js';
import { type HttpHarness, type Session, login, startHttpApp } from './http.js';
import { TEST_PASSWORD, createBrand, type Brand } from './brands.js';

export { TEST_PASSWORD, createBrand, type Brand } from './brands.js';

/** What a test file asks of its store: the service clock, configuration set over the test one, and the brand's API access. */
export interface StoreOptions {
  now?: () => number;
  config?: Partial<Config>;
  apiAccess?: boolean;
}

/** One migrated database with its services and brand, per dialect and options, shared by the tests of a file (as a beforeAll would). */
interface World {
  t: TestContext;
  brand: Brand;
  http?: Promise<Pick<HttpHarness, 'app' | 'routes'>>;
  admin?: Promise<Session>;
}

class Worlds {
  private readonly worlds = new Map<StoreOptions, Map<DialectName, Promise<World>>>();

  get(dialect: DialectName, options: StoreOptions): Promise<World> {
    const byDialect = this.worlds.get(options) ?? new Map<DialectName, Promise<World>>();
    this.worlds.set(options, byDialect);
    let world = byDialect.get(dialect);
    if (!world) {
      world = (async () => {
        const t = await createTestContext(dialect, { config: options.config, now: options.now });
        return { t, brand: await createBrand(t.context, { apiAccess: options.apiAccess }) };
      })();
      byDialect.set(dialect, world);
    }
    return world;
  }

  async close(): Promise<void> {
    for (const world of [...this.worlds.values()].flatMap((byDialect) => [...byDialect.values()])) {
      const { t, http } = await world;
      await (await http)?.app.close();
      await t.close();
    }
  }
}

/**
 * The test API of store and HTTP tests. A test names what it needs and gets it on the dialect of its
 * `describeEachStore` block: `context` (every service on a fresh, migrated database), `database` (its DATA_DIR
 * and URL), `brand` (an account with one user per role), `app` and `routes` (the management API in-process and
 * every route it registered), `admin` (the brand's Account Administrator signed in). All are made on first
 * use, shared by the file's tests on that dialect, and closed when the file ends, also when a test failed.
 */
export const test = base.extend<{
  $file: { worlds: Worlds };
  $test: {
    dialect: DialectName;
    storeOptions: StoreOptions;
    context: Context;
    database: TestDatabase;
    brand: Brand;
    app: FastifyInstance;
    routes: HttpHarness['routes'];
    admin: Session;
  };
}>({
  worlds: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this destructuring, and this one has none.
    async ({}, use) => {
      const worlds = new Worlds();
      await use(worlds);
      await worlds.close();
    },
    { scope: 'file' },
  ],
  dialect: 'sqlite',
  storeOptions: {},
  context: async ({ worlds, dialect, storeOptions }, use) => use((await worlds.get(dialect, storeOptions)).t.context),
  database: async ({ worlds, dialect, storeOptions }, use) => use((await worlds.get(dialect, storeOptions)).t.db),
  brand: async ({ worlds, dialect, storeOptions }, use) => use((await worlds.get(dialect, storeOptions)).brand),
  app: async ({ worlds, dialect, storeOptions }, use) => use((await http(await worlds.get(dialect, storeOptions))).app),
  routes: async ({ worlds, dialect, storeOptions }, use) => use((await http(await worlds.get(dialect, storeOptions))).routes),
  admin: async ({ worlds, dialect, storeOptions }, use) => {
    const world = await worlds.get(dialect, storeOptions);
    world.admin ??= http(world).then(({ app }) => login(app, world.brand.emails.account_administrator, TEST_PASSWORD));
    await use(await world.admin);
  },
});

function http(world: World): Promise<Pick<HttpHarness, 'app' | 'routes'>> {
  world.http ??= startHttpApp(world.t.context);
  return world.http;
}

/** `describe` once per dialect ("tokens [sqlite]", "tokens [postgres]"), its tests given that dialect's store. */
export function describeEachStore(name: string, options: StoreOptions, body: (dialect: DialectName) => void): void {
  for (const dialect of DIALECTS) describeStore(`${name} [${dialect}]`, dialect, options, body);
}

/** `describe` whose tests get a store of `dialect` made with `options` (one per options object and dialect). */
export function describeStore(name: string, dialect: DialectName, options: StoreOptions, body: (dialect: DialectName) => void): void {
  describe(name, () => {
    test.override({ dialect, storeOptions: options });
    body(dialect);
  });
}
