/**
 * `npm run lighthouse`: Lighthouse's mobile defaults (simulated slow 4G and a 4× slower CPU) on the pages a
 * newcomer sees first — sign-in, Settings → Technical → API, the create wizard and a token page — against a
 * `sidekey serve --demo` of its own in a fresh DATA_DIR. Each page is measured `--runs` times (default 3); the
 * median of each category is printed as a table and written, with every run, to `--out`
 * (default test-results/lighthouse/scores.json). `--page 'API page'` (repeatable) measures only the pages named;
 * `--keep-reports` keeps each run's full Lighthouse report beside `--out` (as `<page>-<run>.json`), for its
 * long tasks, request chains and the rest of what the scores are made of.
 *
 * The server runs on this Node (better-sqlite3 needs Node 22+); Lighthouse 12.2.3 runs on LIGHTHOUSE_NODE
 * (default /usr/bin/node, Debian's Node 20) and drives CHROME_PATH (default /usr/bin/chromium, never a
 * downloaded browser). Scores are timings on whatever else the machine is doing: the load average is recorded
 * next to them, and a reader compares medians, never one run.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIGHTHOUSE_CLI = join(ROOT, 'node_modules', 'lighthouse', 'cli', 'index.js');
const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;
const METRICS = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index'] as const;
/** The flags every headless Chromium of this project runs with (test/e2e/support/browser.ts). */
const CHROME_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type Category = (typeof CATEGORIES)[number];
type Metric = (typeof METRICS)[number];

interface Run {
  scores: Record<Category, number>;
  metrics: Record<Metric, number>;
  /** Lighthouse's measure of how fast this machine ran its CPU benchmark at the time (a busy machine scores low). */
  benchmarkIndex: number;
  /**
   * Where the main thread's time went during the load, in ms by kind of work (mainthread-work-breakdown: script
   * evaluation, style and layout, …) — what Total Blocking Time is made of, and steadier than TBT on a busy machine.
   */
  mainThread: Record<string, number>;
  /** The scripts that kept the main thread busiest (bootup-time), in ms of evaluation, most first. */
  scripts: { url: string; scripting: number }[];
}

interface PageScores {
  page: string;
  path: string;
  median: Run;
  runs: Run[];
}

interface LighthouseReport {
  lighthouse: string;
  measuredAt: string;
  /** 1-, 5- and 15-minute load averages before and after the runs, and the number of CPUs. */
  load: { before: number[]; after: number[]; cpus: number };
  pages: PageScores[];
}

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, page: { type: 'string', multiple: true }, out: { type: 'string', default: join(ROOT, 'test-results', 'lighthouse', 'scores.json') }, 'keep-reports': { type: 'boolean', default: false } },
});
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of at least 1, not "${args.runs}"`);

interface DemoServer {
  baseUrl: string;
  admin: { email: string; password: string };
  stop: () => Promise<void>;
}

/** `serve --demo` on a free port; ready once it has printed its URL and the demo logins. */
async function startDemoServer(dataDir: string): Promise<DemoServer> {
  const env = { ...process.env, DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.UPSTREAM_URL;
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'sidekey.js'), 'serve', '--demo', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<DemoServer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sidekey serve --demo did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      const admin = /^\s+Account Administrator\s+(\S+@\S+)\s+(\S+)$/m.exec(output);
      if (url && admin) {
        clearTimeout(timer);
        resolve({
          baseUrl: url,
          admin: { email: admin[1], password: admin[2] },
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`sidekey serve --demo exited with ${code}:\n${output}`)));
  });
  return ready;
}

/** Signs in as the demo's administrator and finds the addresses of the pages behind sign-in. */
async function pagesToMeasure(server: DemoServer): Promise<{ cookie: string; pages: { page: string; path: string }[] }> {
  const signIn = await fetch(`${server.baseUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(server.admin) });
  if (!signIn.ok) throw new Error(`demo sign-in failed: ${signIn.status} ${await signIn.text()}`);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
  const session = (await signIn.json()) as { accounts: { id: string }[] };
  const accountId = session.accounts[0].id;
  const tokens = (await (await fetch(`${server.baseUrl}/api/v1/accounts/${accountId}/tokens`, { headers: { cookie } })).json()) as { items: { id: string }[] };
  const api = `/accounts/${accountId}/settings/api`;
  return {
    cookie,
    pages: [
      { page: 'sign-in', path: '/login' },
      { page: 'API page', path: api },
      { page: 'wizard', path: `${api}/tokens/new` },
      { page: 'token page', path: `${api}/tokens/${tokens.items[0].id}/overview` },
    ],
  };
}

