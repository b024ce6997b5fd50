/**
 * The API page with more than a thousand tokens: cards arrive a page at a time as the user scrolls, every
 * token is reachable, and the name search narrows the list on the server. Behaviour is asserted; the time
 * it took is printed for information only (these machines are shared and noisy).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signInToApi } from './support/api.js';
import { screenshot, signIn, launchChromiumPerFile } from './support/browser.js';
import { startServerPerFile } from './support/server.js';

const TOKEN_COUNT = 1_050;

const server = startServerPerFile({
  setUp: async (server) => {
    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`);
    // Sequential in small parallel batches: enough to seed quickly without turning the test into a load test.
    for (let start = 0; start < TOKEN_COUNT; start += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, TOKEN_COUNT - start) }, (_, k) =>
          api.createToken(server.accountId, { name: `Integration #${start + k}`, description: `Seeded token ${start + k}`, scopes: ['listActions'] }),
        ),
      );
    }
  },
}, 300_000);

const chromium = launchChromiumPerFile();

const countText = (page: Page) => page.getByRole('status').filter({ hasText: /token/ }).first();

/** The grid is aria-busy while it fetches or is still drawing the cards it received. */
const listSettled = (page: Page) => page.waitForFunction(() => document.querySelector('[aria-busy]:has(> article)')?.getAttribute('aria-busy') === 'false');

describe('the token list at scale', () => {
  it('pages through 1,050 tokens by scrolling and searches them by name', async () => {
    const { context, page, problems } = await chromium.openPage(server.baseUrl, { timeoutMs: 20_000 });
    await page.goto('/login');
    await signIn(page, server.admin);
    await page.waitForURL(/\/settings$/);
    await page.goto(`/accounts/${server.accountId}/settings/api`);

    // First page only: the newest 50, with more to come.
    await page.getByRole('article', { name: `Integration #${TOKEN_COUNT - 1}`, exact: true }).waitFor();
    await listSettled(page);
    expect(await page.getByRole('article').count()).toBe(50);
    expect(await countText(page).textContent()).toContain('Showing the 50 newest tokens');

    // Scrolling to the end keeps loading pages until every token is there.
    const started = Date.now();
    const cardsInPage = () => page.evaluate(() => document.querySelectorAll('article').length);
    for (let loaded = await cardsInPage(); loaded < TOKEN_COUNT; loaded = await cardsInPage()) {
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.waitForFunction((before) => document.querySelectorAll('article').length > before, loaded);
    }
    expect(await countText(page).textContent()).toContain(`${TOKEN_COUNT.toLocaleString('en-US')} tokens`);
    expect(await cardsInPage()).toBe(TOKEN_COUNT);
    await page.getByRole('article', { name: 'Integration #0', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    console.info(`all ${TOKEN_COUNT} token cards loaded by scrolling in ${Date.now() - started} ms`);
    await screenshot(page, 'scale-all-loaded', { fullPage: false });

    // The search asks the server: "#104" is #104 and #1040–#1049.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('searchbox', { name: 'Search by Name' }).fill('#104');
    await page.waitForURL(/name=%23104/);
    await page.getByText('11 tokens matching the filters').waitFor();
    await listSettled(page);
    expect(await page.getByRole('article').count()).toBe(11);

    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);
});
