/** `sidekey serve`: start everything, print how to get in, and shut down cleanly on SIGINT/SIGTERM. */
import { setFlagsFromString } from 'node:v8';
import { type Config, publicBaseUrl } from '../config.js';
import { createContext } from '../app/context.js';
import { seedDemo } from '../app/demo.js';
import { buildApp } from '../http/app.js';
import { redactUrl } from '../store/database.js';

/**
 * How far V8 lets the heap grow past its live size before the next full collection, in percent. Left to itself
 * V8 picks a factor from how fast the program allocates (up to 4×), and a cold cache answering every token once
 * allocates fast: resident memory peaked at 1.27–1.50× what the warm cache keeps, 1.10–1.23× with this bound
 * (bench/groups/memory.ts). The price is more concurrent marking while the heap grows; a warm cache does not grow.
 * `node --heap-growing-percent=N` still decides.
 */
const HEAP_GROWTH_PERCENT = 20;

function boundHeapGrowth() {
  if (process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWTH_PERCENT}`);
}

export async function serve(config: Config, options: { demo: boolean }) {
  boundHeapGrowth();
  const context = await createContext(config);
  const app = await buildApp(context);
  context.lifecycle.start();
  const stop = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await context.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = publicBaseUrl(config, port);
  const store = context.store.dialect === 'sqlite' ? `SQLite at ${context.store.location}` : `PostgreSQL at ${redactUrl(config.databaseUrl!)}`;
  const lines = [`Sidekey is listening on ${base}  (${store}; keys from ${context.keySource})`, `API docs: ${base}/api/docs`];
  lines.push(`Verify: POST ${base}/v1/verify  ·  forward auth: ${base}/v1/auth${config.verifyKey ? '  (X-Sidekey-Verify-Key required)' : ''}`);
  if (config.upstreamUrl) lines.push(`Gateway: ${base}/… → ${config.upstreamUrl} (catalog paths only, after verification)`);
  if (options.demo) {
    const demo = await seedDemo(context);
    lines.push('', 'Demo brand account seeded. Sign in with any of these (passwords are re-issued on every --demo start):');
    for (const l of demo.logins) lines.push(`  ${l.label.padEnd(30)} ${l.email.padEnd(48)} ${l.password}`);
  } else if (!(await context.accounts.hasAnyAccount())) {
    const link = await context.accounts.createSetupLink();
    lines.push('', 'No account exists yet. Open this one-time link (valid 15 minutes) to create the first administrator:', `  ${base}/setup?token=${link.token}`, 'or run: npx sidekey admin create --email you@example.com --account "Your brand"   (it asks for the password)');
  }
  console.log(lines.join('\n'));
}
