/**
 * The production build: `npm run build` compiles the server and CLI, and plain Node runs them from a tree
 * that holds only what a deployment ships — the build, bin/ and scripts/, package.json, the scope catalog,
 * the built UI and node_modules, but no src/, so nothing can fall back to TypeScript through tsx.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const hasBuiltUi = existsSync(join(ROOT, 'web', 'dist', 'index.html'));

/** The environment of a production process: no loader inherited from the test runner. */
function productionEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const name of ['NODE_OPTIONS', 'DATABASE_URL', 'REDIS_URL', 'UPSTREAM_URL', 'CATALOG_PATH']) delete env[name];
  return env;
}

function serve(installed: string, env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(installed, 'bin', 'sidekey.js'), 'serve', '--port', '0'], { cwd: installed, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /Sidekey is listening on (http:\/\/\S+)/.exec(output);
      if (listening) resolve({ url: listening[1], child });
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`the compiled server exited with ${code} before listening:\n${output}`)));
  });
}

describe('the production build', () => {
  let installed: string;
  let server: { url: string; child: ChildProcess };

  beforeAll(async () => {
    installed = mkdtempSync(join(tmpdir(), 'sidekey-build-'));
    await run('npm', ['run', 'build', '--', join(installed, 'dist')], { cwd: ROOT, timeout: 240_000 });
    for (const shipped of ['bin', 'scripts', 'package.json']) cpSync(join(ROOT, shipped), join(installed, shipped), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(installed, 'node_modules'));
    symlinkSync(join(ROOT, 'catalog'), join(installed, 'catalog'));
    mkdirSync(join(installed, 'web'));
    if (hasBuiltUi) symlinkSync(join(ROOT, 'web', 'dist'), join(installed, 'web', 'dist'));
    server = await serve(installed, productionEnv(mkdtempSync(join(tmpdir(), 'sidekey-build-data-'))));
  }, 300_000);

  afterAll(() => {
    server?.child.kill('SIGKILL');
    if (installed) rmSync(installed, { recursive: true, force: true });
  });

  it('compiles src/ to dist/ without its tests', () => {
    expect(existsSync(join(installed, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'http', 'app.js'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
  });

  it('serves /healthz and the API from the compiled JavaScript, with the built-in catalog', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const catalog = await fetch(`${server.url}/api/v1/catalog`);
    expect(catalog.status).toBe(200);
    expect((await catalog.json()).versions.length).toBeGreaterThan(0);
  });

  it.skipIf(!hasBuiltUi)('serves the web UI from web/dist beside the build', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('refuses to run a build older than the sources beside it, and says what to do', async () => {
    mkdirSync(join(installed, 'src'), { recursive: true });
    const edited = join(installed, 'src', 'edited.ts');
    writeFileSync(edited, 'export {};\n');
    const later = new Date(Date.now() + 60_000);
    utimesSync(edited, later, later);
    const refused = await run(process.execPath, [join(installed, 'bin', 'sidekey.js'), 'migrate'], { cwd: installed, env: productionEnv(mkdtempSync(join(tmpdir(), 'sidekey-build-data-'))) }).catch((error) => error);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('src/edited.ts is newer than dist/cli/main.js. Run `npm run build`');
  });
});
