/**
 * A canary token in the browser: an administrator picks "Canary token" in the create wizard (no scopes step),
 * sees it marked on its page and in the list, and a thief's use of it — refused like any wrong credential — is
 * announced at a real webhook receiver with the caller's user agent and path.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Receiver } from '../webhooks/receiver.js';
import { signInToApi } from './support/api.js';
import { launchChromiumPerFile, screenshot, seriousAccessibilityViolations, signIn } from './support/browser.js';
import { startServerPerFile } from './support/server.js';
import { until } from './support/wait.js';

let receiver: Receiver;

beforeAll(async () => {
  receiver = await new Receiver().start();
});

afterAll(async () => {
  await receiver?.stop();
});

const server = startServerPerFile({ env: { WEBHOOK_ALLOWED_PRIVATE_TARGETS: 'loopback', WEBHOOK_POLL_INTERVAL_MS: '200' } });

const chromium = launchChromiumPerFile();

describe('canary tokens in the UI', () => {
  it('an administrator creates a canary in the wizard; its use is refused and announced to the webhook', async () => {
    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`);
    const { secret } = await api.post<{ secret: string }>(`/accounts/${server.accountId}/webhooks`, { url: receiver.url, events: ['token.canary_used'], description: 'Security team' });
    receiver.secrets = [secret];

    const { context, page, problems } = await chromium.openPage(server.baseUrl);
    onTestFailed(() => screenshot(page, 'failed-canary').catch(() => undefined));
    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings/api/tokens/new`);
    await page.waitForURL(/\/login\?next=/);
    await signIn(page, server.admin);
    await page.getByRole('heading', { name: '1. Setup' }).waitFor();
    await page.getByRole('radio', { name: 'Canary token' }).click();
    await page.getByText('Never works; any use alerts the contacts.', { exact: false }).waitFor();
    // A canary has no API version to choose, and no scopes step.
    expect(await page.getByLabel('API Version').count()).toBe(0);
    expect(await page.getByText('API Scopes').count()).toBe(0);
    await page.getByLabel('Token Name').fill('AWS keys in the old wiki');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '2. Contact Information' }).waitFor();
    await page.getByText('are the people alerted when someone uses the canary').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '3. Review' }).waitFor();
    await page.getByText('It never works: every use is refused exactly as a wrong credential is').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'canary-review');
    await page.getByRole('button', { name: 'Create', exact: true }).click();

    const dialog = page.getByRole('dialog', { name: 'Your new access token' });
    await dialog.waitFor();
    const accountSid = (await dialog.getByTestId('new-secret-account-sid').textContent())!.trim();
    const authToken = (await dialog.getByTestId('new-secret-auth-token').textContent())!.trim();
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByText('This is a canary token').waitFor();
    expect(await page.getByRole('link', { name: 'API Scopes' }).count()).toBe(0);

    // The thief tries it: refused as a wrong credential would be.
    const path = `/Advertisers/${accountSid}/Actions`;
    const used = await fetch(`${server.baseUrl}/v1/auth`, {
      headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`, 'x-original-method': 'GET', 'x-original-uri': path, 'user-agent': 'stolen-keys-scanner/2.1' },
    });
    expect(used.status).toBe(401);
    expect((await used.json()).Code).toBe('INVALID_CREDENTIALS');
    await until(() => receiver.received.length === 1, 'the canary alert');
    expect(receiver.received[0].verified).toBe(true);
    const event = JSON.parse(receiver.received[0].body);
    expect(event).toMatchObject({ type: 'token.canary_used', token: { accountSid, name: 'AWS keys in the old wiki' } });
    expect(event.data).toMatchObject({ ip: '127.0.0.1', method: 'GET', path, userAgent: 'stolen-keys-scanner/2.1', secretMatched: true, suppressedUses: 0 });
    expect(receiver.received[0].body).not.toContain(authToken);

    // In the list, the card says what it is.
    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings/api`);
    const card = page.getByRole('article', { name: 'AWS keys in the old wiki' });
    await card.getByText('Canary', { exact: true }).waitFor();
    await screenshot(page, 'canary-in-list');
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
