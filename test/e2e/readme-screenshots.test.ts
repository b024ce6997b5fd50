/**
 * The screenshots in the README: the API page with a few realistic tokens and the legacy card, the create
 * wizard on its scopes step, and a token's activity. A server of its own holds a believable brand account
 * (no "E2E" names), seeded through the management API, so the pictures show what a real account looks like.
 *
 * Every run writes them to test-results/e2e/readme/ (and checks the pages on the way, like any e2e test).
 * They are copied into docs/screenshots/, which is committed, only when asked:
 *
 *   UPDATE_README_SCREENSHOTS=1 npx vitest run test/e2e/readme-screenshots.test.ts
 *
 * so that an ordinary test run never leaves the working tree changed (SIDs and times differ on every run).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountUserDto, TokenWithSecretDto } from '../../src/http/management/schemas.js';
import { signInToApi, type ManagementClient } from './support/api.js';
import {
  SCREENSHOT_DIR,
  signIn,
  screenshot,
  seriousAccessibilityViolations,
  launchChromiumPerFile,
  type ConsoleProblem,
} from './support/browser.js';
import { ROOT, ensureWebBuilt, startServer, type E2eServer } from './support/server.js';

const OUT_DIR = process.env.UPDATE_README_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(SCREENSHOT_DIR, 'readme');
const README_IMAGE_MAX_BYTES = 300 * 1024;

let server: E2eServer;
let api: ManagementClient;
let activityTokenId = '';

const tokensPath = () => `/accounts/${server.accountId}/tokens`;
const tokenPath = (id: string) => `${tokensPath()}/${id}`;

/** Tokens as a brand's integrations team would have them: named for what uses them, scoped to what it needs. */
async function seedAccount(): Promise<void> {
  api = await signInToApi(server.baseUrl, server.admin);
  await api.post(`/accounts/${server.accountId}/api-access`);
  const users = (await api.get<{ items: AccountUserDto[] }>(`/accounts/${server.accountId}/users`)).items;
  const colleague = users.find((u) => u.email === server.analyst.email)!;
  const create = (settings: Parameters<ManagementClient['createToken']>[1]) => api.createToken(server.accountId, settings).then((r: TokenWithSecretDto) => r.token);

  const slack = await create({
    name: 'Slack alerts (staging)',
    description: 'Posts new action inquiries to #partner-support. Paused while staging is rebuilt.',
    scopes: ['listActionInquiries', 'getActionInquiryById'],
    developerEmails: ['integrations@northwind.example'],
  });
  await api.post(`${tokenPath(slack.id)}/disable`);

  await create({
    name: 'Looker reporting',
    description: 'Hourly export of performance reports into the data warehouse.',
    scopes: ['listAllReports', 'runReport', 'exportReport', 'getReportMetadata'],
    allowedCidrs: ['198.51.100.0/24'],
  });

  // The token whose history the activity screenshot shows: created, read, edited, rolled, duplicated.
  const warehouse = await create({
    name: 'Warehouse sync (production)',
    description: 'Nightly stock and order reconciliation with the warehouse system.',
    scopes: ['listActions', 'getActionById', 'listActionItems', 'listCatalogItems'],
    developerEmails: ['wms-team@northwind.example'],
  });
  activityTokenId = warehouse.id;
  await api.get(`${tokenPath(warehouse.id)}/credentials`);
  await api.patch(tokenPath(warehouse.id), { scopes: ['listActions', 'getActionById', 'listCatalogItems', 'updateCatalogItem', 'updateActionOrItems'] });
  await api.patch(tokenPath(warehouse.id), {
    primaryContactUserId: colleague.id,
    developerEmails: ['wms-team@northwind.example', 'oncall@northwind.example'],
    rateLimit: { limit: 600, windowSeconds: 60 },
  });
  await api.patch(tokenPath(warehouse.id), { allowedCidrs: ['203.0.113.0/24'], expiresAt: '2027-06-30T23:59:59.999Z' });
  await api.post(`${tokenPath(warehouse.id)}/reset`, { graceSeconds: 3_600 });
  const copy = (await api.post<TokenWithSecretDto>(`${tokenPath(warehouse.id)}/duplicate`)).token;
  await api.patch(tokenPath(copy.id), { name: 'Warehouse sync (staging)', description: 'The staging twin of the nightly warehouse reconciliation.' });

  // Still on the previous API version, so its card offers the upgrade.
  await create({
    name: 'Partner onboarding bot',
    description: 'Creates partners from the signup form and files them into partner groups.',
    apiVersion: 13,
    scopes: ['listPartners', 'createPartner', 'listPartnerGroups', 'createPartnerGroup'],
  });

  await api.post(`/accounts/${server.accountId}/legacy-tokens`);
}