function runLighthouse(url: string, reportPath: string, headersPath: string | null): Promise<void> {
  const node = process.env.LIGHTHOUSE_NODE ?? '/usr/bin/node';
  const cli = [
    LIGHTHOUSE_CLI,
    url,
    '--output=json',
    `--output-path=${reportPath}`,
    `--only-categories=${CATEGORIES.join(',')}`,
    `--chrome-flags=${CHROME_FLAGS.join(' ')}`,
    '--quiet',
    ...(headersPath ? [`--extra-headers=${headersPath}`] : []),
  ];
  const env = { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? '/usr/bin/chromium' };
  return new Promise((resolve, reject) => {
    const child = spawn(node, cli, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lighthouse ${url} exited with ${code}:\n${errors}`))));
  });
}

/**
 * On a busy machine Lighthouse sometimes loses its trace (NO_NAVSTART, NO_FCP) and exits without scores: such a
 * run is taken again, twice at most, and a third failure ends the measurement with Lighthouse's message.
 */
async function withRetry(attempt: () => Promise<void>): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 3) throw error;
      console.error(`lighthouse run failed, retrying: ${(error as Error).message.split('\n').find((line) => /Runtime error|\(NO_/.test(line)) ?? 'see above'}`);
    }
  }
}

async function readRun(reportPath: string): Promise<{ version: string; run: Run }> {
  const report = JSON.parse(await readFile(reportPath, 'utf8'));
  if (report.runtimeError) throw new Error(`lighthouse: ${report.runtimeError.code} ${report.runtimeError.message}`);
  const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(report.categories[c].score * 100)])) as Record<Category, number>;
  const metrics = Object.fromEntries(METRICS.map((m) => [m, report.audits[m].numericValue])) as Record<Metric, number>;
  const mainThread = Object.fromEntries(report.audits['mainthread-work-breakdown'].details.items.map((i: { group: string; duration: number }) => [i.group, Math.round(i.duration)]));
  const scripts = report.audits['bootup-time'].details.items
    .slice(0, 5)
    .map((i: { url: string; scripting: number }) => ({ url: i.url.replace(/^https?:\/\/[^/]+/, ''), scripting: Math.round(i.scripting) }));
  return { version: report.lighthouseVersion, run: { scores, metrics, benchmarkIndex: report.environment.benchmarkIndex, mainThread, scripts } };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function medianRun(all: Run[]): Run {
  return {
    scores: Object.fromEntries(CATEGORIES.map((c) => [c, median(all.map((r) => r.scores[c]))])) as Record<Category, number>,
    metrics: Object.fromEntries(METRICS.map((m) => [m, median(all.map((r) => r.metrics[m]))])) as Record<Metric, number>,
    benchmarkIndex: median(all.map((r) => r.benchmarkIndex)),
    mainThread: Object.fromEntries([...new Set(all.flatMap((r) => Object.keys(r.mainThread)))].map((g) => [g, median(all.map((r) => r.mainThread[g] ?? 0))])),
    // The scripts of the run with the median script evaluation.
    scripts: [...all].sort((a, b) => (a.mainThread.scriptEvaluation ?? 0) - (b.mainThread.scriptEvaluation ?? 0))[Math.floor(all.length / 2)].scripts,
  };
}

function table(report: LighthouseReport): string {
  const rows = [['page', 'perf', 'a11y', 'best pr.', 'FCP ms', 'LCP ms', 'TBT ms', 'CLS', 'SI ms', 'perf runs', 'CPU index']];
  for (const p of report.pages) {
    const { scores: s, metrics: m } = p.median;
    const ms = (v: number) => String(Math.round(v));
    rows.push([p.page, String(s.performance), String(s.accessibility), String(s['best-practices']), ms(m['first-contentful-paint']), ms(m['largest-contentful-paint']), ms(m['total-blocking-time']), m['cumulative-layout-shift'].toFixed(3), ms(m['speed-index']), p.runs.map((r) => r.scores.performance).join(' '), String(Math.round(p.median.benchmarkIndex))]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' ');
  const work = report.pages.map((p) => `${p.page}: ${Object.entries(p.median.mainThread).map(([g, ms]) => `${g} ${ms}`).join(', ')}`);
  return [
    `Lighthouse ${report.lighthouse}, mobile defaults, median of ${runs} run(s) per page`,
    ...lines,
    `load average before ${load(report.load.before)}, after ${load(report.load.after)} (${report.load.cpus} CPUs)`,
    'main-thread work, ms (median):',
    ...work,
  ].join('\n');
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'sidekey-lighthouse-'));
  await mkdir(dirname(args.out!), { recursive: true });
  const server = await startDemoServer(join(work, 'data'));
  try {
    const { cookie, pages } = await pagesToMeasure(server);
    const headersPath = join(work, 'headers.json');
    await writeFile(headersPath, JSON.stringify({ Cookie: cookie }));
    const before = loadavg();
    let version = '';
    const measured: PageScores[] = [];
    for (const { page, path } of args.page ? pages.filter((p) => args.page!.includes(p.page)) : pages) {
      const all: Run[] = [];
      for (let i = 0; i < runs; i++) {
        const reportPath = join(work, `report-${measured.length}-${i}.json`);
        // The sign-in page is measured signed out, as a newcomer first sees it.
        await withRetry(() => runLighthouse(`${server.baseUrl}${path}`, reportPath, page === 'sign-in' ? null : headersPath));
        const { version: v, run } = await readRun(reportPath);
        if (args['keep-reports']) await copyFile(reportPath, join(dirname(args.out!), `${page.replaceAll(' ', '-')}-${i + 1}.json`));
        version = v;
        all.push(run);
      }
      measured.push({ page, path, median: medianRun(all), runs: all });
    }
    const report: LighthouseReport = { lighthouse: version, measuredAt: new Date().toISOString(), load: { before, after: loadavg(), cpus: cpus().length }, pages: measured };
    await writeFile(args.out!, `${JSON.stringify(report, null, 2)}\n`);
    console.log(table(report));
    console.log(`scores written to ${args.out}`);
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
