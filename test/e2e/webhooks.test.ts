/**
 * Settings → Account → Notifications & webhooks in the browser: an administrator adds an endpoint, copies the
 * secret shown once, and sees the token's event arrive at a real receiver (which checks the signature with that
 * secret), in the endpoint's delivery log, again after "Redeliver", and on the token's Activity page.
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

describe('notifications & webhooks', () => {
  it('an administrator adds an endpoint, and the signed event shows up at the receiver, in the log and on the token', async () => {
    const { context, page, problems } = await chromium.openPage(server.baseUrl);
    onTestFailed(() => screenshot(page, 'failed-webhooks').catch(() => undefined));
    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings`);
    await page.waitForURL(/\/login\?next=/);
    await signIn(page, server.admin);
    await page.getByRole('link', { name: 'Notifications & webhooks' }).click();
    await page.getByRole('heading', { name: 'Notifications & webhooks' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    const form = page.getByRole('form', { name: 'New endpoint' });
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByRole('checkbox', { name: 'token.created' }).check();
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await page.getByLabel('New signing secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets = [secret];
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('region', { name: `Endpoint ${receiver.url}` }).waitFor();

    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`);
    const { token } = await api.createToken(server.accountId, { name: 'Announced' });
    await until(() => receiver.received.length === 1, 'the first delivery');
    expect(receiver.received[0].verified).toBe(true);
    expect(JSON.parse(receiver.received[0].body)).toMatchObject({ type: 'token.created', token: { id: token.id, name: 'Announced' } });

    const endpoint = page.getByRole('region', { name: `Endpoint ${receiver.url}` });
    await endpoint.getByRole('button', { name: 'Deliveries' }).click();
    const log = endpoint.getByRole('table', { name: 'Deliveries' });
    await log.getByText('delivered').waitFor();
    await screenshot(page, 'webhooks-delivered');
    await log.getByRole('button', { name: 'Redeliver' }).click();
    await until(() => receiver.received.length === 2, 'the redelivery');
    expect(receiver.received[1].headers['sidekey-event-id']).toBe(receiver.received[0].headers['sidekey-event-id']);

    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings/api/tokens/${token.id}/activity`);
    const sent = page.getByRole('region', { name: 'Notifications sent' });
    await sent.getByText('token.created').waitFor();
    await expect.poll(async () => sent.getByText('delivered').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await screenshot(page, 'token-notifications');
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
