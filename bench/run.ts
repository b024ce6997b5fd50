/**
 * `npm run bench`: every group in bench/groups/ (each file exports `group: BenchGroup`), one after another in one
 * run, so the ratios inside each group compare servers that saw the same machine state (these machines are
 * shared and noisy: absolute numbers move between runs, ratios much less). Prints the figures with met/MISSED
 * and writes bench/results/latest.json, which `npm run bench:readme` turns into README's figures table.
 *
 * Environment: BENCH_ONLY=name[,name] runs only those groups; ROUNDS (default 3) rounds of every measurement,
 * whose median is the figure; BENCH_DURATION (s, default 5) per load run; a group may read its own settings
 * (BENCH_RESETS, BENCH_SCENARIOS, BENCH_PG_URL, …, named in its file).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// @ts-expect-error scripts/builds.mjs is plain JavaScript, shared with bin/sidekey.js and npm's postinstall.
import { BUILDS, whyStale } from '../scripts/builds.mjs';
import { stopStartedProcesses } from '../test/support/processes.js';
import type { BenchGroup, Figure } from './figures.js';
import { buildReport, currentLoadAverage, describeMachine, LATEST, renderSummary, renderTable } from './report.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const GROUPS_DIR = join(ROOT, 'bench/groups');

const ROUNDS = positive('ROUNDS', 3);
const DURATION_SECONDS = positive('BENCH_DURATION', 5);

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not ${process.env[name]}`);
  return value;
}

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

/** Every bench/groups/*.ts, by name; a new group is picked up without a change here. */
async function discoverGroups(): Promise<BenchGroup[]> {
  const files = readdirSync(GROUPS_DIR)
    .filter((file) => file.endsWith('.ts'))
    .sort();
  const groups: BenchGroup[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(GROUPS_DIR, file)).href)) as { group?: BenchGroup };
    if (!module.group) throw new Error(`bench/groups/${file} exports no \`group\``);
    groups.push(module.group);
  }
  return groups;
}

function select(groups: BenchGroup[]): BenchGroup[] {
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!only?.length) return groups;
  const unknown = only.filter((name) => !groups.some((g) => g.name === name));
  if (unknown.length) throw new Error(`BENCH_ONLY names no group: ${unknown.join(', ')} (groups: ${groups.map((g) => g.name).join(', ')})`);
  return groups.filter((g) => only.includes(g.name));
}

/** The servers run the compiled build (bench/support.ts); an out-of-date one is rebuilt, never measured. */
function buildServerIfStale() {
  const stale = whyStale(BUILDS.server);
  if (!stale) return;
  log(`Building the server first (${stale})…`);
  execFileSync(process.execPath, BUILDS.server.command, { cwd: ROOT, stdio: 'inherit' });
}

async function main() {
  const groups = select(await discoverGroups());
  buildServerIfStale();
  const machine = describeMachine(ROOT);
  const startedAt = new Date().toISOString();
  const before = currentLoadAverage();
  log(`Sidekey benchmark: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load average ${before.join(' ')}; groups ${groups.map((g) => g.name).join(', ')}; ${ROUNDS} rounds, ${DURATION_SECONDS} s a load run`);

  const figures: Figure[] = [];
  const failures: { group: string; error: string }[] = [];
  for (const group of groups) {
    log(`\n${group.name}:`);
    const started = performance.now();
    try {
      figures.push(...(await group.run({ rounds: ROUNDS, durationSeconds: DURATION_SECONDS, log })));
    } catch (error) {
      // The other groups still run: one broken group should not cost the figures of the rest.
      console.error(error);
      failures.push({ group: group.name, error: error instanceof Error ? error.message : String(error) });
    }
    log(`  (${group.name}: ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }

  const report = buildReport({
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    loadAverage: { before, after: currentLoadAverage() },
    rounds: ROUNDS,
    durationSeconds: DURATION_SECONDS,
    groups: groups.map((g) => g.name),
    failures,
    figures,
  });
  log(`\n${renderSummary(report)}\n\n${renderTable(report.figures)}`);
  mkdirSync(dirname(LATEST), { recursive: true });
  writeFileSync(LATEST, `${JSON.stringify(report, null, 2)}\n`);
  log(`\nWritten to ${LATEST}; \`npm run bench:readme\` puts it in README.md.`);
  if (failures.length) process.exitCode = 1;
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(stopStartedProcesses);
