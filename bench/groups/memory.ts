/**
 * Memory of the verification cache: a real `sidekey serve` with room for every token, a million tokens seeded
 * in bulk, each verified once over HTTP (GET /v1/auth, pipelined) so all of them are cached. Resident memory is
 * read from /proc while the tokens warm (the peak), and after a full garbage collection before and after (empty
 * and settled): the collection is asked of the server through its inspector, so the settled figure is what the
 * cache keeps, not the garbage the burst left; the inspector also reports how much of the growth is live heap,
 * heap pages and Buffers (the rest is native memory). Environment: BENCH_CACHED_TOKENS (default 1000000).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { operator } from '../../src/domain/actor.js';
import { randomBase62 } from '../../src/domain/credentials.js';
import { startSidekey } from '../../test/support/servers.js';
import type { BenchGroup, Figure } from '../figures.js';
import { residentMemory, seedTokens, sidekeyEnvironment, warmTokens } from '../support.js';

const TOKENS = Number(process.env.BENCH_CACHED_TOKENS ?? 1_000_000);
const CONNECTIONS = 4;
const MB = 1024 * 1024;

/** What the server says of its memory, through its inspector (MB). */
interface MemoryBreakdown {
  /** Live JavaScript objects after the collection. */
  heapUsed: number;
  /** Pages the JavaScript heap holds in RAM (live objects plus the free room between them). */
  heapPhysical: number;
  /** Memory outside the heap that JavaScript objects own (Buffers and their ArrayBuffers). */
  external: number;
}

const BREAKDOWN = `JSON.stringify({ heapUsed: process.memoryUsage().heapUsed, heapPhysical: process.getBuiltinModule('v8').getHeapStatistics().total_physical_size, external: process.memoryUsage().external })`;

/**
 * Asks a process started with --inspect for a full collection (twice: the first frees what finalizers release),
 * then for its memory breakdown.
 */
async function collectGarbage(inspectorUrl: string): Promise<MemoryBreakdown> {
  const socket = new WebSocket(inspectorUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let id = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<{ result?: { value?: string } }>((resolve) => {
      const mine = ++id;
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data));
        if (message.id === mine) resolve(message.result);
      };
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  await call('HeapProfiler.collectGarbage');
  await call('HeapProfiler.collectGarbage');
  const { result } = await call('Runtime.evaluate', { expression: BREAKDOWN, returnByValue: true });
  socket.close();
  if (typeof result?.value !== 'string') throw new Error(`the server's inspector gave no memory breakdown: ${JSON.stringify(result)}`);
  const bytes = JSON.parse(result.value) as MemoryBreakdown;
  return { heapUsed: bytes.heapUsed / MB, heapPhysical: bytes.heapPhysical / MB, external: bytes.external / MB };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run({ log }: { log: (line: string) => void }): Promise<Figure[]> {
  const work = mkdtempSync(join(tmpdir(), 'sidekey-bench-memory-'));
  const verifyKey = randomBytes(24).toString('base64url');
  const env = { ...sidekeyEnvironment(work), SIDEKEY_VERIFY_KEY: verifyKey, TOKEN_CACHE_ENTRIES: String(Math.ceil(TOKENS * 1.1)) };
  try {
    const context = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    const { accountId } = await context.accounts.createAccountWithAdmin({ email: `bench-${randomBase62(8).toLowerCase()}@bench.test`, password: 'bench password 0123456789', accountName: 'Bench memory brand' });
    await context.tokens.enableApiAccess(operator('bench'), accountId);
    const seedStart = performance.now();
    const secrets = await seedTokens(context, accountId, TOKENS);
    await context.close();
    log(`  memory: seeded ${TOKENS} tokens on SQLite in ${((performance.now() - seedStart) / 1000).toFixed(0)} s`);

    const server = await startSidekey({ ...env, NODE_OPTIONS: '--inspect=127.0.0.1:0' });
    try {
      const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(server.output())?.[1];
      if (!inspectorUrl) throw new Error(`the server printed no inspector address:\n${server.output()}`);
      const before = await collectGarbage(inspectorUrl);
      const empty = residentMemory(server.pid).rssMb;

      let sampled = 0;
      const sampler = setInterval(() => (sampled = Math.max(sampled, residentMemory(server.pid).rssMb)), 200);
      const warmStart = performance.now();
      const cached = await warmTokens(server.url, secrets, CONNECTIONS, verifyKey);
      clearInterval(sampler);
      const warmSeconds = (performance.now() - warmStart) / 1000;
      if (cached !== TOKENS) throw new Error(`only ${cached} of ${TOKENS} tokens reached the cache`);
      const peak = Math.max(sampled, residentMemory(server.pid).peakMb);

      await pause(6_000); // the usage recorder's next write (every 5 s) empties its counters
      const after = await collectGarbage(inspectorUrl);
      await pause(1_000);
      const settled = residentMemory(server.pid).rssMb;
      const perToken = (mb: number) => (mb * MB) / TOKENS;
      const grew = (part: keyof MemoryBreakdown) => perToken(after[part] - before[part]).toFixed(0);
      const heapPerToken = perToken(after.heapUsed - before.heapUsed);
      log(
        `  memory: warmed ${cached} tokens over HTTP in ${warmSeconds.toFixed(0)} s; RSS ${empty.toFixed(0)} MB empty, peak ${peak.toFixed(0)} MB, settled ${settled.toFixed(0)} MB: ` +
          `${perToken(settled - empty).toFixed(0)} B per token (live heap ${grew('heapUsed')}, heap pages ${grew('heapPhysical')}, external ${grew('external')}, the rest native)`,
      );
      const note = `${TOKENS} tokens warmed over GET /v1/auth, ${CONNECTIONS} pipelined connections; RSS after a full GC, ${empty.toFixed(0)} MB empty`;
      return [
        { group: 'memory', id: 'memory.bytes_per_cached_token', label: 'resident memory per cached token', value: Math.round(perToken(settled - empty)), unit: 'B', target: { comparison: 'atMost', value: 400 }, note },
        { group: 'memory', id: 'memory.heap_bytes_per_cached_token', label: 'JavaScript heap per cached token', value: Math.round(heapPerToken), unit: 'B', note: `heap after a full GC, ${before.heapUsed.toFixed(0)} MB empty, ${after.heapUsed.toFixed(0)} MB with ${TOKENS} tokens (its pages in RAM: ${before.heapPhysical.toFixed(0)} → ${after.heapPhysical.toFixed(0)} MB)` },
        { group: 'memory', id: 'memory.settled_rss_mb', label: `server RSS with ${TOKENS} warm tokens, settled`, value: Math.round(settled), unit: 'MB', target: { comparison: 'atMost', value: 600 }, note },
        {
          group: 'memory',
          id: 'memory.peak_to_settled',
          label: 'RSS peak while warming ÷ settled',
          value: Number((peak / settled).toFixed(2)),
          unit: 'ratio',
          baseline: 'memory.settled_rss_mb',
          target: { comparison: 'atMost', value: 1.3 },
          note: `peak ${peak.toFixed(0)} MB (VmHWM and 200 ms samples)`,
        },
      ];
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export const group: BenchGroup = { name: 'memory', run };
