/**
 * What every bench group reports: figures, each a value with its unit and, where the issue sets one, the target it
 * is held to. A ratio names the baseline it was divided by; that baseline ran in the same `npm run bench` run, so
 * both saw one machine state (these machines are shared and noisy: ratios move much less than absolute numbers).
 */
export interface Target {
  /** `atLeast`: the value must be ≥ `value` (throughput, ratios); `atMost`: ≤ `value` (latency, memory). */
  comparison: 'atLeast' | 'atMost';
  value: number;
}

export interface Figure {
  /** The group that measured it, e.g. `http`, `search`, `memory`, `miss`, `revocation`. */
  group: string;
  /** Stable identifier, e.g. `auth.ratio_to_bare_node`; README rows and latest.json are keyed by it. */
  id: string;
  /** What a reader sees, e.g. "GET /v1/auth ÷ bare node:http". */
  label: string;
  value: number;
  /** `ratio`, `req/s`, `ms`, `MB`, `B`, … */
  unit: string;
  /** The figure this one was divided by, when `unit` is `ratio`. */
  baseline?: string;
  target?: Target;
  /** How it was measured (rounds, spread, database), in a few words. */
  note?: string;
}

/** What a group is given: how long and how often to measure, and where to say what it is doing. */
export interface BenchEnvironment {
  rounds: number;
  durationSeconds: number;
  log: (line: string) => void;
}

export interface BenchGroup {
  name: string;
  run: (environment: BenchEnvironment) => Promise<Figure[]>;
}

/** undefined when the figure has no target. */
export function meetsTarget(figure: Figure): boolean | undefined {
  if (!figure.target) return undefined;
  return figure.target.comparison === 'atLeast' ? figure.value >= figure.target.value : figure.value <= figure.target.value;
}

/** The median of several rounds: a single lucky round is not a result. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
