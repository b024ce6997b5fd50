/**
 * What `npm run bench` reports, from figures made up here (no timings): which targets a run met or MISSED,
 * latest.json as written and read back, and README's generated block.
 */
import { describe, expect, it } from 'vitest';
import type { Figure } from '../../bench/figures.js';
import { type BenchReport, buildReport, parseReport, README_END, README_START, renderReadmeBlock, renderSummary, renderTable, replaceReadmeBlock } from '../../bench/report.js';
import { parseWrkOutput } from '../../bench/wrk.js';

const auth: Figure = { group: 'http', id: 'auth.ratio_to_bare_node', label: 'GET /v1/auth ÷ bare node:http', value: 0.74, unit: 'ratio', baseline: 'bare_node.rps', target: { comparison: 'atLeast', value: 0.75 } };
const verify: Figure = { group: 'http', id: 'verify.ratio_to_bare_node', label: 'POST /v1/verify ÷ bare node:http', value: 0.6, unit: 'ratio', baseline: 'bare_node.rps', target: { comparison: 'atLeast', value: 0.6 } };
const added: Figure = { group: 'http', id: 'auth.added_p99_ms', label: 'latency /v1/auth adds (p99)', value: 0.42, unit: 'ms', target: { comparison: 'atMost', value: 1 } };
const slow: Figure = { group: 'miss', id: 'miss.sqlite.p99_ms', label: 'cache miss on SQLite (p99)', value: 2.5, unit: 'ms', target: { comparison: 'atMost', value: 2 } };
const bare: Figure = { group: 'http', id: 'bare_node.rps', label: 'bare node:http answering "ok"', value: 36_712.4, unit: 'req/s', note: 'median of 3 rounds (35,500–37,000)' };