beforeAll(async () => {
  await ensureWebBuilt();
  server = await startServer({
    names: {
      account: 'Northwind Outfitters',
      secondAccount: 'Northwind Outlet',
      admin: { name: 'Maya Chen', email: 'maya.chen@northwind.example' },
      analyst: { name: 'Jordan Reyes', email: 'jordan.reyes@northwind.example' },
    },
  });
  await seedAccount();
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

const chromium = launchChromiumPerFile();

describe('README screenshots', () => {
  let context: BrowserContext;
  let page: Page;
  let problems: ConsoleProblem[];

  beforeAll(async () => {
    ({ context, page, problems } = await chromium.openPage(server.baseUrl));
    await page.goto('/login');
    await signIn(page, server.admin);
    await page.waitForURL(/\/settings$/);
  });

  afterAll(async () => {
    await context?.close();
  });

  async function save(file: string, options: { fullPage?: boolean } = {}): Promise<void> {
    const path = join(OUT_DIR, file);
    await screenshot(page, file, { path, clean: true, fullPage: options.fullPage ?? false });
    const { size } = await stat(path);
    expect(size, `${file} should stay small enough for a README`).toBeLessThan(README_IMAGE_MAX_BYTES);
    // What the README shows must be as accessible as the rest of the product.
    expect(await seriousAccessibilityViolations(page), `axe-core on ${file}`).toEqual([]);
    expect(problems).toEqual([]);
  }

  it('shows the API page with tokens and the legacy card', async () => {
    await page.goto(`/accounts/${server.accountId}/settings/api`);
    const legacy = page.getByRole('region', { name: 'Legacy Account Tokens' });
    await legacy.getByRole('link', { name: 'Read-Only' }).waitFor();
    await page.getByRole('article', { name: 'Partner onboarding bot', exact: true }).getByText('upgrade available').waitFor();
    await page.getByRole('article', { name: 'Slack alerts (staging)', exact: true }).waitFor();
    await save('api-page.png');
  });

  it('shows the create wizard on its scopes step', async () => {
    await page.getByRole('link', { name: 'Create Access Token' }).first().click();
    await page.getByLabel('Token Name').fill('Returns portal');
    await page.getByLabel('Description').fill('Lets the returns portal look up orders and record reversals.');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '2. Contact Information' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '3. API Scopes' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search scopes' }).fill('action');
    for (const scope of [/^Retrieve actions \(GET /, /^Retrieve action \(GET /, /^Reverse action \(DELETE /]) await page.getByRole('checkbox', { name: scope }).check();
    await page.getByText('3 scopes selected').waitFor();
    await save('create-wizard.png');
  });

  it("shows a token's activity in words", async () => {
    await page.goto(`/accounts/${server.accountId}/settings/api/tokens/${activityTokenId}/activity`);
    await page.getByRole('heading', { name: 'Change history' }).waitFor();
    // Names resolved from the catalog, the account's users and the token list, not ids.
    await page.getByRole('link', { name: 'Warehouse sync (staging)' }).waitFor();
    await page.getByText('Jordan Reyes', { exact: true }).waitFor();
    await page.getByText('Update catalog item', { exact: false }).first().waitFor();
    await page.getByText('Previous Auth Token valid for 1 hour').waitFor();
    expect(await page.getByText(/[{}]/).count(), 'no raw JSON in the activity').toBe(0);
    // The whole page: the token's name and sections above, the usage chart, then the history in full.
    await save('token-activity.png', { fullPage: true });
  });
});
