/**
 * What a newcomer meets on a first visit, each as it was seen going wrong: a first visit without a failing
 * request, refusals said inline in plain words, the wizard's errors where the user is, one breadcrumb trail, tag inputs that keep what was typed, toasts clear of the buttons, a loader on a slow
 * network, a plain message for a page whose code did not arrive, and a way back from a page the role may not see.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it, onTestFailed } from 'vitest';
import { signInToApi } from './support/api.js';
import { screenshot, seriousAccessibilityViolations, signIn, signInFromLoginPage, launchChromiumPerFile } from './support/browser.js';
import { startServerPerFile } from './support/server.js';

const server = startServerPerFile({
  setUp: async (server) => {
    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`, {});
  },
});

const chromium = launchChromiumPerFile();

async function open(name: string, options: Parameters<typeof chromium.openPage>[1] = {}) {
  const opened = await chromium.openPage(server.baseUrl, options);
  onTestFailed(() => screenshot(opened.page, `failed-rough-edges-${name}`).catch(() => undefined));
  return opened;
}

const breadcrumb = (page: Page) => page.locator('[aria-label="Breadcrumb"] .mantine-Breadcrumbs-breadcrumb').allTextContents();

async function isInViewport(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const viewport = page.viewportSize()!;
  return box !== null && box.y >= 0 && box.y + box.height <= viewport.height;
}

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('a first visit', () => {
  it('makes no failing request and logs no error, signed out on every public page and a deep link', async () => {
    // No allowance at all: the session probe answers a signed-out visitor with 200.
    const { context, page, problems } = await open('first-visit');
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.goto(`/accounts/${server.accountId}/settings/api`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.goto('/setup?token=some-old-link');
    await page.getByRole('heading', { name: 'Sidekey is already set up' }).waitFor();
    await screenshot(page, 'rough-edges-setup-already-done');
    // "already set up — sign in": the page says so and leads there.
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await signIn(page, server.admin);
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});

describe('sign-in refusals', () => {
  it('says "Too many attempts. Try again in 15 minutes." in the form, like a wrong password, not in a generic toast', async () => {
    const { context, page, problems } = await open('throttled', { expectedFailures: [{ status: 401, url: /\/api\/v1\/session$/ }, { status: 429, url: /\/api\/v1\/session$/ }] });
    await page.goto('/login');
    const who = { email: 'someone-guessing@e2e.sidekey.test', password: 'not the password at all' };
    for (let attempt = 0; attempt < 5; attempt++) {
      await signIn(page, who);
      await page.getByRole('alert').getByText('The e-mail or password is incorrect.').waitFor();
      // The next attempt must be a new answer, not the one already on screen.
      await page.getByRole('textbox', { name: 'Password' }).fill('');
    }
    await signIn(page, who);
    await page.getByRole('alert').getByText('Too many attempts. Try again in 15 minutes.').waitFor();
    expect(await page.getByText('Something went wrong').count()).toBe(0);
    expect(await page.locator('.mantine-Notification-root').count()).toBe(0);
    await screenshot(page, 'rough-edges-sign-in-throttled');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});

describe('the wizard and the token pages', () => {
  it('shows the scope error beside Next with focus on it, keeps refused tag text, one breadcrumb trail, toasts clear of the buttons', async () => {
    const { context, page, problems } = await open('wizard');
    await signInFromLoginPage(page, server.admin);
    await page.goto(`/accounts/${server.accountId}/settings/api`);
    await page.getByText('No access tokens yet').waitFor();
    expect(await breadcrumb(page)).toEqual(['Settings', 'Technical', 'API']);

    await page.getByRole('link', { name: 'Create Access Token' }).first().click();
    await page.getByRole('heading', { name: '1. Setup' }).waitFor();
    expect(await breadcrumb(page)).toEqual(['Settings', 'Technical', 'API', 'Create Access Token']);
    await page.getByLabel('Token Name').fill('Rough edges');
    await page.getByRole('button', { name: 'Next' }).click();

    // Contact Information: a refused address stays in the input, with the reason; the copy promises nothing it does not do.
    await page.getByRole('heading', { name: '2. Contact Information' }).waitFor();
    const emails = page.getByRole('combobox', { name: 'Developer e-mails' });
    await emails.fill('dev@e2e');
    await emails.press('Enter');
    await page.getByText('Not a valid e-mail address: dev@e2e').waitFor();
    expect(await emails.inputValue()).toBe('dev@e2e');
    await emails.press('End');
    await emails.pressSequentially('.sidekey.test');
    await emails.press('Enter');
    expect(await emails.inputValue()).toBe('');
    expect(await page.getByText('Not a valid e-mail address').count()).toBe(0);
    await page.getByText('dev@e2e.sidekey.test', { exact: true }).waitFor();
    const contactsCopy = (await page.locator('main').textContent()) ?? '';
    expect(contactsCopy).not.toMatch(/told about changes/i);
    expect(contactsCopy).toContain('kept with it as contacts');
    await page.getByRole('button', { name: 'Next' }).click();

    // API Scopes: Next with nothing chosen says so beside Next, and focus moves to the message.
    await page.getByRole('heading', { name: '3. API Scopes' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).scrollIntoViewIfNeeded();
    await page.getByRole('button', { name: 'Next' }).click();
    const problem = page.getByRole('alert').filter({ hasText: 'Select at least one scope' });
    await problem.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('wizard-step-problem');
    expect(await isInViewport(page, problem)).toBe(true);
    await screenshot(page, 'rough-edges-wizard-scope-error', { fullPage: false });

    // The IP allowlist: its placeholder is not an address, and a refused entry stays to be corrected.
    const cidrs = page.getByRole('combobox', { name: 'IP allowlist' });
    expect(await cidrs.getAttribute('placeholder')).not.toMatch(/\d+\.\d+/);
    await cidrs.fill('10.0.0.300');
    await cidrs.press('Enter');
    await page.getByText('Not an IP address or CIDR range: 10.0.0.300').waitFor();
    expect(await cidrs.inputValue()).toBe('10.0.0.300');
    await cidrs.fill('10.0.0.0/8');
    await cidrs.press('Enter');
    await page.getByText('10.0.0.0/8', { exact: true }).waitFor();

    await page.getByRole('searchbox', { name: 'Search scopes' }).fill('Retrieve actions');
    await page.getByRole('checkbox', { name: /^Retrieve actions \(GET / }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '4. Review' }).waitFor();
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new access token' });
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForURL(/\/tokens\/[^/]+\/credentials$/);
    await page.getByRole('heading', { name: 'Rough edges', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'API Credentials', level: 2 }).waitFor();
    // Until its closing transition ends, a dialog is still in the page (and in axe-core's view).
    await page.locator('[role="dialog"]').waitFor({ state: 'detached' });
    expect(await breadcrumb(page)).toEqual(['Settings', 'Technical', 'API', 'Rough edges']);
    // The red outline Reset Token button is readable (axe: color-contrast), like the rest of the page.
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // A toast after Update stays clear of the Update and Discard buttons.
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByLabel('Description').fill('Checks the rough edges.');
    await page.getByRole('button', { name: 'Update', exact: true }).click();
    await page.getByRole('dialog', { name: 'Update this token?' }).getByRole('button', { name: 'Update' }).click();
    const toast = page.locator('.mantine-Notification-root').filter({ hasText: 'Rough edges was updated.' });
    await toast.waitFor();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const toastBox = (await toast.boundingBox())!;
    for (const name of ['Update', 'Discard changes']) {
      const button = page.getByRole('button', { name, exact: true });
      await button.scrollIntoViewIfNeeded();
      expect(overlaps(toastBox, (await button.boundingBox())!), `the toast covers ${name}`).toBe(false);
    }
    await screenshot(page, 'rough-edges-toast-clear-of-buttons', { fullPage: false });

    // On desktop the Created On filter shows its longest choice whole.
    await page.getByRole('link', { name: 'API', exact: true }).click();
    await page.getByLabel('Created On').first().click();
    await page.getByRole('option', { name: 'More than 30 days' }).click();
    await page.waitForURL(/createdOn=older30/);
    const createdOn = page.getByLabel('Created On').first();
    expect(await createdOn.evaluate((input) => input.scrollWidth <= input.clientWidth)).toBe(true);

    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);
});

describe('slow and broken networks', () => {
  it('always shows something while a throttled network loads a deep link: a loader, never a blank page or main area', async () => {
    const { context, page } = await open('throttled-network');
    await signInFromLoginPage(page, server.admin);
    const cdp = await context.newCDPSession(page);
    // Roughly a poor mobile connection: 400 ms round trips, 400 kbit/s down.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400, downloadThroughput: 50_000, uploadThroughput: 50_000 });
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await page.goto(`/accounts/${server.accountId}/settings/api`, { waitUntil: 'commit' });
    await page.waitForFunction(() => document.getElementById('root') !== null);
    const blanks: string[] = [];
    for (;;) {
      const state = await page.evaluate(() => {
        const main = document.querySelector('main');
        const text = (main ?? document.body).textContent?.trim() ?? '';
        return { done: document.querySelector('h1')?.textContent === 'API', blank: text === '', where: main ? 'main' : 'page' };
      });
      if (state.done) break;
      if (state.blank) blanks.push(state.where);
      await page.waitForTimeout(50);
    }
    expect(blanks).toEqual([]);
    await context.close();
  }, 180_000);

  it('a deep link to a token page opens in one go: the frame loader, then the token with its sections, no second loader inside', async () => {
    const api = await signInToApi(server.baseUrl, server.admin);
    const catalog = await api.get<{ categories: { scopes: { id: string }[] }[] }>('/catalog');
    const { token } = await api.createToken(server.accountId, { name: 'Opened by a deep link', scopes: [catalog.categories[0]!.scopes[0]!.id], developerEmails: ['dev@deep-link.test'] });
    const { context, page, problems } = await open('deep-link-one-go');
    await signInFromLoginPage(page, server.admin);
    // Every loader the page shows on its way, in order (role="status" is how every loader of the UI announces itself).
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { loadersSeen: string[] }).loadersSeen = seen;
      new MutationObserver(() => {
        for (const status of document.querySelectorAll('[role="status"]')) {
          const text = status.textContent?.trim() ?? '';
          if (text && seen[seen.length - 1] !== text) seen.push(text);
        }
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400, downloadThroughput: 50_000, uploadThroughput: 50_000 });
    await page.goto(`/accounts/${server.accountId}/settings/api/tokens/${token.id}/overview`);
    await page.getByRole('heading', { name: 'Opened by a deep link', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    const loaders = await page.evaluate(() => (window as unknown as { loadersSeen: string[] }).loadersSeen);
    // Before the app's code runs, index.html says Sidekey is loading; the optional controls further down the
    // Overview load on their own once it is on screen (LazyRestrictionsFields).
    expect(loaders.filter((text) => text !== 'Loading Sidekey…' && text !== 'Loading the optional controls…')).toEqual(['Loading page…']);
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('a page whose code did not arrive says so in plain words and offers Reload, which brings it back', async () => {
    // This test makes the chunk fail on purpose, so the browser's own error lines are expected here.
    const { context, page } = await open('chunk-failed');
    await signInFromLoginPage(page, server.admin);
    const chunk = /\/assets\/ApiPage-[^/]+\.js$/;
    await page.route(chunk, (route) => route.abort('connectionfailed'));
    await page.getByRole('link', { name: 'API', exact: true }).click();
    await page.getByRole('heading', { name: 'This page could not be loaded' }).waitFor();
    expect(await page.locator('body').textContent()).not.toMatch(/dynamically imported module|http:\/\//);
    await screenshot(page, 'rough-edges-chunk-failed');
    await page.unroute(chunk);
    await page.getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('heading', { name: 'API', level: 1 }).waitFor();
    await context.close();
  }, 120_000);
});

describe('a role without API access', () => {
  it('sees why, and a way back to Settings', async () => {
    const { context, page, problems } = await open('no-access');
    await signInFromLoginPage(page, server.analyst);
    await page.goto(`/accounts/${server.accountId}/settings/api/tokens/new`);
    await page.getByRole('heading', { name: 'No access to API settings' }).waitFor();
    await page.getByRole('link', { name: 'Back to Settings' }).click();
    await page.waitForURL((url) => url.pathname === `/accounts/${server.accountId}/settings`);
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    // Each administrator-only page names itself in its refusal.
    for (const [path, title] of [
      ['users', 'No access to users'],
      ['webhooks', 'No access to notifications and webhooks'],
    ]) {
      await page.goto(`/accounts/${server.accountId}/settings/${path}`);
      await page.getByRole('heading', { name: title }).waitFor();
    }
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