function report(figures: Figure[], extra: Partial<BenchReport> = {}): BenchReport {
  return buildReport({
    startedAt: '2026-12-03T14:05:13.000Z',
    finishedAt: '2026-12-03T14:09:00.000Z',
    machine: { cpus: 2, cpuModel: 'AMD EPYC', node: 'v22.23.3', commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    loadAverage: { before: [3.1, 2, 1.5], after: [4.2, 2.5, 1.7] },
    rounds: 3,
    durationSeconds: 5,
    groups: ['http', 'miss'],
    failures: [],
    figures,
    ...extra,
  });
}

describe('targets', () => {
  it('a figure at or beyond its target is met, one short of it is MISSED, one without a target has no status', () => {
    const statuses = Object.fromEntries(report([auth, verify, added, slow, bare]).figures.map((f) => [f.id, f.status]));
    expect(statuses).toEqual({ 'auth.ratio_to_bare_node': 'MISSED', 'verify.ratio_to_bare_node': 'met', 'auth.added_p99_ms': 'met', 'miss.sqlite.p99_ms': 'MISSED', 'bare_node.rps': null });
  });

  it('the table says MISSED plainly on the row of a missed target, with the value and the target beside it', () => {
    const rows = renderTable(report([auth, added, bare]).figures).split('\n');
    expect(rows.find((r) => r.includes('GET /v1/auth'))).toBe('| http | GET /v1/auth ÷ bare node:http | 0.74 | ≥ 0.75 | MISSED |  |');
    expect(rows.find((r) => r.includes('adds'))).toBe('| http | latency /v1/auth adds (p99) | 0.42 ms | ≤ 1 ms | met |  |');
    expect(rows.find((r) => r.includes('answering'))).toBe('| http | bare node:http answering "ok" | 36,712 req/s |  |  | median of 3 rounds (35,500–37,000) |');
  });

  it('the summary counts the targets met and names every one missed, and every group that failed', () => {
    const summary = renderSummary(report([auth, verify, slow, bare], { failures: [{ group: 'search', error: 'PostgreSQL refused the connection' }] }));
    expect(summary).toContain('Targets: 1 of 3 met; MISSED: GET /v1/auth ÷ bare node:http; cache miss on SQLite (p99).');
    expect(summary).toContain('FAILED: the search group (PostgreSQL refused the connection); its figures are missing.');
    expect(renderSummary(report([verify]))).toContain('Targets: 1 of 1 met.');
  });

  it('the summary says where and how loaded the machine was, and the commit measured', () => {
    const summary = renderSummary(report([bare], { machine: { cpus: 2, cpuModel: 'AMD EPYC', node: 'v22.23.3', commit: 'fedcba9876543210', dirty: true } }));
    expect(summary).toContain('2 × AMD EPYC, Node v22.23.3, commit fedcba9876 with uncommitted changes, 2026-12-03 14:05 UTC');
    expect(summary).toContain('load average 3.1 2 1.5 before, 4.2 2.5 1.7 after; 3 rounds of 5 s; groups: http, miss.');
  });
});

describe('latest.json', () => {
  it('holds the machine, the load before and after, and every figure with its status; it reads back as written', () => {
    const written = report([auth, bare]);
    const json = JSON.parse(JSON.stringify(written));
    expect(Object.keys(json).sort()).toEqual(['durationSeconds', 'failures', 'figures', 'finishedAt', 'groups', 'loadAverage', 'machine', 'rounds', 'startedAt']);
    expect(json.machine).toEqual({ cpus: 2, cpuModel: 'AMD EPYC', node: 'v22.23.3', commit: '0123456789abcdef0123456789abcdef01234567', dirty: false });
    expect(json.figures[0]).toEqual({ ...auth, status: 'MISSED' });
    expect(parseReport(JSON.stringify(written))).toEqual(written);
  });

  it('a file whose status disagrees with its value (edited by hand) is refused, as is one that is not a report', () => {
    const edited = JSON.parse(JSON.stringify(report([auth])));
    edited.figures[0].status = 'met';
    expect(() => parseReport(JSON.stringify(edited))).toThrow(/not a report/);
    expect(() => parseReport(JSON.stringify({ at: '2026-12-03', http: [] }))).toThrow(/not a report/);
  });
});

describe("README's figures block", () => {
  const readme = `# Sidekey\n\nSome text.\n\n${README_START}\nold figures\n${README_END}\n\n## Next section\n`;

  it('is the summary and the table between the markers, generated from the report', () => {
    const block = renderReadmeBlock(report([auth, bare]));
    expect(block.startsWith(`${README_START}\n`)).toBe(true);
    expect(block.endsWith(`\n${README_END}`)).toBe(true);
    expect(block).toContain('npm run bench:readme');
    expect(block).toContain('Targets: 0 of 1 met; MISSED: GET /v1/auth ÷ bare node:http.');
    expect(block).toContain('| http | GET /v1/auth ÷ bare node:http | 0.74 | ≥ 0.75 | MISSED |  |');
  });

  it('replaces only what is between the markers, and rendering the same report twice changes nothing more', () => {
    const block = renderReadmeBlock(report([auth]));
    const once = replaceReadmeBlock(readme, block);
    expect(once).toBe(`# Sidekey\n\nSome text.\n\n${block}\n\n## Next section\n`);
    expect(replaceReadmeBlock(once, block)).toBe(once);
  });

  it('a README without the markers, or with them twice, is refused rather than appended to', () => {
    expect(() => replaceReadmeBlock('# Sidekey\n', 'x')).toThrow(/exactly once/);
    expect(() => replaceReadmeBlock(`${readme}${README_START}\n${README_END}\n`, 'x')).toThrow(/exactly once/);
    expect(() => replaceReadmeBlock(`${README_END}\n${README_START}\n`, 'x')).toThrow(/exactly once/);
  });

  it('a table cell holding a pipe keeps the table intact', () => {
    const row = renderTable(report([{ ...bare, note: 'SQLite | PostgreSQL' }]).figures).split('\n')[2];
    expect(row).toContain('SQLite \\| PostgreSQL');
  });
});

describe("wrk's output", () => {
  const stdout = [
    'Running 5s test @ http://127.0.0.1:4100',
    '  1 threads and 50 connections',
    '  183500 requests in 5.00s, 20.1MB read',
    'Requests/sec:  36700.00',
    'WRK_RESULT {"durationUs":5000000,"requests":183500,"bytes":21000000,"errors":{"connect":0,"read":0,"write":0,"timeout":0},"statusErrors":0,"latencyUs":{"mean":1362.5,"max":21000,"p50":1250,"p90":1900,"p99":4100,"p999":9000}}',
    '',
  ].join('\n');

  it("is read from request.lua's result line: requests per second and latencies in milliseconds", () => {
    expect(parseWrkOutput(stdout)).toEqual({
      requests: 183_500,
      seconds: 5,
      requestsPerSecond: 36_700,
      statusErrors: 0,
      socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
      latencyMs: { mean: 1.3625, p50: 1.25, p90: 1.9, p99: 4.1, p999: 9, max: 21 },
    });
  });

  it('without the result line (the script did not run) it is an error, not a zero', () => {
    expect(() => parseWrkOutput('Running 5s test @ http://127.0.0.1:4100\n')).toThrow(/WRK_RESULT/);
  });
});
