/**
 * The API page's Created On and State filters are stand-ins until first used (SelectOnFirstUse): each works the
 * way a Select does from its first press or keystroke — reached with Tab and chosen with the arrows and Enter,
 * cleared with its clear button before it was ever opened — and what it shows follows the URL.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { signInToApi } from './support/api.js';
import { launchChromiumPerFile, screenshot, signInFromLoginPage } from './support/browser.js';
import { startServerPerFile } from './support/server.js';

const server = startServerPerFile({
  setUp: async (server) => {
    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`, {});
    await api.createToken(server.accountId, { name: 'Nightly export', scopes: ['listActions'] });
  },
});

const chromium = launchChromiumPerFile();

describe('the API page filters before their first use', () => {
  it('are reached with Tab and chosen with the keyboard, and clear a value from the URL without being opened', async () => {
    const { context, page, problems } = await chromium.openPage(server.baseUrl);
    onTestFailed(() => screenshot(page, 'failed-filter-selects', { fullPage: false }).catch(() => undefined));
    await signInFromLoginPage(page, server.admin);

    await page.goto(`/accounts/${server.accountId}/settings/api`);
    const search = page.getByRole('searchbox', { name: 'Search by Name' });
    await search.focus();
    await page.keyboard.press('Tab');
    const createdOn = page.getByRole('combobox', { name: 'Created On' });
    await expect.poll(() => createdOn.evaluate((input) => input === document.activeElement)).toBe(true);

    // Down opens the list; Down again until "Last 30 days" is the one marked, then Enter chooses it.
    const wanted = page.getByRole('option', { name: 'Last 30 days' });
    await page.keyboard.press('ArrowDown');
    for (let step = 0; step < 4 && (await wanted.getAttribute('data-combobox-selected')) === null; step++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(/createdOn=last30/);
    await expect.poll(() => createdOn.inputValue()).toBe('Last 30 days');

    // A fresh load on a filtered address shows the value in the stand-in, whose clear button works as the Select's.
    await page.goto(`/accounts/${server.accountId}/settings/api?state=disabled`);
    const state = page.getByRole('combobox', { name: 'State' });
    await expect.poll(() => state.inputValue()).toBe('Disabled');
    await page.locator('[aria-label="Clear the State filter"]').click();
    await expect.poll(() => new URL(page.url()).searchParams.has('state')).toBe(false);
    expect(await state.inputValue()).toBe('');

    expect(problems).toEqual([]);
    await context.close();
  });
});
