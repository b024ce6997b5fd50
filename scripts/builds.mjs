/**
 * The two builds a checkout needs before it can serve, what each reads and where its output is, and whether
 * that output is older than its sources. No side effects: `scripts/build-if-needed.mjs` (npm's postinstall)
 * builds what is stale, and `bin/sidekey.js` refuses to run a stale server build.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const BUILDS = {
  /** The server and CLI compiled to JavaScript (tsc, tsconfig.build.json), run by plain Node in production. */
  server: {
    label: 'server',
    output: join(ROOT, 'dist', 'cli', 'main.js'),
    inputs: [join(ROOT, 'src'), join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.build.json')],
    command: [join(ROOT, 'scripts', 'build.mjs')],
    tool: join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
    script: 'npm run build',
  },
  /** The web UI (Vite) in web/dist; besides web/ it reads the shared types and rules it imports from src/. */
  web: {
    label: 'web UI',
    output: join(ROOT, 'web', 'dist', 'index.html'),
    inputs: [join(ROOT, 'web', 'src'), join(ROOT, 'web', 'public'), join(ROOT, 'web', 'index.html'), join(ROOT, 'web', 'vite.config.ts'), join(ROOT, 'src', 'http', 'management', 'schemas.ts'), join(ROOT, 'src', 'domain', 'roles.ts')],
    command: [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join('web', 'vite.config.ts'), '--logLevel', 'warn'],
    tool: join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
    script: 'npm run build:web',
  },
};

// Unit tests sit beside the code they test but are part of neither build.
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

/** Why the build must run (its output is missing, or a source is newer), or null when it is up to date. */
export function whyStale(build) {
  if (!existsSync(build.output)) return `${relative(ROOT, build.output)} does not exist`;
  const builtAt = statSync(build.output).mtimeMs;
  const newest = build.inputs.map(newestFile).filter(Boolean).sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
  return newest && newest.mtimeMs > builtAt ? `${relative(ROOT, newest.path)} is newer than ${relative(ROOT, build.output)}` : null;
}
