/**
 * Debian's Chromium driven by playwright-core (no browser is ever downloaded), with what every journey needs:
 * a record of console errors, named screenshots in test-results/, and an axe-core accessibility check.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from './server.js';

export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'e2e');

/** Chromium as every e2e file runs it: headless, no sandbox, GPU, QUIC or background traffic. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Chromium {
  /** A fresh browser context on `baseUrl` with one page, its console problems recorded (see recordConsoleProblems). */
  openPage(baseUrl: string, options?: { timeoutMs?: number; expectedFailures?: ExpectedFailure[]; device?: Device }): Promise<OpenPage>;
}

/** The screen a context emulates: the desktop default, or a phone. */
type Device = 'desktop' | 'phone';

/** A 390×844 phone (an iPhone 12-14 sized screen) with touch, as mobile layouts are checked on. */
const DEVICES = {
  desktop: { viewport: { width: 1366, height: 900 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
} as const;

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  problems: ConsoleProblem[];
}

/**
 * Debian's /usr/bin/chromium for the calling test file: launched before its tests, closed after them (also when
 * one failed). Playwright gives each launch a fresh --user-data-dir of its own and removes it on close, so no
 * state is shared between files or runs.
 */
export function launchChromiumPerFile(): Chromium {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async openPage(baseUrl, options = {}) {
      if (!browser) throw new Error('Chromium is not running: launchChromiumPerFile() opens pages only inside its tests and hooks');
      const context = await browser.newContext({ baseURL: baseUrl, ...DEVICES[options.device ?? 'desktop'], locale: 'en-GB', timezoneId: 'UTC' });
      // Copy buttons are part of the journey: let the page use the clipboard as a user's browser would.
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
      context.setDefaultTimeout(options.timeoutMs ?? 15_000);
      const page = await context.newPage();
      return { context, page, problems: recordConsoleProblems(page, options.expectedFailures) };
    },
  };
}

/** Fills and submits the login form on the current page (the caller waits for wherever it should lead). */
export async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email').fill(who.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens the sign-in page, signs in, and waits for Settings, where signing in leads. */
export async function signInFromLoginPage(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.goto('/login');
  await signIn(page, who);
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
}

export interface ConsoleProblem {
  kind: string;
  text: string;
  url?: string;
}

export interface ExpectedFailure {
  status: number;
  url: RegExp;
}

/**
 * Collects console errors, uncaught exceptions and failed requests: a response of 400 or more, or a request the
 * network refused. A healthy page makes none, a first visit included (signed out, the session probe answers
 * 200). A test that provokes a refusal on purpose names it in `expected`; anything else counts. A request
 * cancelled because the page navigated away (net::ERR_ABORTED) is the browser's doing, not a failure.
 */
export function recordConsoleProblems(page: Page, expected: ExpectedFailure[] = []): ConsoleProblem[] {
  const isExpected = (status: number, url: string) => expected.some((a) => a.status === status && a.url.test(url));
  const problems: ConsoleProblem[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    const status = Number(/status of (\d{3})/.exec(message.text())?.[1]);
    if (isExpected(status, url)) return;
    problems.push({ kind: 'console.error', text: message.text(), url });
  });
  page.on('pageerror', (error) => problems.push({ kind: 'pageerror', text: `${error.name}: ${error.message}` }));
  page.on('response', (response) => {
    if (response.status() >= 400 && !isExpected(response.status(), response.url())) {
      problems.push({ kind: 'failed response', text: `${response.request().method()} ${response.status()}`, url: response.url() });
    }
  });
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'failed';
    if (reason !== 'net::ERR_ABORTED') problems.push({ kind: 'failed request', text: `${request.method()} ${reason}`, url: request.url() });
  });
  return problems;
}

export interface ScreenshotOptions {
  /** The whole page (default) or only the viewport, e.g. for pages too tall to capture (a thousand cards). */
  fullPage?: boolean;
  /** Where to write the PNG instead of test-results/e2e/<name>.png (README images go to docs/screenshots/). */
  path?: string;
  /** For documentation shots: hide toasts, drop the focus ring and move the pointer off the page's controls. */
  clean?: boolean;
}

/**
 * A named screenshot. A full page is taken by growing the viewport to the page's height rather than with
 * Playwright's `fullPage`, which stitches beyond the viewport at the current scroll position and so paints
 * fixed elements (the app's header, toasts, a modal's overlay) in the middle of the page. Animations are
 * finished first, so a toast or dialog is never caught half-faded.
 */
export async function screenshot(page: Page, name: string, options: ScreenshotOptions = {}): Promise<void> {
  const path = options.path ?? join(SCREENSHOT_DIR, `${name}.png`);
  await mkdir(dirname(path), { recursive: true });
  const cleanup = options.clean ? await cleanForDocumentation(page) : undefined;
  const viewport = page.viewportSize();
  try {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    if ((options.fullPage ?? true) && viewport && height > viewport.height) {
      await page.setViewportSize({ width: viewport.width, height: Math.min(height, 10_000) });
      await nextFrames(page);
      try {
        await page.screenshot({ path, animations: 'disabled' });
      } finally {
        await page.setViewportSize(viewport);
      }
    } else {
      await page.screenshot({ path, animations: 'disabled' });
    }
  } finally {
    await cleanup?.();
  }
}

