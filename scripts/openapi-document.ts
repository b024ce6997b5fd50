/**
 * Writes the OpenAPI document the server serves at /api/openapi.json to the file named by the first argument
 * (`npm run lint:openapi` lints it). The server is built in-process on a throwaway SQLite database, with the
 * gateway and the verification key switched on, so every entrance and every security requirement is in it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../src/app/context.js';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: node --import tsx scripts/openapi-document.ts <file>');
  process.exit(2);
}
const dataDir = mkdtempSync(join(tmpdir(), 'sidekey-openapi-'));
try {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', UPSTREAM_URL: 'http://127.0.0.1:9', SIDEKEY_VERIFY_KEY: 'openapi-document-verify-key' });
  const context = await createContext(config);
  const app = await buildApp(context, { logger: false });
  try {
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    writeFileSync(out, `${JSON.stringify(response.json(), null, 2)}\n`);
  } finally {
    await app.close();
    await context.close();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
