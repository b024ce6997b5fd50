/**
 * What a `npm run bench` run leaves: bench/results/latest.json (the machine it ran on and every figure with
 * whether it met its target), the table it prints, and README's figures block, rendered from latest.json by
 * `npm run bench:readme`. Everything here but describeMachine() is pure: test/bench/report.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Figure, meetsTarget } from './figures.js';

export const LATEST = fileURLToPath(new URL('./results/latest.json', import.meta.url));

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  /** The commit measured, and whether the checkout had uncommitted changes (other than earlier results). */
  commit: string;
  dirty: boolean;
}

export interface ReportedFigure extends Figure {
  /** `met` / `MISSED` against its target; null when it has none. */
  status: 'met' | 'MISSED' | null;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  /** 1-, 5- and 15-minute load averages as the run started and as it ended (these machines are shared). */
  loadAverage: { before: number[]; after: number[] };
  rounds: number;
  durationSeconds: number;
  /** The groups that ran, and those that failed with their error (their figures are missing). */
  groups: string[];
  failures: { group: string; error: string }[];
  figures: ReportedFigure[];
}

export function describeMachine(root: string): Machine {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--', '.', ':!bench/results') !== '' };
}

export const currentLoadAverage = () => loadavg().map((n) => Math.round(n * 100) / 100);

export function buildReport(o: Omit<BenchReport, 'figures'> & { figures: readonly Figure[] }): BenchReport {
  return { ...o, figures: o.figures.map((f) => ({ ...f, status: statusOf(f) })) };
}

function statusOf(figure: Figure): ReportedFigure['status'] {
  const met = meetsTarget(figure);
  return met === undefined ? null : met ? 'met' : 'MISSED';
}

const DIGITS: Record<string, number> = { ratio: 2, ms: 2, MB: 0, B: 0, 'req/s': 0, '/s': 0 };

/** A value as the table shows it: thousands separated, decimals by unit (a target's only as many as it has). */
function formatValue(value: number, unit: string, { exact = false } = {}): string {
  const digits = DIGITS[unit] ?? 1;
  const number = value.toLocaleString('en-US', { minimumFractionDigits: exact ? 0 : digits, maximumFractionDigits: digits });
  return unit === 'ratio' ? number : `${number} ${unit}`;
}

function formatTarget(figure: Figure): string {
  if (!figure.target) return '';
  return `${figure.target.comparison === 'atLeast' ? '≥' : '≤'} ${formatValue(figure.target.value, figure.unit, { exact: true })}`;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The figures as one Markdown table: what it measured, the value, the target and met/MISSED, how it was measured. */
export function renderTable(figures: readonly ReportedFigure[]): string {
  const lines = ['| group | figure | value | target | | how |', '|---|---|---:|---:|---|---|'];
  for (const f of figures) lines.push(`| ${f.group} | ${cell(f.label)} | ${formatValue(f.value, f.unit)} | ${formatTarget(f)} | ${f.status ?? ''} | ${cell(f.note ?? '')} |`);
  return lines.join('\n');
}

/** What a reader needs to weigh the numbers: where, when, how loaded, and which targets were missed. */
export function renderSummary(report: BenchReport): string {
  const m = report.machine;
  const missed = report.figures.filter((f) => f.status === 'MISSED');
  const withTarget = report.figures.filter((f) => f.status !== null);
  const lines = [
    `${m.cpus} × ${m.cpuModel}, Node ${m.node}, commit ${m.commit.slice(0, 10)}${m.dirty ? ' with uncommitted changes' : ''}, ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC; ` +
      `load average ${report.loadAverage.before.join(' ')} before, ${report.loadAverage.after.join(' ')} after; ` +
      `${report.rounds} rounds of ${report.durationSeconds} s; groups: ${report.groups.join(', ')}.`,
    missed.length === 0 ? `Targets: ${withTarget.length} of ${withTarget.length} met.` : `Targets: ${withTarget.length - missed.length} of ${withTarget.length} met; MISSED: ${missed.map((f) => f.label).join('; ')}.`,
  ];
  for (const failure of report.failures) lines.push(`FAILED: the ${failure.group} group (${failure.error}); its figures are missing.`);
  return lines.join('\n');
}

/** README's block, markers included. */
export function renderReadmeBlock(report: BenchReport): string {
  return [
    README_START,
    '<!-- Generated by `npm run bench:readme` from bench/results/latest.json: run `npm run bench`, then that; do not edit by hand. -->',
    '',
    renderSummary(report).replaceAll('\n', '\n\n'),
    '',
    renderTable(report.figures),
    README_END,
  ].join('\n');
}

/** `readme` with the text between its markers (inclusive) replaced by `block`; throws when the markers are not there once each. */
export function replaceReadmeBlock(readme: string, block: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start || readme.indexOf(README_START, start + 1) >= 0 || readme.indexOf(README_END, end + 1) >= 0) {
    throw new Error(`README.md must hold ${README_START} … ${README_END} exactly once, in that order`);
  }
  return readme.slice(0, start) + block + readme.slice(end + README_END.length);
}

/** latest.json read back, checked to be a report (a hand-edited or older file is refused, not rendered half-way). */
export function parseReport(text: string): BenchReport {
  const report = JSON.parse(text) as BenchReport;
  const isNumbers = (v: unknown) => Array.isArray(v) && v.every((n) => typeof n === 'number');
  const valid =
    typeof report?.startedAt === 'string' &&
    typeof report.machine?.commit === 'string' &&
    typeof report.machine.cpus === 'number' &&
    isNumbers(report.loadAverage?.before) &&
    isNumbers(report.loadAverage?.after) &&
    Array.isArray(report.groups) &&
    Array.isArray(report.failures) &&
    Array.isArray(report.figures) &&
    report.figures.every((f) => typeof f.id === 'string' && typeof f.label === 'string' && typeof f.value === 'number' && Number.isFinite(f.value) && typeof f.unit === 'string' && statusOf(f) === f.status);
  if (!valid) throw new Error('bench/results/latest.json is not a report written by `npm run bench`');
  return report;
}
