/**
 * E-mail notifications in the browser: an administrator sees that e-mail is on and from whom, chooses which events
 * mail the developers, saves; the next token event reaches a real SMTP server only where the choice says, and the
 * token's Activity page lists the e-mail it produced.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { SmtpSink } from '../mail/smtp-sink.js';
import { signInToApi } from './support/api.js';
import { launchChromiumPerFile, screenshot, seriousAccessibilityViolations, signIn } from './support/browser.js';
import { startServerPerFile } from './support/server.js';
import { until } from './support/wait.js';
import { freePort } from '../verify/helpers.js';

let sink: SmtpSink;

beforeAll(async () => {
  sink = await new SmtpSink().start();
});

afterAll(async () => {
  await sink?.stop();
});

// E-mail needs PUBLIC_URL, the base of its links: this server's own address, so its port is chosen first.
const server = startServerPerFile(async () => {
  const port = await freePort();
  return { port, env: { SMTP_URL: sink.url, MAIL_FROM: 'Sidekey <sidekey@e2e.sidekey.test>', PUBLIC_URL: `http://127.0.0.1:${port}`, WEBHOOK_POLL_INTERVAL_MS: '200' } };
});

const chromium = launchChromiumPerFile();

describe('e-mail notifications', () => {
  it('an administrator chooses which events mail the developers, and the next event is mailed accordingly', async () => {
    const { context, page, problems } = await chromium.openPage(server.baseUrl);
    onTestFailed(() => screenshot(page, 'failed-mail').catch(() => undefined));
    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings/webhooks`);
    await page.waitForURL(/\/login\?next=/);
    await signIn(page, server.admin);
    const card = page.getByRole('region', { name: 'E-mail notifications' });
    await card.getByText('sidekey@e2e.sidekey.test').waitFor();
    expect(await card.getByText('E-mail is off on this deployment').count()).toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    const developers = card.getByRole('group', { name: 'Events mailed to the developer e-mails' });
    await developers.getByRole('checkbox', { name: 'token.created' }).uncheck();
    await card.getByRole('button', { name: 'Save e-mail settings' }).click();
    await card.getByRole('status').getByText('Saved.').waitFor();
    await screenshot(page, 'mail-settings');

    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`);
    const { token } = await api.createToken(server.accountId, { name: 'Mailed', developerEmails: ['dev@e2e.sidekey.test'] });
    await until(() => sink.received.length >= 1, 'the e-mail');
    expect(sink.received[0].parsed.text).toContain(`${server.baseUrl}/accounts/${server.accountId}/settings/api/tokens/${token.id}/activity`);

    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings/api/tokens/${token.id}/activity`);
    const sent = page.getByRole('region', { name: 'Notifications sent' });
    await sent.getByLabel(`E-mail to ${server.admin.email}`).getByText('E-mail sent').waitFor();
    // The event's e-mails are all recorded at once, when it is dispatched: none was ever meant for the developer.
    expect(await sent.getByLabel('E-mail to dev@e2e.sidekey.test').count()).toBe(0);
    expect(sink.received.map((m) => m.to)).toEqual([[server.admin.email]]);
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
