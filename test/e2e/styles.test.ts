/**
 * The UI loads Mantine's styles one component at a time (web/src/mantine.css), not the whole library's sheet:
 * every page, and every menu, dialog, dropdown, date picker, tooltip and toast it opens, must still have the
 * styles of each Mantine part it shows. A component used without its line in mantine.css fails here, named.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInToApi } from './support/api.js';
import { launchChromiumPerFile, signIn, unstyledMantineParts, type ConsoleProblem } from './support/browser.js';
import { startServerPerFile } from './support/server.js';

let tokenId = '';
const TOKEN = 'Warehouse sync';

const server = startServerPerFile({
  setUp: async (server) => {
    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`);
    await api.post(`/accounts/${server.accountId}/legacy-tokens`);
    tokenId = (await api.createToken(server.accountId, { name: TOKEN, scopes: ['listActions', 'getActionById'] })).token.id;
  },
});

const chromium = launchChromiumPerFile();

describe('every Mantine part on screen is styled', () => {
  let context: BrowserContext;
  let page: Page;
  let problems: ConsoleProblem[];
  const api = () => `/accounts/${server.accountId}/settings/api`;

  beforeAll(async () => {
    ({ context, page, problems } = await chromium.openPage(server.baseUrl));
  });
  afterAll(async () => {
    await context?.close();
  });

  const expectStyled = async (what: string) => {
    expect(await unstyledMantineParts(page), what).toEqual([]);
  };
  const closeOverlay = async () => {
    await page.keyboard.press('Escape');
    // Dropdowns of inputs stay in the page, hidden; menus and dialogs leave it after their transition.
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('.mantine-Menu-dropdown, .mantine-Modal-content, .mantine-Popover-dropdown')).every((e) => (e as HTMLElement).offsetParent === null),
    );
  };

  it('sign-in and the signed-in frame with its menus', async () => {
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expectStyled('the sign-in page');
    await signIn(page, server.admin);
    await page.waitForURL(/\/settings$/);
    await expectStyled('Settings');
    await page.getByRole('button', { name: /Switch account/ }).click();
    await page.getByRole('menuitem', { name: /E2E Second Brand/ }).waitFor();
    await expectStyled('the account switcher');
    await closeOverlay();
    await page.getByRole('button', { name: /User menu for/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).waitFor();
    await expectStyled('the profile menu');
    await closeOverlay();
  });

  it('Notifications & webhooks: the e-mail settings and the endpoint form', async () => {
    await page.goto(`/accounts/${server.accountId}/settings/webhooks`);
    await page.getByRole('region', { name: 'E-mail notifications' }).getByText('When to send').waitFor();
    await expectStyled('Notifications & webhooks');
  });

  it('the API page, its filters, a card menu, a confirmation and a toast', async () => {
    await page.goto(api());
    await page.getByRole('article', { name: TOKEN, exact: true }).waitFor();
    await page.getByRole('region', { name: 'Legacy Account Tokens' }).waitFor();
    await expectStyled('the API page');
    await page.getByLabel('Created On').first().click();
    await page.getByRole('option', { name: 'More than 30 days' }).waitFor();
    await expectStyled('the Created On dropdown');
    await closeOverlay();
    await page.getByRole('article', { name: TOKEN, exact: true }).getByRole('button', { name: `More actions for ${TOKEN}` }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete access token?' }).waitFor();
    await expectStyled('the delete confirmation');
    await closeOverlay();
    await page.getByRole('article', { name: TOKEN, exact: true }).getByRole('button', { name: `More actions for ${TOKEN}` }).click();
    await page.getByRole('menuitem', { name: 'Disable' }).click();
    await page.locator('.mantine-Notification-root').first().waitFor();
    await expectStyled('a toast');
  });

  it('each step of the create wizard, with its date picker and tag inputs', async () => {
    await page.goto(`${api()}/tokens/new`);
    await page.getByLabel('Token Name').fill('Styles check');
    await expectStyled('wizard step 1');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '2. Contact Information' }).waitFor();
    await expectStyled('wizard step 2');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '3. API Scopes' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search scopes' }).fill('Retrieve action');
    await page.getByRole('checkbox', { name: /^Retrieve actions \(GET / }).check();
    await expectStyled('wizard step 3');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '4. Review' }).waitFor();
    await expectStyled('wizard step 4');
  });

  it("a token's sections, its date picker and the copy tooltip", async () => {
    const token = `${api()}/tokens/${tokenId}`;
    await page.goto(`${token}/overview`);
    await page.getByLabel('Expires on').click();
    await page.locator('.mantine-DatePickerInput-day, .mantine-Day-day, [class*="Day"]').first().waitFor();
    await expectStyled('the overview with its date picker open');
    await closeOverlay();
    await page.goto(`${token}/credentials`);
    await page.getByRole('button', { name: 'Copy Account SID' }).click();
    await page.getByRole('tooltip', { name: 'Copied' }).waitFor();
    await expectStyled('the credentials with the copy tooltip');
    await page.goto(`${token}/scopes`);
    await page.getByRole('searchbox', { name: 'Search scopes' }).waitFor();
    await expectStyled('the scopes');
    await page.goto(`${token}/activity`);
    await page.getByRole('heading', { name: 'Change history' }).waitFor();
    await expectStyled('the activity');
    expect(problems).toEqual([]);
  });
});
