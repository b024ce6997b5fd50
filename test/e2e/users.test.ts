/**
 * User management in Chromium, as an Account Administrator does it: Settings → Users, add a user with an invite
 * link and one with a password, change a role, meet the last-administrator protection, remove a user; the
 * invited user opens their link and chooses a password; and a password change in Settings → Profile signs the
 * administrator out in another browser while this one stays signed in. Every page is checked with axe-core.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromiumPerFile, screenshot, seriousAccessibilityViolations, signIn } from './support/browser.js';
import { startServerPerFile } from './support/server.js';

const server = startServerPerFile();

const chromium = launchChromiumPerFile();

async function expectAxeClean(page: Page, where: string) {
  expect(await seriousAccessibilityViolations(page), `axe-core on ${where}`).toEqual([]);
}

async function chooseOption(page: Page, label: string, option: string) {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const row = (page: Page, name: string) => page.getByRole('row').filter({ hasText: name });

describe('users and passwords', () => {
  it('an administrator adds, re-roles and removes users, and cannot demote the last Account Administrator; the invite link works once', async () => {
    const { context, page, problems } = await chromium.openPage(server.baseUrl, {
      expectedFailures: [{ status: 409, url: /\/api\/v1\/accounts\/[^/]+\/users\/[^/]+$/ }],
    });
    onTestFailed(() => screenshot(page, 'failed-users').catch(() => undefined));
    await page.goto(`${server.baseUrl}/login`);
    await signIn(page, server.admin);
    await page.waitForURL(/\/accounts\//);
    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings`);
    await page.getByRole('link', { name: 'Users and roles' }).click();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await expect.poll(() => row(page, 'Erin Admin').count()).toBe(1);
    await expectAxeClean(page, 'the Users page');

    // An invite link for a new Finance user.
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add user' });
    await dialog.waitFor();
    await expectAxeClean(page, 'the Add user dialog');
    await dialog.getByRole('textbox', { name: /^Email/ }).fill('ivy@e2e.sidekey.test');
    await dialog.getByRole('textbox', { name: /^Name/ }).fill('Ivy Invited');
    await chooseOption(page, 'Role', 'Finance');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    const linkField = page.getByRole('dialog', { name: 'Send the invite link' }).getByRole('textbox', { name: 'Invite link' });
    await linkField.waitFor();
    const inviteUrl = await linkField.inputValue();
    expect(inviteUrl).toMatch(/\/invite\?token=[A-Za-z0-9_-]{43}$/);
    await screenshot(page, 'users-invite-link');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => row(page, 'Ivy Invited').getByText('Invite pending').count()).toBe(1);

    // A user with an initial password.
    await page.getByRole('button', { name: 'Add user' }).click();
    await dialog.getByRole('textbox', { name: /^Email/ }).fill('pat@e2e.sidekey.test');
    await dialog.getByRole('textbox', { name: /^Name/ }).fill('Pat Password');
    await dialog.getByLabel('An initial password that you give them').check();
    await dialog.getByRole('textbox', { name: /^Initial password/ }).fill('short');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    // The shared rule speaks before the server is asked.
    await dialog.getByText('Initial password must be at least 12 characters').waitFor();
    await dialog.getByRole('textbox', { name: /^Initial password/ }).fill('pat has a long password');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('pat@e2e.sidekey.test can sign in now.').waitFor();
    await expect.poll(() => row(page, 'Pat Password').count()).toBe(1);

    // Change a role.
    await chooseOption(page, 'Role of Andy Analyst', 'Implementation Specialist');
    await page.getByText('Andy Analyst is now Implementation Specialist.').waitFor();
    await expect.poll(() => page.getByRole('combobox', { name: 'Role of Andy Analyst', exact: true }).inputValue()).toBe('Implementation Specialist');

    // The last Account Administrator stays one, and the page says why.
    await chooseOption(page, 'Role of Erin Admin', 'Analyst');
    await page.getByRole('alert').getByText(/an account needs at least one Account Administrator/).waitFor();
    await expect.poll(() => page.getByRole('combobox', { name: 'Role of Erin Admin', exact: true }).inputValue()).toBe('Account Administrator');
    await screenshot(page, 'users-last-administrator');
    await expectAxeClean(page, 'the Users page with the refusal');

    // Remove, after a confirmation that says what happens.
    await row(page, 'Pat Password').getByRole('button', { name: 'Remove Pat Password' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove Pat Password?' });
    await confirm.getByText('loses access to this account at once').waitFor();
    await confirm.getByRole('button', { name: 'Remove user' }).click();
    await expect.poll(() => row(page, 'Pat Password').count()).toBe(0);

    // The invited user opens the link in their own browser and chooses a password.
    const invited = await chromium.openPage(server.baseUrl);
    await invited.page.goto(inviteUrl);
    await invited.page.getByText(/You are invited to E2E Outdoor/).waitFor();
    await expectAxeClean(invited.page, 'the invite page');
    await invited.page.getByRole('textbox', { name: 'Password' }).fill('ivy chooses her own password');
    await invited.page.getByRole('button', { name: 'Set password and sign in' }).click();
    await invited.page.waitForURL(/\/accounts\/[^/]+\/settings$/);
    await invited.page.getByRole('button', { name: /User menu for Ivy Invited/ }).waitFor();
    expect(invited.problems).toEqual([]);
    await invited.context.close();

    // Used once: the link now says so before any form.
    const again = await chromium.openPage(server.baseUrl, { expectedFailures: [{ status: 404, url: /\/api\/v1\/invite\/check$/ }] });
    await again.page.goto(inviteUrl);
    await again.page.getByText(/This invite link is invalid, expired or already used/).waitFor();
    expect(await again.page.getByRole('button', { name: 'Set password and sign in' }).count()).toBe(0);
    await again.context.close();

    await page.reload();
    await expect.poll(() => row(page, 'Ivy Invited').getByText('Invite pending').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('a password change in Profile signs the user out in another browser and keeps this one signed in', async () => {
    const other = await chromium.openPage(server.baseUrl);
    await other.page.goto(`${server.baseUrl}/login`);
    await signIn(other.page, server.analyst);
    await other.page.waitForURL(/\/accounts\//);

    const { context, page, problems } = await chromium.openPage(server.baseUrl, { expectedFailures: [{ status: 403, url: /\/api\/v1\/me\/password$/ }] });
    onTestFailed(() => screenshot(page, 'failed-profile').catch(() => undefined));
    await page.goto(`${server.baseUrl}/login`);
    await signIn(page, server.analyst);
    await page.waitForURL(/\/accounts\//);
    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings`);
    await page.getByRole('link', { name: 'Edit name and password' }).click();
    await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
    await expectAxeClean(page, 'the Profile page');

    await page.getByRole('textbox', { name: /^Name/ }).fill('Andy A. Analyst');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('button', { name: /User menu for Andy A\. Analyst/ }).waitFor();

    await page.getByRole('textbox', { name: /^Current password/ }).fill('not my password at all');
    await page.getByRole('textbox', { name: /^New password/ }).fill('andy picks a new passphrase');
    await page.getByRole('textbox', { name: /^Repeat the new password/ }).fill('andy picks a new passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Current password is not your current password').waitFor();

    await page.getByRole('textbox', { name: /^Current password/ }).fill(server.analyst.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').getByText('Your password is changed. 1 other session was signed out.').waitFor();
    await screenshot(page, 'profile-password-changed');

    // The other browser's next request finds its session gone and lands on the sign-in page.
    await other.page.reload();
    await other.page.waitForURL(/\/login/);
    await other.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await other.context.close();

    // This browser is still signed in.
    await page.goto(`${server.baseUrl}/accounts/${server.accountId}/settings`);
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
