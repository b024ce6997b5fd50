import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';

describeEachDialect('token lifecycle', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  beforeAll(async () => {
    t = await createTestContext(dialect);
    brand = await createBrand(t.context);
  });
  afterAll(() => t.close());

  it('a created token comes back in the list with its scopes, and its secret is never part of it', async () => {
    const { token, authToken } = await t.context.tokens.create(brand.admin, brand.accountId, { name: 'Nightly sync', scopes: ['listActions', 'getActionById'] });
    expect(authToken).toMatch(/^skt_[0-9A-Za-z]{36}$/);
    const page = await t.context.tokens.list(brand.admin, brand.accountId, { name: 'NIGHTLY' });
    expect(page.items.map((i) => i.id)).toEqual([token.id]);
    expect(page.items[0].scopes).toEqual(['getActionById', 'listActions']);
    expect(JSON.stringify(page)).not.toContain(authToken);
  });
});
