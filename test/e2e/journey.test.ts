/**
 * The product's whole journey in a real browser against a real server: sign in, enable API access, create a token
 * through the wizard, read its credentials, reset, disable, filter, duplicate, upgrade, delete, enable legacy
 * tokens, and finally find no way in as an Analyst. Any console error fails the run; the API page and the
 * wizard must have no serious or critical axe-core violations. Screenshots go to test-results/e2e/.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import {
  screenshot,
  seriousAccessibilityViolations,
  signIn,
  launchChromiumPerFile,
  type ConsoleProblem,
} from './support/browser.js';
import { startServerPerFile } from './support/server.js';
import { startUpstream, type RunningServer } from '../support/servers.js';

const TOKEN_NAME = 'E2E Warehouse sync';
const TWO_SCOPES = [/^Retrieve actions \(GET /, /^Retrieve action \(GET /];

interface Credentials {
  accountSid: string;
  authToken: string;
}

/**
 * The credentials the UI handed out, used for real through the gateway (`serve --upstream`) in front of a
 * small upstream process: allowed requests reach it, refused ones stop at Sidekey with the status the
 * product promises (401 wrong or old secret, 403 disabled or out of scope).
 */
async function expectAtGateway(credentials: Credentials, path: string, status: 200 | 401 | 403): Promise<void> {
  const url = `${server.baseUrl}/Advertisers/${credentials.accountSid}${path}`;
  const response = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}` } });
  const body = await response.text();
  expect({ path, status: response.status }, body).toEqual({ path, status });
  if (status === 200) expect(response.headers.get('x-upstream')).toBe('platform');
  else expect(JSON.parse(body)).toMatchObject({ Status: 'ERROR' });
}

let upstream: RunningServer;

beforeAll(async () => {
  upstream = await startUpstream();
});

afterAll(async () => {
  await upstream?.stop();
});

const server = startServerPerFile(() => ({ upstreamUrl: upstream.url }));

const chromium = launchChromiumPerFile();

async function expectNoSeriousViolations(page: Page, where: string) {
  const violations = await seriousAccessibilityViolations(page);
  expect(violations, `axe-core on ${where}`).toEqual([]);
}

async function chooseOption(page: Page, label: string, option: string | RegExp) {
  await page.getByLabel(label, { exact: false }).first().click();
  await page.getByRole('option', { name: option }).click();
}

function card(page: Page, name: string) {
  return page.getByRole('article', { name, exact: true });
}

async function openCardMenu(page: Page, name: string) {
  await card(page, name).getByRole('button', { name: `More actions for ${name}` }).click();
}

async function closeNewSecretDialog(page: Page, title: string): Promise<Credentials> {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  const credentials = {
    accountSid: (await dialog.getByTestId('new-secret-account-sid').textContent())!.trim(),
    authToken: (await dialog.getByTestId('new-secret-auth-token').textContent())!.trim(),
  };
  await dialog.getByRole('button', { name: 'I have copied it' }).click();
  await dialog.waitFor({ state: 'detached' });
  return credentials;
}

describe('the API access token journey', () => {
  let context: BrowserContext;
  let page: Page;
  let problems: ConsoleProblem[];

  beforeAll(async () => {
    ({ context, page, problems } = await chromium.openPage(server.baseUrl));
  });

  afterAll(async () => {
    await context?.close();
  });

  // When a step fails, the page as it was is the quickest explanation.
  beforeEach(({ task }) => {
    onTestFailed(async () => {
      await screenshot(page, `failed-${task.name.replace(/\W+/g, '-')}`).catch(() => undefined);
    });
  });

  it('walks every token action as an Account Administrator', async () => {
    const apiPage = `/accounts/${server.accountId}/settings/api`;

    // A deep link while signed out goes to the login page and comes back after signing in.
    await page.goto(apiPage);
    await page.waitForURL(/\/login\?next=/);
    await screenshot(page, '01-login');
    await signIn(page, server.admin);
    await page.waitForURL((url) => url.pathname === apiPage);

    // API access is off for a new account: explanation and one button.
    await page.getByText('API access is off for this account').waitFor();
    await screenshot(page, '02-api-access-off');
    await page.getByRole('button', { name: 'Enable API Access' }).click();
    await page.getByText('No access tokens yet').waitFor();
    expect(await page.getByRole('button', { name: 'Enable Legacy Tokens' }).isVisible()).toBe(true);
    await screenshot(page, '03-api-empty');
    await expectNoSeriousViolations(page, 'the API page (no tokens)');

    // The wizard: Setup → Contact Information → API Scopes → Review → Create.
    await page.getByRole('link', { name: 'Create Access Token' }).first().click();
    await page.getByRole('heading', { name: '1. Setup' }).waitFor();
    await page.getByLabel('Token Name').fill(TOKEN_NAME);
    await page.getByLabel('Description').fill('Nightly stock and order reconciliation for the warehouse.');
    await chooseOption(page, 'API Version', /^Version 13/);
    await expectNoSeriousViolations(page, 'the wizard (Setup)');
    await screenshot(page, '04-wizard-setup');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: '2. Contact Information' }).waitFor();
    // The name appears once the account's users have loaded, which a busy machine may take a moment to do.
    await expect.poll(() => page.getByLabel('Primary Contact').first().inputValue()).toContain('Erin Admin');
    const emails = page.getByRole('combobox', { name: 'Developer e-mails' });
    await emails.fill('not-an-address');
    await emails.press('Enter');
    await page.getByText('Not a valid e-mail address: not-an-address').waitFor();
    await emails.fill('dev@e2e.sidekey.test');
    await emails.press('Enter');
    await expectNoSeriousViolations(page, 'the wizard (Contact Information)');
    await screenshot(page, '05-wizard-contacts');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: '3. API Scopes' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Select at least one scope').waitFor();
    await page.getByRole('searchbox', { name: 'Search scopes' }).fill('Retrieve action');
    for (const scope of TWO_SCOPES) await page.getByRole('checkbox', { name: scope }).check();
    await page.getByText('2 scopes selected').waitFor();
    await expectNoSeriousViolations(page, 'the wizard (API Scopes)');
    await screenshot(page, '06-wizard-scopes');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: '4. Review' }).waitFor();
    await page.getByText('This token can call 2 endpoints').waitFor();
    await page.getByText('all of them read-only').waitFor();
    await expectNoSeriousViolations(page, 'the wizard (Review)');
    await screenshot(page, '07-wizard-review');
    await page.getByRole('button', { name: 'Create', exact: true }).click();

    // The new Auth Token is shown once, and the token's credentials page opens behind the dialog.
    const created = await closeNewSecretDialog(page, 'Your new access token');
    expect(created.authToken).toMatch(/^skt_[0-9A-Za-z]{36}$/);
    expect(created.accountSid).toMatch(/^[A-Z]{2}[0-9A-Za-z]{32}$/);
    await page.waitForURL(/\/tokens\/[^/]+\/credentials$/);
    const tokenUrl = page.url();

    // Reading the credentials from the page: masked until revealed (an audited request), each with a copy button.
    const authTokenField = page.getByTestId('credential-auth-token');
    expect(await authTokenField.textContent()).not.toContain('skt_');
    await page.getByRole('button', { name: 'Reveal Auth Token' }).click();
    await page.getByRole('button', { name: 'Hide Auth Token' }).waitFor();
    expect((await authTokenField.textContent())?.trim()).toBe(created.authToken);
    await page.getByRole('button', { name: 'Copy Account SID' }).click();
    await page.getByRole('tooltip', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(created.accountSid);
    await screenshot(page, '08-credentials');
    await expectAtGateway(created, '/Actions', 200);
    await expectAtGateway(created, '/Campaigns', 403); // not granted: the body names the scope it needs

    // Reset: the confirmation says the old value stops working at once; a new Auth Token is shown once.
    await page.getByRole('button', { name: 'Reset Token' }).click();
    const resetDialog = page.getByRole('dialog', { name: `Reset ${TOKEN_NAME}?` });
    await resetDialog.getByText('The current Auth Token stops working at once').waitFor();
    await screenshot(page, '09-reset-confirm');
    await resetDialog.getByRole('button', { name: 'Reset token' }).click();
    const afterReset = await closeNewSecretDialog(page, 'Your new Auth Token');
    expect(afterReset.accountSid).toBe(created.accountSid);
    expect(afterReset.authToken).not.toBe(created.authToken);
    await expectAtGateway(created, '/Actions', 401);
    await expectAtGateway(afterReset, '/Actions', 200);

    // Disable from the token page's [More] menu.
    await page.getByRole('button', { name: `More actions for ${TOKEN_NAME}` }).click();
    await page.getByRole('menuitem', { name: 'Disable' }).click();
    await page.getByText('This token is disabled').waitFor();
    await expectAtGateway(afterReset, '/Actions', 403);

    // Edit scopes: Update asks for confirmation, listing what is added and removed.
    await page.getByRole('link', { name: 'API Scopes' }).click();
    await page.getByRole('searchbox', { name: 'Search scopes' }).fill('Retrieve action items');
    await page.getByRole('checkbox', { name: /^Retrieve action items \(GET / }).check();
    await page.getByRole('button', { name: 'Update', exact: true }).click();
    const scopesDialog = page.getByRole('dialog', { name: 'Update scopes: 1 added, 0 removed?' });
    await scopesDialog.getByText('Retrieve action items').waitFor();
    await screenshot(page, '10-scopes-confirm');
    await scopesDialog.getByRole('button', { name: 'Update' }).click();
    await page.getByText(`${TOKEN_NAME} now has 3 scopes.`).waitFor();

    // Edit the description on the Overview, again through the confirmation.
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByLabel('Description').fill('Nightly stock, order and return reconciliation.');
    await page.getByRole('button', { name: 'Update', exact: true }).click();
    const overviewDialog = page.getByRole('dialog', { name: 'Update this token?' });
    await overviewDialog.getByText('Description changed').waitFor();
    await overviewDialog.getByRole('button', { name: 'Update' }).click();
    await page.getByText(`${TOKEN_NAME} was updated.`).waitFor();
    await screenshot(page, '11-overview');

    // The audit trail shows what happened, including the reveal.
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByText('Usage in the last 30 days').waitFor();
    await page.getByRole('heading', { name: 'Change history' }).waitFor();
    await screenshot(page, '12-activity');

    // Filters: by name (debounced, in the URL), by creation date and by state, then Clear All.
    await page.getByRole('link', { name: 'API', exact: true }).click();
    await card(page, TOKEN_NAME).waitFor();
    await page.getByRole('searchbox', { name: 'Search by Name' }).fill('warehouse');
    await page.waitForURL(/name=warehouse/);
    await card(page, TOKEN_NAME).waitFor();
    await page.getByRole('searchbox', { name: 'Search by Name' }).fill('no such token');
    await page.getByText('No tokens match these filters').waitFor();
    await page.getByRole('searchbox', { name: 'Search by Name' }).fill('');
    await card(page, TOKEN_NAME).waitFor();
    await chooseOption(page, 'Created On', 'More than 30 days');
    await page.waitForURL(/createdOn=older30/);
    await page.getByText('No tokens match these filters').waitFor();
    await chooseOption(page, 'Created On', 'Last 7 days');
    await card(page, TOKEN_NAME).waitFor();
    await chooseOption(page, 'State', 'Enabled');
    await page.waitForURL(/state=enabled/);
    await page.getByText('No tokens match these filters').waitFor();
    await screenshot(page, '13-filters-no-match');
    await chooseOption(page, 'State', 'Disabled');
    await card(page, TOKEN_NAME).waitFor();
    // A filtered list survives a reload: the filters live in the URL.
    await page.reload();
    await card(page, TOKEN_NAME).waitFor();
    expect(await page.getByLabel('State').first().inputValue()).toBe('Disabled');
    await page.getByRole('button', { name: 'Clear All' }).first().click();
    await page.waitForURL((url) => url.search === '');
    await card(page, TOKEN_NAME).waitFor();

    // Duplicate: a new token with the same rights, its Auth Token shown once.
    // …driven from the keyboard this time: the [More] button opens its menu with Enter.
    await card(page, TOKEN_NAME).getByRole('button', { name: `More actions for ${TOKEN_NAME}` }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Duplicate' }).focus();
    await page.keyboard.press('Enter');
    const duplicate = await closeNewSecretDialog(page, 'Your duplicated access token');
    expect(duplicate.accountSid).not.toBe(created.accountSid);
    const copyName = `Copy of ${TOKEN_NAME}`;
    await card(page, copyName).waitFor();
    expect(await card(page, copyName).getByText('3 scopes').isVisible()).toBe(true);

    // Upgrade Version: from 13 to the latest, with the scopes that would be dropped listed first (none here).
    expect(await card(page, TOKEN_NAME).getByText('upgrade available').isVisible()).toBe(true);
    await openCardMenu(page, TOKEN_NAME);
    await page.getByRole('menuitem', { name: 'Upgrade Version' }).click();
    const upgradeDialog = page.getByRole('dialog', { name: `Upgrade ${TOKEN_NAME}` });
    await upgradeDialog.getByText('All 3 scopes of this token exist in version 14').waitFor();
    await screenshot(page, '14-upgrade');
    await upgradeDialog.getByRole('button', { name: 'Upgrade to version 14' }).click();
    await upgradeDialog.waitFor({ state: 'detached' });
    await card(page, TOKEN_NAME).getByText('API v14', { exact: true }).waitFor();

    // Delete: the confirmation names the token.
    await openCardMenu(page, copyName);
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const deleteDialog = page.getByRole('dialog', { name: 'Delete access token?' });
    await deleteDialog.getByText(`“${copyName}”`).waitFor();
    await deleteDialog.getByRole('button', { name: 'Delete token' }).click();
    await card(page, copyName).waitFor({ state: 'detached' });

    // Enable Legacy Tokens: the button disappears and the Legacy Account Tokens card holds both pairs.
    await page.getByRole('button', { name: 'Enable Legacy Tokens' }).click();
    const legacy = page.getByRole('region', { name: 'Legacy Account Tokens' });
    await legacy.getByRole('link', { name: 'Read/Write' }).waitFor();
    await legacy.getByRole('link', { name: 'Read-Only' }).waitFor();
    expect(await page.getByRole('button', { name: 'Enable Legacy Tokens' }).count()).toBe(0);
    await legacy.getByRole('button', { name: 'More actions for Legacy Account Tokens' }).click();
    await page.getByRole('menuitem', { name: 'Reset Read-Only token' }).waitFor();
    await page.keyboard.press('Escape');
    // Until its closing transition ends, the menu is still in the page (and in axe-core's view).
    await page.getByRole('menu').waitFor({ state: 'detached' });
    await screenshot(page, '15-api-page');
    await expectNoSeriousViolations(page, 'the API page (tokens and legacy card)');

    // Deep link to the token still works after a reload.
    await page.goto(tokenUrl);
    await page.getByRole('heading', { name: TOKEN_NAME, level: 1 }).waitFor();

    // With two accounts, the switcher moves to the other account's API page, and the URL says which one.
    await page.getByRole('button', { name: /Switch account/ }).click();
    await page.getByRole('menuitem', { name: /E2E Second Brand/ }).click();
    await page.waitForURL((url) => url.pathname === `/accounts/${server.secondAccountId}/settings/api`);
    await page.getByText('API access is off for this account').waitFor();
    await page.reload();
    await page.getByRole('button', { name: /Account: E2E Second Brand/ }).waitFor();

    expect(problems).toEqual([]);
  }, 240_000);

  it('gives an Analyst no way in', async () => {
    await page.getByRole('button', { name: /^User menu for/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await signIn(page, server.analyst);
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByText('No technical settings are available for your role.').waitFor();
    expect(await page.getByRole('link', { name: 'API', exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: /^User menu for/ }).click();
    expect(await page.getByRole('menuitem').allTextContents()).toEqual(['Settings', 'Sign out']);
    await page.keyboard.press('Escape');
    await screenshot(page, '16-analyst-settings');

    await page.goto(`/accounts/${server.accountId}/settings/api`);
    await page.getByText('You need the Account Administrator or Implementation Specialist role').waitFor();
    expect(await page.getByRole('link', { name: 'Create Access Token' }).count()).toBe(0);
    await screenshot(page, '17-analyst-no-access');

    // The server agrees: the management API refuses the Analyst too.
    const response = await page.request.get(`/api/v1/accounts/${server.accountId}/tokens`);
    expect(response.status()).toBe(403);

    expect(problems).toEqual([]);
  }, 120_000);
});
