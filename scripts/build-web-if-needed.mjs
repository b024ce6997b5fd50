#!/usr/bin/env node
/**
 * npm's postinstall step: build the web UI (web/dist) when it is missing or older than its sources, so that
 * `npm install && npm start` on a fresh clone serves a working UI. It says what it did, and a failed build
 * fails the install with the reason instead of leaving a server without a UI.
 *
 * SIDEKEY_SKIP_WEB_BUILD=1 skips it (e.g. CI jobs that never serve the UI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const builtIndex = join(web, 'dist', 'index.html');
// What the build reads besides web/src: the page template, static files, the Vite config and the shared
// types and rules the UI imports from the server's code.
const inputs = [join(web, 'src'), join(web, 'public'), join(web, 'index.html'), join(web, 'vite.config.ts'), join(root, 'src', 'http', 'schemas.ts'), join(root, 'src', 'domain', 'roles.ts')];
const say = (message) => console.log(`[sidekey] ${message}`);

// Unit tests sit beside the code they test but are not part of the bundle.
const isTestFile = (path) => /\.test\.[cm]?[jt]sx?$/.test(path);

function newestFile(path) {
  if (!existsSync(path)) return null;
  const stat = statSync(path);
  if (!stat.isDirectory()) return isTestFile(path) ? null : { path, mtimeMs: stat.mtimeMs };
  let newest = null;
  for (const entry of readdirSync(path)) {
    const candidate = newestFile(join(path, entry));
    if (candidate && (!newest || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}

function whyBuild() {
  if (!existsSync(builtIndex)) return 'web/dist/index.html does not exist';
  const builtAt = statSync(builtIndex).mtimeMs;
  const newest = inputs.map(newestFile).filter(Boolean).sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
  return newest && newest.mtimeMs > builtAt ? `${relative(root, newest.path)} is newer than the built UI` : null;
}

function main() {
  if (process.env.SIDEKEY_SKIP_WEB_BUILD === '1') return say('web UI build skipped (SIDEKEY_SKIP_WEB_BUILD=1).');
  if (!existsSync(join(web, 'src'))) return say('no web/src in this package: nothing to build.');
  const reason = whyBuild();
  if (!reason) return say('web UI is up to date (web/dist is newer than its sources).');

  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    if (existsSync(builtIndex)) return say(`warning: ${reason}, but Vite is not installed (devDependencies omitted?); serving the existing web/dist.`);
    console.error(`[sidekey] cannot build the web UI: ${reason} and Vite is not installed.`);
    console.error('[sidekey] Install with devDependencies (`npm install`, not `--omit=dev`), or copy a built web/dist, then retry.');
    process.exit(1);
  }

  say(`building the web UI (${reason})…`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [vite, 'build', '--config', join('web', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[sidekey] the web UI build failed (${result.error?.message ?? `exit code ${result.status}`}). See the output above;`);
    console.error('[sidekey] retry with `npm run build:web`. The server cannot serve the UI until it builds.');
    process.exit(result.status || 1);
  }
  say(`web UI built into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

main();
