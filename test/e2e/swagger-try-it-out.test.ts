/**
 * The interactive documentation can perform a mutation: signed in, with the CSRF token pasted into
 * Authorize → csrf, "Try it out" on "Enable API access" sends X-CSRF-Token and the server answers 200.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/brands.js';
import { createHttpHarness, type HttpHarness } from '../support/http.js';
import { launchChromiumPerFile } from './support/browser.js';

const chromium = launchChromiumPerFile();
let h: HttpHarness;
let brand: Brand;
let baseUrl: string;
beforeAll(async () => {
  h = await createHttpHarness('sqlite');
  brand = await createBrand(h.context, { apiAccess: false });
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => h.close());

it('Try it out enables API access with the session cookie and the CSRF token from Authorize', async () => {
  const { page } = await chromium.openPage(baseUrl);
  await page.goto('/api/docs');
  // Signed in as the web UI would be: the browser keeps the session cookie for this origin.
  const csrfToken = await page.evaluate(async (credentials) => {
    const response = await fetch('/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
    return (await response.json()).csrfToken as string;
  }, { email: brand.emails.account_administrator, password: TEST_PASSWORD });
  const sentTokens: (string | undefined)[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api-access')) sentTokens.push(request.headers()['x-csrf-token']);
  });

  await page.getByRole('button', { name: /Authorize/ }).first().click();
  const csrf = page.locator('.auth-container', { hasText: 'X-CSRF-Token' });
  await csrf.locator('input').fill(csrfToken);
  await csrf.getByRole('button', { name: 'Apply credentials' }).click();
  await page.locator('.modal-ux button.close-modal').click();

  const operation = page.locator('#operations-tokens-enableApiAccess');
  await operation.locator('.opblock-summary').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  await operation.locator('input[placeholder="accountId"]').fill(brand.accountId);
  await operation.getByRole('button', { name: 'Execute' }).click();
  await expect.poll(() => operation.locator('.live-responses-table .response-col_status').allInnerTexts()).toContain('200');

  expect(sentTokens).toEqual([csrfToken]);
  expect((await h.context.tokens.apiSettings(brand.admin, brand.accountId)).apiAccessEnabled).toBe(true);
});
