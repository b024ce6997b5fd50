#!/usr/bin/env node
/**
 * npm's postinstall step: build the server (dist/) and the web UI (web/dist) when missing or older than their
 * sources, so that `npm install && npm start` on a fresh clone runs the compiled server with a working UI.
 * `node scripts/build-if-needed.mjs web` builds only the UI. It says what it did, and a failed build fails the
 * install with the reason instead of leaving a server that cannot start or has no UI.
 *
 * SIDEKEY_SKIP_WEB_BUILD=1 skips the UI (e.g. CI jobs that never serve it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { BUILDS, ROOT, whyStale } from './builds.mjs';

const say = (message) => console.log(`[sidekey] ${message}`);

function buildIfNeeded(name) {
  const build = BUILDS[name];
  const output = relative(ROOT, build.output);
  const reason = whyStale(build);
  if (!reason) return say(`${build.label} build is up to date (${output} is newer than its sources).`);

  if (!existsSync(build.tool)) {
    if (existsSync(build.output)) return say(`warning: ${reason}, but ${relative(ROOT, build.tool)} is not installed (devDependencies omitted?); keeping the existing ${build.label} build.`);
    console.error(`[sidekey] cannot build the ${build.label}: ${reason} and ${relative(ROOT, build.tool)} is not installed.`);
    console.error(`[sidekey] Install with devDependencies (\`npm install\`, not \`--omit=dev\`), or copy a built ${output}, then retry.`);
    process.exit(1);
  }

  say(`building the ${build.label} (${reason})…`);
  const started = Date.now();
  const result = spawnSync(process.execPath, build.command, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[sidekey] the ${build.label} build failed (${result.error?.message ?? `exit code ${result.status}`}). See the output above;`);
    console.error(`[sidekey] retry with \`${build.script}\`.`);
    process.exit(result.status || 1);
  }
  say(`${build.label} built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

const requested = process.argv.slice(2);
for (const name of requested.length ? requested : ['server', 'web']) {
  if (!BUILDS[name]) throw new Error(`unknown build "${name}"; the builds are ${Object.keys(BUILDS).join(', ')}`);
  if (name === 'web' && process.env.SIDEKEY_SKIP_WEB_BUILD === '1') say('web UI build skipped (SIDEKEY_SKIP_WEB_BUILD=1).');
  else if (!existsSync(BUILDS[name].inputs[0])) say(`no ${relative(ROOT, BUILDS[name].inputs[0])} in this package: nothing to build.`);
  else buildIfNeeded(name);
}
