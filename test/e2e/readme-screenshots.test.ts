/**
 * The screenshots in the README, taken from `serve --demo` exactly as a newcomer starts it: the API page with
 * its tokens of several ages, the legacy card and the account switcher; the create wizard on its scopes step; and
 * the activity of the demo's busiest token, with 30 days of usage (refusals included) and its change history.
 *
 * Every run writes them to test-results/e2e/readme/ (and checks the pages on the way, like any e2e test).
 * They are copied into docs/screenshots/, which is committed, only when asked:
 *
 *   UPDATE_README_SCREENSHOTS=1 npx vitest run test/e2e/readme-screenshots.test.ts
 *
 * so that an ordinary test run never leaves the working tree changed (SIDs and times differ on every run).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT_NAME, DEMO_SECOND_ACCOUNT_NAME } from '../../src/app/demo.js';
import type { SessionDto, TokenListDto } from '../../src/http/management/schemas.js';
import { startSidekey, type RunningServer } from '../support/servers.js';
import { SCREENSHOT_DIR, signIn, screenshot, seriousAccessibilityViolations, launchChromiumPerFile, type ConsoleProblem } from './support/browser.js';
import { ROOT, ensureWebBuilt } from './support/server.js';

const OUT_DIR = process.env.UPDATE_README_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(SCREENSHOT_DIR, 'readme');
const README_IMAGE_MAX_BYTES = 300 * 1024;
const BUSIEST = 'Shopify order sync';

let dataDir: string;
let server: RunningServer;
let admin: { email: string; password: string };
let accountId = '';
let busiestId = '';

beforeAll(async () => {
  await ensureWebBuilt();
  dataDir = await mkdtemp(join(tmpdir(), 'sidekey-readme-'));
  // The embedded SQLite, and no Redis or upstream: a stray setting must not point the demo at a real service.
  server = await startSidekey({ DATA_DIR: dataDir, HOST: '127.0.0.1', DATABASE_URL: undefined, REDIS_URL: undefined, UPSTREAM_URL: undefined }, ['--demo'], { deadlineMs: 120_000 });
  // serve prints the demo's logins with its listening line, once the demo is seeded.
  const login = /^\s+Account Administrator\s+(\S+@\S+)\s+(\S+)$/m.exec(server.output());
  if (!login) throw new Error(`serve --demo printed no logins:\n${server.output()}`);
  admin = { email: login[1], password: login[2] };
  const signInAnswer = await fetch(`${server.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
  const cookie = (signInAnswer.headers.get('set-cookie') ?? '').split(';')[0];
  const session = (await signInAnswer.json()) as SessionDto;
  accountId = session.accounts.find((a) => a.name === DEMO_ACCOUNT_NAME)!.id;
  const list = (await (await fetch(`${server.url}/api/v1/accounts/${accountId}/tokens?name=${encodeURIComponent(BUSIEST)}`, { headers: { cookie } })).json()) as TokenListDto;
  busiestId = list.items[0].id;
}, 240_000);

afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const chromium = launchChromiumPerFile();

describe('README screenshots', () => {
  let context: BrowserContext;
  let page: Page;
  let problems: ConsoleProblem[];

  beforeAll(async () => {
    ({ context, page, problems } = await chromium.openPage(server.url));
    await page.goto('/login');
    await signIn(page, admin);
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

  it('shows the API page with tokens of several ages, the legacy card and the account switcher', async () => {
    await page.goto(`/accounts/${accountId}/settings/api`);
    const legacy = page.getByRole('region', { name: 'Legacy Account Tokens' });
    await legacy.getByRole('link', { name: 'Read-Only' }).waitFor();
    await page.getByRole('article', { name: 'Partner onboarding bot', exact: true }).getByText('upgrade available').waitFor();
    await page.getByRole('article', { name: 'Slack alerts (staging)', exact: true }).waitFor();
    await page.getByRole('article', { name: BUSIEST, exact: true }).waitFor();
    await page.getByRole('button', { name: `Account: ${DEMO_ACCOUNT_NAME}. Switch account` }).waitFor();
    await save('api-page.png');
    // The switcher lists the second account.
    await page.getByRole('button', { name: /Switch account/ }).click();
    await page.getByRole('menuitem').filter({ hasText: DEMO_SECOND_ACCOUNT_NAME }).waitFor();
    await page.keyboard.press('Escape');
  });

  it('shows the create wizard on its scopes step', async () => {
    await page.goto(`/accounts/${accountId}/settings/api`);
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

  it("shows the busiest token's 30 days of usage and its history in words", async () => {
    await page.goto(`/accounts/${accountId}/settings/api/tokens/${busiestId}/activity`);
    await page.getByText('Usage in the last 30 days').waitFor();
    await page.getByRole('heading', { name: 'Change history' }).waitFor();
    await page.getByText('Previous Auth Token valid for 1 day').waitFor();
    expect(await page.getByText(/[{}]/).count(), 'no raw JSON in the activity').toBe(0);
    // The whole page: the token's name and sections above, the usage chart, then the history in full.
    await save('token-activity.png', { fullPage: true });
  });
});
