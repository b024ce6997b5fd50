/**
 * Every page on a 390×844 phone, from first-run setup to a token's activity: nothing wider than the screen
 * (no sideways scrolling), no button whose label is cut off, a masked Auth Token on one line, chart dates at a
 * readable size, and a token's section list that leaves the section itself on the first screen. A screenshot of
 * each page goes to test-results/e2e/mobile-*.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFailed } from 'vitest';
import { signInToApi } from './support/api.js';
import { launchChromiumPerFile, screenshot } from './support/browser.js';
import { startServerPerFile } from './support/server.js';

const server = startServerPerFile({ accounts: 'none' });

const chromium = launchChromiumPerFile();

const ADMIN = { name: 'Mo Bile', email: 'mo@mobile.test', password: 'a phone-sized first password' };

interface LayoutProblem {
  page: string;
  problem: string;
}

/** What does not fit: the page wider than the screen (and what sticks out), and buttons whose label is clipped. */
async function layoutProblems(page: Page, name: string): Promise<LayoutProblem[]> {
  // Layout settles after fonts and the last query: two frames after the network is idle.
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  const found = await page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} “${(el.textContent ?? '').trim().slice(0, 40)}”`;
    if (root.scrollWidth > root.clientWidth) {
      const wide = [...document.body.querySelectorAll('*')].filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1 && getComputedStyle(el).position !== 'fixed');
      // The innermost culprits say most.
      const innermost = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other))).slice(0, 5);
      problems.push(`page is ${root.scrollWidth}px wide on a ${root.clientWidth}px screen: ${innermost.map(describe).join(', ')}`);
    }
    for (const button of document.querySelectorAll('button, a.mantine-Button-root, [role="button"]')) {
      const box = button.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const label = button.querySelector('.mantine-Button-label') ?? button;
      if (label.scrollWidth > label.clientWidth + 1) problems.push(`button label cut off: ${describe(button)} (${label.scrollWidth}px in ${label.clientWidth}px)`);
    }
    return problems;
  });
  await screenshot(page, `mobile-${name}`);
  return found.map((problem) => ({ page: name, problem }));
}

describe('every page on a 390×844 phone', () => {
  it('fits the screen: no sideways scrolling, no cut-off button, one-line secrets, readable chart dates, sections on the first screen', async () => {
    expect(server.setupLink, server.output()).toMatch(/\/setup\?token=/);
    const { context, page, problems } = await chromium.openPage(server.baseUrl, { device: 'phone' });
    onTestFailed(() => screenshot(page, 'failed-mobile-layout').catch(() => undefined));
    const found: LayoutProblem[] = [];

    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    found.push(...(await layoutProblems(page, 'login')));

    // First-run setup: the whole button label shows.
    await page.goto(server.setupLink!);
    await page.getByRole('heading', { name: 'Set up Sidekey' }).waitFor();
    found.push(...(await layoutProblems(page, 'setup')));
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByRole('textbox', { name: 'Password' }).fill(ADMIN.password);
    await page.getByLabel('Account name').fill('Mobile Brand');
    await page.getByRole('button', { name: 'Create administrator and account' }).click();
    await page.waitForURL(/\/accounts\/[^/]+\/settings\/api$/);
    const accountId = /\/accounts\/([^/]+)\//.exec(page.url())![1]!;
    await page.getByText('API access is off for this account').waitFor();
    found.push(...(await layoutProblems(page, 'api-access-off')));

    // A token made through the API, so its pages have something to show.
    const api = await signInToApi(server.baseUrl, { email: ADMIN.email, password: ADMIN.password });
    await api.post(`/accounts/${accountId}/api-access`, {});
    const catalog = await api.get<{ categories: { scopes: { id: string }[] }[] }>('/catalog');
    const issued = await api.createToken(accountId, {
      name: 'Phone-sized integration with a long name',
      description: 'Checks how a token looks on a small screen.',
      scopes: catalog.categories[0]!.scopes.slice(0, 3).map((s) => s.id),
      developerEmails: ['dev@mobile.test'],
      allowedCidrs: ['203.0.113.0/24'],
    });

    await page.goto(`/accounts/${accountId}/settings`);
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    found.push(...(await layoutProblems(page, 'settings')));

    await page.goto(`/accounts/${accountId}/settings/api`);
    await page.getByRole('article', { name: 'Phone-sized integration with a long name' }).waitFor();
    found.push(...(await layoutProblems(page, 'api-page')));

    // The wizard, step by step.
    await page.getByRole('link', { name: 'Create Access Token' }).first().click();
    await page.getByRole('heading', { name: '1. Setup' }).waitFor();
    found.push(...(await layoutProblems(page, 'wizard-setup')));
    await page.getByLabel('Token Name').fill('From a phone');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '2. Contact Information' }).waitFor();
    found.push(...(await layoutProblems(page, 'wizard-contacts')));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '3. API Scopes' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search scopes' }).fill('Retrieve actions');
    await page.getByRole('checkbox', { name: /^Retrieve actions \(GET / }).check();
    found.push(...(await layoutProblems(page, 'wizard-scopes')));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '4. Review' }).waitFor();
    found.push(...(await layoutProblems(page, 'wizard-review')));

    const tokenPage = (section: string) => `/accounts/${accountId}/settings/api/tokens/${issued.token.id}/${section}`;
    for (const [section, heading] of [
      ['overview', 'Overview'],
      ['credentials', 'API Credentials'],
      ['scopes', null],
      ['activity', null],
    ] as const) {
      await page.goto(tokenPage(section));
      await page.getByRole('heading', { name: 'Phone-sized integration with a long name', level: 1 }).waitFor();
      if (heading) await page.getByRole('heading', { name: heading, level: 2 }).waitFor();
      found.push(...(await layoutProblems(page, `token-${section}`)));
      // The section list is a row or two, not a column, and leaves the section itself on the first screen.
      const { navHeight, contentTop } = await page.evaluate(() => {
        const nav = document.querySelector('nav[aria-label="Token sections"]')!;
        return { navHeight: nav.getBoundingClientRect().height, contentTop: nav.closest('.mantine-Grid-col')!.nextElementSibling!.getBoundingClientRect().top };
      });
      if (navHeight > 110) found.push({ page: `token-${section}`, problem: `the section list is ${Math.round(navHeight)}px tall` });
      if (contentTop > 844 * 0.75) found.push({ page: `token-${section}`, problem: `the section starts ${Math.round(contentTop)}px down, below most of the first screen` });
    }

    // On the credentials page the masked Auth Token is one line.
    await page.goto(tokenPage('credentials'));
    const masked = page.getByTestId('credential-auth-token');
    await masked.waitFor();
    const lines = await masked.evaluate((el) => Math.round(el.getBoundingClientRect().height / Number.parseFloat(getComputedStyle(el).lineHeight)));
    if (lines !== 1) found.push({ page: 'token-credentials', problem: `the masked Auth Token takes ${lines} lines` });

    // On the activity page the chart's dates are readable (at least 11 px as drawn on the screen).
    await page.goto(tokenPage('activity'));
    await page.getByRole('img', { name: /Requests per day/ }).waitFor();
    const dateSizes = await page.evaluate(() => {
      const chart = document.querySelector('[role="img"][aria-label^="Requests per day"]')!;
      const labels = [...(chart.parentElement?.parentElement?.querySelectorAll('text, [data-testid="usage-axis"] *') ?? [])];
      return labels.filter((el) => /\d/.test(el.textContent ?? '')).map((el) => el.getBoundingClientRect().height);
    });
    expect(dateSizes.length).toBeGreaterThan(0);
    const tiny = dateSizes.filter((height) => height < 11);
    if (tiny.length > 0) found.push({ page: 'token-activity', problem: `chart dates drawn ${Math.min(...tiny).toFixed(1)}px high` });

    expect(found).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 300_000);
});
