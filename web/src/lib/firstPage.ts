/**
 * When the first page the app opens has been drawn. Code that page does not need (the toasts' container, the
 * new-secret dialog, the header's menus) is fetched only then: fetched with the page, it shared the network with
 * the page's own code and data, and the main thread with its first render.
 */
import { lazy, useEffect } from 'react';
import { afterNextPaint } from './afterPaint.js';

let markDrawn: () => void = () => undefined;

/** Resolves once the first page is on screen (see `useFirstPageDrawnMark`). */
export const firstPageDrawn = new Promise<void>((resolve) => {
  markDrawn = resolve;
});

/**
 * `lazy(load)` for code no page needs to draw itself: fetched once the first page is drawn, so that it is there
 * when first rendered, or sooner, should it be rendered before.
 */
export const lazyAfterFirstPage: typeof lazy = (load) => {
  void firstPageDrawn.then(load);
  return lazy(load);
};

/**
 * For the frames pages are drawn in (AppLayout, PublicLayout), which mount only with a page itself, never with
 * the loader shown while the first page's code and data arrive: the first of them to commit marks the first page
 * drawn at the first idle moment after it is on screen (or a second after, where browsers have no idle callbacks).
 * The end of the router's first navigation is too early: the page's render begins only then, and code fetched
 * meanwhile (13 requests on the API page) would compete with its paint.
 */
export function useFirstPageDrawnMark(): void {
  useEffect(() => {
    afterOnScreen(() => {
      if ('requestIdleCallback' in window) requestIdleCallback(() => markDrawn(), { timeout: 2000 });
      else setTimeout(() => markDrawn(), 1000);
    });
  }, []);
}

/** After two frames, a frame's paint can still be on its way to the screen: in headless Chromium, ~50 ms more. */
const PRESENTATION_ALLOWANCE_MS = 300;

/**
 * Calls `then` once what was committed before the call is on screen: when the browser reports a largest contentful
 * paint drawn since (it reports one as its frame is presented), or, where it reports none (no support for it, or
 * nothing larger than before was drawn), PRESENTATION_ALLOWANCE_MS after the next two frames.
 */
function afterOnScreen(then: () => void): void {
  const since = performance.now();
  let observer: PerformanceObserver | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    observer?.disconnect();
    clearTimeout(timer);
    then();
  };
  if (typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes?.includes('largest-contentful-paint')) {
    observer = new PerformanceObserver((list) => {
      if (list.getEntries().some((entry) => entry.startTime >= since)) finish();
    });
    observer.observe({ type: 'largest-contentful-paint', buffered: true });
  }
  afterNextPaint(() => afterNextPaint(() => (timer = setTimeout(finish, PRESENTATION_ALLOWANCE_MS))));
}
