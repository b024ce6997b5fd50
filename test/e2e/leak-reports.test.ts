/**
 * A leak report in the browser: GitHub reports a token (a signed POST /v1/leaks to a real server); the token list
 * marks its card (or its legacy pair) "Leaked", and the token's page shows the banner with where it was found, when and what Sidekey did.
 * A report's URL becomes a link only when it is a web address.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { GitHubReporter, leak } from '../support/github-reporter.js';
import { signInToApi } from './support/api.js';
import { launchChromiumPerFile, screenshot, seriousAccessibilityViolations, signIn } from './support/browser.js';
import { startServerPerFile } from './support/server.js';

const github = new GitHubReporter();

const server = startServerPerFile({ env: { LEAK_REPORT_PUBLIC_KEYS: github.publicKeys() } });

const chromium = launchChromiumPerFile();

async function report(items: ReturnType<typeof leak>[]) {
  const body = JSON.stringify(items);
  const response = await fetch(`${server.baseUrl}/v1/leaks`, { method: 'POST', headers: github.headers(body), body });
  expect(response.status).toBe(200);
  return response.json();
}

describe('leak reports in the UI', () => {
  it('a reported token is marked in the list and its page says where it leaked and that it was disabled', async () => {
    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`);
    const { token, authToken } = await api.createToken(server.accountId, { name: 'Published by mistake' });
    const { token: quiet } = await api.createToken(server.accountId, { name: 'Never leaked' });
    const url = 'https://github.com/octo-org/octo-repo/blob/4f2a/config.env#L3';
    expect((await report([leak(authToken, url)]))[0].label).toBe('true_positive');
    expect((await report([{ ...leak(authToken, 'javascript:alert(1)'), source: 'issue_comment' }]))[0].label).toBe('true_positive');
    // The legacy Read-Only pair leaks too.
    await api.post(`/accounts/${server.accountId}/legacy-tokens`);
    const legacy = (await api.get<{ items: { id: string; kind: string }[] }>(`/accounts/${server.accountId}/tokens?kind=legacy`)).items;
    const readOnly = legacy.find((t) => t.kind === 'legacy_ro')!;
    const { authToken: legacySecret } = await api.get<{ authToken: string }>(`/accounts/${server.accountId}/tokens/${readOnly.id}/credentials`);
    expect((await report([leak(legacySecret)]))[0].label).toBe('true_positive');

    const { context, page, problems } = await chromium.openPage(server.baseUrl);
    onTestFailed(() => screenshot(page, 'failed-leak-reports').catch(() => undefined));
    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings/api`);
    await page.waitForURL(/\/login\?next=/);
    await signIn(page, server.admin);
    const leakedCard = page.getByRole('article', { name: 'Published by mistake' });
    await leakedCard.getByText('Leaked', { exact: true }).waitFor();
    expect(await page.getByRole('article', { name: quiet.name }).getByText('Leaked', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Legacy Account Tokens' }).getByText('Leaked', { exact: true }).count()).toBe(1);

    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings/api/tokens/${token.id}/overview`);
    const banner = page.getByRole('alert').filter({ hasText: "This token's Auth Token was found in public" });
    await banner.waitFor();
    const link = banner.getByRole('link', { name: url });
    expect(await link.getAttribute('href')).toBe(url);
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await banner.textContent()).toContain('GitHub secret scanning found it in a commit');
    expect(await banner.textContent()).toContain('Sidekey disabled the token');
    expect(await banner.textContent()).toContain('in an issue comment at javascript:alert(1); the token was already disabled');
    expect(await banner.getByRole('link').count()).toBe(1); // the javascript: URL is text, not a link
    await page.getByText('This token is disabled').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'token-exposed');
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
