/**
 * A signed-in page opened by its address draws itself even on a slow CPU, when its data and code arrive while the
 * first screen is still rendering: the router's first navigation must never end unseen (web/src/main.tsx renders
 * the first screen synchronously for that reason) and leave its loader on screen.
 */
import { expect, it, onTestFailed } from 'vitest';
import { signInToApi } from './support/api.js';
import { launchChromiumPerFile, screenshot, signInFromLoginPage } from './support/browser.js';
import { startServerPerFile } from './support/server.js';

const server = startServerPerFile({
  setUp: async (server) => {
    const api = await signInToApi(server.baseUrl, server.admin);
    await api.post(`/accounts/${server.accountId}/api-access`, {});
  },
});

const chromium = launchChromiumPerFile();

for (const slowdown of [1, 6]) {
  it(`opens the API page by its address with a CPU ${slowdown}× slower`, async () => {
    const { context, page, problems } = await chromium.openPage(server.baseUrl, { timeoutMs: 30_000 });
    onTestFailed(() => screenshot(page, `failed-first-render-${slowdown}x`, { fullPage: false }).catch(() => undefined));
    await signInFromLoginPage(page, server.admin);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: slowdown });
    for (let visit = 0; visit < 3; visit++) {
      await page.goto(`/accounts/${server.accountId}/settings/api`);
      await page.getByRole('heading', { name: 'API', level: 1 }).waitFor();
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'Loading' }).count()).toBe(0);
    }
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
}
