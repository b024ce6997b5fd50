import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { convertCssVariables, DEFAULT_THEME, defaultCssVariablesResolver, mergeMantineTheme } from '@mantine/core';
import { cssVariablesResolver, theme } from './src/theme.js';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
// The server listens here in development (`npm run dev`); the dev server forwards API calls to it so the
// session cookie stays first-party and the UI talks to the real management API.
const apiTarget = process.env.SIDEKEY_API_URL ?? 'http://127.0.0.1:8080';

/** Text worth compressing; below this size the saved bytes do not pay for a second file. */
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt)$/;
const MIN_BYTES = 1024;

/**
 * Writes `name.br` (brotli, best quality) and `name.gz` (gzip -9) beside every compressible file of the build,
 * each only where it is smaller, so the server (src/http/web-ui.ts) answers with bytes compressed once at build
 * time rather than on every request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'sidekey-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
      for (const file of walk(outDir)) {
        if (!COMPRESSIBLE.test(file)) continue;
        const bytes = readFileSync(file);
        if (bytes.length < MIN_BYTES) continue;
        const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
        if (brotli.length < bytes.length) writeFileSync(`${file}.br`, brotli);
        const gzip = gzipSync(bytes, { level: 9 });
        if (gzip.length < bytes.length) writeFileSync(`${file}.gz`, gzip);
      }
    },
  };
}

const THEME_VARIABLES = 'virtual:mantine-theme-variables.css';

/**
 * `import 'virtual:mantine-theme-variables.css'`: every CSS variable of the app's theme (theme.ts), Mantine's
 * defaults with the theme and its resolver applied, as a stylesheet written at build time. MantineProvider
 * (withCssVariables={false}) then computes none at start-up nor inserts them as a <style> while it renders, which
 * made the browser match every element's styles again.
 */
function mantineThemeVariables(): Plugin {
  const resolvedId = `\0${THEME_VARIABLES}`;
  return {
    name: 'sidekey-mantine-theme-variables',
    resolveId: (id) => (id === THEME_VARIABLES ? resolvedId : undefined),
    load(id) {
      if (id !== resolvedId) return undefined;
      const merged = mergeMantineTheme(DEFAULT_THEME, theme);
      const defaults = defaultCssVariablesResolver(merged);
      const own = cssVariablesResolver(merged);
      const variables = {
        variables: { ...defaults.variables, ...own.variables },
        light: { ...defaults.light, ...own.light },
        dark: { ...defaults.dark, ...own.dark },
      };
      return convertCssVariables(variables, ':root');
    },
  };
}

/**
 * The libraries every page needs, each in a chunk of its own: they change less often than the app, so a
 * release that touches only the app leaves them in the browser's cache. Only their scripts: a library's
 * stylesheets stay with the code that imports them.
 */
const VENDOR_CHUNKS: [name: string, test: RegExp][] = [
  ['react', /node_modules[\\/](react|react-dom|scheduler)[\\/].*\.[cm]?js$/],
  ['router', /node_modules[\\/](react-router|cookie|set-cookie-parser)[\\/].*\.[cm]?js$/],
  ['query', /node_modules[\\/]@tanstack[\\/].*\.[cm]?js$/],
  // Mantine's core (provider, theme, styles API) and hooks; its components go with the pages that use them, so a
  // page downloads only the components it renders.
  ['mantine', /node_modules[\\/](@mantine[\\/](core[\\/]esm[\\/]core|hooks|store)|clsx)[\\/].*\.[cm]?js$/],
];

export default defineConfig(({ command }) => {
  // A build is what browsers get in production, whatever NODE_ENV the calling process has: under vitest (NODE_ENV
  // "test", passed on by the e2e tests' ensureWebBuilt) Vite would bundle React's development build, twice the
  // bytes and several times the main-thread work. Vite reads NODE_ENV only after loading this file.
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    root: webRoot,
    plugins: [react(), mantineThemeVariables(), precompress()],
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      rolldownOptions: {
        output: {
          codeSplitting: { groups: VENDOR_CHUNKS.map(([name, test]) => ({ name, test })) },
        },
      },
    },
    server: {
      proxy: {
        '/api': { target: apiTarget, changeOrigin: false },
        '/v1': { target: apiTarget, changeOrigin: false },
      },
    },
  };
});
