/**
 * Every confirmation of a destructive action, open in Chromium and checked with axe-core: the red button that
 * removes a user, deletes or resets a token or deletes a webhook endpoint must be as readable as the rest of the
 * page (color-contrast is a serious violation), and so must the red Delete entry of a token's [More] menu.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFailed } from 'vitest';
import { signInToApi } from './support/api.js';
import { launchChromiumPerFile, screenshot, seriousAccessibilityViolations, signInFromLoginPage } from './support/browser.js';
import { startServerPerFile } from './support/server.js';

const TOKEN = 'Nightly export';
const ENDPOINT = 'http://127.0.0.1:9/sidekey-events';

const server = startServerPerFile({
  env: { WEBHOOK_ALLOWED_PRIVATE_TARGETS: 'loopback' },
  setUp: async (server) => {
    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`, {});
    await api.createToken(server.accountId, { name: TOKEN, scopes: ['listActions'] });
    await api.post(`/accounts/${server.accountId}/webhooks`, { url: ENDPOINT, events: ['token.created'] });
  },
});

const chromium = launchChromiumPerFile();

/** The dialog is open and, once settled, axe-clean; then it is closed with Cancel. */
async function expectReadableAndCancel(page: Page, title: string, confirmLabel: string) {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.getByRole('button', { name: confirmLabel, exact: true }).waitFor();
  expect(await seriousAccessibilityViolations(page), `axe-core on "${title}"`).toEqual([]);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('[role="dialog"]').waitFor({ state: 'detached' });
}

describe('destructive confirmations', () => {
  it('remove user, delete token, reset token and delete endpoint: each red button passes axe-core', async () => {
    const { context, page, problems } = await chromium.openPage(server.baseUrl);
    onTestFailed(() => screenshot(page, 'failed-destructive-dialogs', { fullPage: false }).catch(() => undefined));
    await signInFromLoginPage(page, server.admin);

    await page.goto(`/accounts/${server.accountId}/settings/users`);
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await page.getByRole('button', { name: /^Remove Andy Analyst/ }).click();
    await expectReadableAndCancel(page, 'Remove Andy Analyst?', 'Remove user');

    await page.goto(`/accounts/${server.accountId}/settings/api`);
    await page.getByRole('button', { name: `More actions for ${TOKEN}` }).click();
    const deleteItem = page.getByRole('menuitem', { name: 'Delete' });
    await deleteItem.waitFor();
    expect(await seriousAccessibilityViolations(page), 'axe-core on the [More] menu').toEqual([]);
    await deleteItem.click();
    await expectReadableAndCancel(page, 'Delete access token?', 'Delete token');
    await page.getByRole('button', { name: `More actions for ${TOKEN}` }).click();
    await page.getByRole('menuitem', { name: 'Reset' }).click();
    await expectReadableAndCancel(page, `Reset ${TOKEN}?`, 'Reset token');
    await screenshot(page, 'destructive-dialogs-after-cancel', { fullPage: false });

    await page.goto(`/accounts/${server.accountId}/settings/webhooks`);
    await page.getByRole('region', { name: `Endpoint ${ENDPOINT}` }).getByRole('button', { name: 'Delete', exact: true }).click();
    await expectReadableAndCancel(page, 'Delete this endpoint?', 'Delete');

    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
