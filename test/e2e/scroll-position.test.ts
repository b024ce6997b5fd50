/**
 * Where a page opens: every navigation to a new page starts at its top, on a desktop and on a phone — after
 * Create at the bottom of a long wizard, from far down the token list, and after Duplicate — while Back returns
 * to where the user was on the page they left.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it, onTestFailed } from 'vitest';
import { signInToApi } from './support/api.js';
import { launchChromiumPerFile, screenshot, signInFromLoginPage } from './support/browser.js';
import { startServerPerFile } from './support/server.js';

const server = startServerPerFile({
  setUp: async (server) => {
    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`, {});
    // Enough cards that the last ones are several screens down the list.
    for (let n = 1; n <= 30; n++) await api.createToken(server.accountId, { name: `Listed integration ${String(n).padStart(2, '0')}`, scopes: ['listActions'] });
  },
});

const chromium = launchChromiumPerFile();

const scrollY = (page: Page) => page.evaluate(() => window.scrollY);

async function inViewport(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  return box !== null && box.y >= 0 && box.y + box.height <= page.viewportSize()!.height;
}

const headingInView = (page: Page, name: string) => inViewport(page, page.getByRole('heading', { name, level: 1 }));

async function scrollToBottom(page: Page) {
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await expect.poll(() => scrollY(page)).toBeGreaterThan(0);
}

for (const device of ['desktop', 'phone'] as const) {
  describe(`on a ${device}`, () => {
    it('opens the new token at its top after Create at the bottom of a long wizard, and after Duplicate', async () => {
      const { context, page, problems } = await chromium.openPage(server.baseUrl, { device });
      onTestFailed(() => screenshot(page, `failed-scroll-position-create-${device}`, { fullPage: false }).catch(() => undefined));
      await signInFromLoginPage(page, server.admin);
      await page.goto(`/accounts/${server.accountId}/settings/api/tokens/new`);
      await page.getByLabel('Token Name').fill(`Scrolled on a ${device}`);
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('heading', { name: '2. Contact Information' }).waitFor();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('heading', { name: '3. API Scopes' }).waitFor();
      // Every category on (by keyboard: the fixed header covers switches scrolled under it); the Review step then
      // lists each scope, a page several screens tall.
      for (const toggle of await page.getByRole('switch', { name: /^Select all .* scopes$/ }).all()) await toggle.press('Space');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('heading', { name: '4. Review' }).waitFor();
      await scrollToBottom(page);
      await page.getByRole('button', { name: 'Create', exact: true }).click();

      const dialog = page.getByRole('dialog', { name: 'Your new access token' });
      await dialog.getByRole('button', { name: 'I have copied it' }).click();
      await page.locator('[role="dialog"]').waitFor({ state: 'detached' });
      await page.waitForURL(/\/tokens\/[^/]+\/credentials$/);
      await page.getByRole('heading', { name: 'API Credentials', level: 2 }).waitFor();
      expect(await scrollY(page)).toBe(0);
      expect(await headingInView(page, `Scrolled on a ${device}`)).toBe(true);

      // Duplicate keeps the user on this page, at its top, with the copy's secret in a dialog.
      await page.getByRole('button', { name: `More actions for Scrolled on a ${device}` }).click();
      await page.getByRole('menuitem', { name: 'Duplicate' }).click();
      await page.getByRole('dialog', { name: 'Your duplicated access token' }).getByRole('button', { name: 'I have copied it' }).click();
      await page.locator('[role="dialog"]').waitFor({ state: 'detached' });
      expect(await scrollY(page)).toBe(0);
      expect(await headingInView(page, `Scrolled on a ${device}`)).toBe(true);

      expect(problems).toEqual([]);
      await context.close();
    }, 180_000);

    it('opens a token from far down the list at its top, and Back returns to the same place in the list', async () => {
      const { context, page, problems } = await chromium.openPage(server.baseUrl, { device });
      onTestFailed(() => screenshot(page, `failed-scroll-position-list-${device}`, { fullPage: false }).catch(() => undefined));
      await signInFromLoginPage(page, server.admin);
      await page.goto(`/accounts/${server.accountId}/settings/api`);
      // The list shows the newest first: this card is several screens down.
      const card = page.getByRole('link', { name: 'Listed integration 10', exact: true });
      await card.scrollIntoViewIfNeeded();
      const inList = await scrollY(page);
      expect(inList).toBeGreaterThan(0);
      await card.click();
      await page.waitForURL(/\/tokens\/[^/]+\/overview$/);
      await page.getByRole('heading', { name: 'Listed integration 10', level: 1 }).waitFor();
      expect(await scrollY(page)).toBe(0);
      expect(await headingInView(page, 'Listed integration 10')).toBe(true);

      // Back: the list where the user left it, not its top. Within a screen, not to the pixel: cards off screen
      // are laid out at an estimated height (content-visibility in styles.css) until they are first shown.
      await page.goBack();
      await page.getByRole('heading', { name: 'API', level: 1 }).waitFor({ state: 'attached' });
      await card.waitFor();
      await expect.poll(async () => Math.abs((await scrollY(page)) - inList)).toBeLessThan(page.viewportSize()!.height);

      expect(problems).toEqual([]);
      await context.close();
    }, 180_000);
  });
}