async function cleanForDocumentation(page: Page): Promise<() => Promise<void>> {
  await page.mouse.move(0, (page.viewportSize()?.height ?? 900) - 1);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
  const style = await page.addStyleTag({ content: '.mantine-Notifications-root { display: none !important; }' });
  await nextFrames(page);
  return async () => {
    await style.evaluate((element) => (element as Element).remove()).catch(() => undefined);
  };
}

/** Lets layout and paint catch up (after a resize or a style change) before the capture. */
async function nextFrames(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/**
 * Waits until nothing on the page is part-way through a transition, for three frames in a row: no finite CSS
 * animation or transition running, and no element with an inline opacity (how Mantine's Transition fades dialogs,
 * menus and toasts) between transparent and opaque. axe-core reads colours as drawn, and a dialog or toast caught
 * mid-fade is drawn in a colour it only passes through. Fails after 10 s naming what still moves.
 */
async function settled(page: Page): Promise<void> {
  const stillMoving = await page.evaluate(
    () =>
      new Promise<string[]>((resolve) => {
        const deadline = performance.now() + 10_000;
        let calmFrames = 0;
        const moving = () => [
          ...document
            .getAnimations()
            .filter((animation) => animation.playState === 'running' && animation.effect?.getComputedTiming().endTime !== Infinity)
            .map((animation) => `animation on ${(animation.effect as KeyframeEffect | null)?.target?.className ?? '?'}`),
          ...[...document.querySelectorAll<HTMLElement>('[style*="opacity"]')]
            .map((element) => ({ element, opacity: Number(getComputedStyle(element).opacity) }))
            .filter(({ opacity }) => opacity > 0 && opacity < 1)
            .map(({ element, opacity }) => `opacity ${opacity} on ${element.className}`),
        ];
        const check = () => {
          const now = moving();
          calmFrames = now.length === 0 ? calmFrames + 1 : 0;
          if (calmFrames >= 3) resolve([]);
          else if (performance.now() > deadline) resolve(now);
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
  );
  if (stillMoving.length > 0) throw new Error(`The page never settled for an accessibility check; still moving after 10 s: ${stillMoving.join('; ')}`);
}

let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page, once it has settled, and returns the serious and critical violations. The script is
 * evaluated through the DevTools protocol rather than added as a <script> tag, because the app's CSP (rightly)
 * refuses inline scripts.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await settled(page);
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: any[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      // Where, as a selector and a short piece of the markup, so a failure can be fixed without rerunning.
      nodes: v.nodes.slice(0, 5).map((n: any) => `${n.target.join(' ')} → ${String(n.html).slice(0, 160)}`),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

let mantineClasses: Set<string> | undefined;

/**
 * The Mantine parts on the page whose styles are not loaded: every `m_…` class Mantine gives an element is one
 * that @mantine/core/styles.css (or the notifications' or dates' sheet) styles, and the UI loads only the
 * components it uses (web/src/mantine.css), so a class on the page that no loaded sheet has is an unstyled part.
 * Each is named by its class and the element's `mantine-…` part name.
 */
export async function unstyledMantineParts(page: Page): Promise<string[]> {
  if (!mantineClasses) {
    const require = createRequire(import.meta.url);
    const sheets = ['@mantine/core/styles.css', '@mantine/notifications/styles.css', '@mantine/dates/styles.css'];
    const css = (await Promise.all(sheets.map((sheet) => readFile(require.resolve(sheet), 'utf8')))).join('\n');
    mantineClasses = new Set([...css.matchAll(/\.(m_[0-9a-f]{8})\b/g)].map((m) => m[1]));
  }
  const known = [...mantineClasses];
  return page.evaluate((known) => {
    const styled = new Set<string>();
    const visit = (rules: CSSRuleList) => {
      for (const rule of Array.from(rules)) {
        const selector = (rule as CSSStyleRule).selectorText;
        if (selector) for (const m of selector.matchAll(/\.(m_[0-9a-f]{8})\b/g)) styled.add(m[1]);
        if ((rule as CSSGroupingRule).cssRules) visit((rule as CSSGroupingRule).cssRules);
      }
    };
    for (const sheet of Array.from(document.styleSheets)) visit(sheet.cssRules);
    const mantine = new Set(known);
    const missing = new Set<string>();
    for (const element of Array.from(document.querySelectorAll('[class*="m_"]'))) {
      const part = Array.from(element.classList).find((c) => /^mantine-[A-Z]/.test(c)) ?? element.tagName.toLowerCase();
      for (const c of Array.from(element.classList)) if (mantine.has(c) && !styled.has(c)) missing.add(`${c} (${part})`);
    }
    return [...missing].sort();
  }, known);
}
