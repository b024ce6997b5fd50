/**
 * When the first page the app opens has been drawn. Code that page does not need (the toasts' container, the
 * new-secret dialog, the header's menus) is fetched only then: fetched with the page, it shared the network with
 * the page's own code and data, and the main thread with its first render.
 */
import { afterNextPaint } from './afterPaint.js';

let markDrawn: () => void = () => undefined;

/** Resolves once the first page is on screen (see `firstPageRendering`). */
export const firstPageDrawn = new Promise<void>((resolve) => {
  markDrawn = resolve;
});

/**
 * Called once the first page's data and code are in (the router's first navigation is over): the page then renders
 * in the router's transition, which keeps the main thread busy until it is drawn, so the first idle moment after
 * it (or a second, where browsers have no idle callbacks) comes once the page is on screen.
 */
export function firstPageRendering(): void {
  afterNextPaint(() => {
    if ('requestIdleCallback' in window) requestIdleCallback(() => markDrawn(), { timeout: 2000 });
    else setTimeout(() => markDrawn(), 1000);
  });
}
