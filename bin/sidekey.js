#!/usr/bin/env node
/**
 * The `sidekey` command. Which code it runs:
 * - with NODE_ENV=production (`npm start` sets it), or when tsx is not installed (`npm install --omit=dev`):
 *   the compiled build in dist/ (`npm run build`), with plain Node. If it is missing or older than a file in
 *   src/, it stops and says so instead of running old code.
 * - otherwise (a development checkout, and the tests that spawn it): src/ through tsx, so what runs is
 *   always the code as it is on disk.
 */
import { createRequire } from 'node:module';

function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

if (process.env.NODE_ENV !== 'production' && hasTsx()) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  const { BUILDS, whyStale } = await import('../scripts/builds.mjs');
  const stale = whyStale(BUILDS.server);
  if (stale) {
    console.error(`[sidekey] cannot run the compiled server: ${stale}. Run \`npm run build\` (or \`npm run dev\` to run the sources).`);
    process.exit(1);
  }
  process.setSourceMapsEnabled(true);
  await import('../dist/cli/main.js');
}
