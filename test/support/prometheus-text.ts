/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests that scrape /metrics:
 * every sample must belong to a family declared by `# TYPE` before it, names and label names must be valid,
 * label values properly quoted and escaped, values numbers (or NaN, +Inf, -Inf), and no series may repeat.
 * Anything else throws, naming the line.
 */

type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

interface Sample {
  /** The sample's own name (a histogram's `_bucket`, `_sum` or `_count` included). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<MetricType, readonly string[]> = { counter: [''], gauge: [''], untyped: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

/** A value as Prometheus reads it (Go's ParseFloat): NaN and Inf in any letter case (prom-client writes `Nan`). */
function parseValue(text: string, where: string): number {
  const word = text.toLowerCase();
  if (word === '+inf' || word === 'inf') return Number.POSITIVE_INFINITY;
  if (word === '-inf') return Number.NEGATIVE_INFINITY;
  if (word === 'nan') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: "${text}" is not a sample value`);
  return Number(text);
}

/** Reads `{a="1",b="x\"y"}` from `text` at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, where: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  while (text[i] !== '}') {
    const nameEnd = text.indexOf('=', i);
    if (nameEnd < 0) throw new Error(`${where}: a label without "="`);
    const name = text.slice(i, nameEnd);
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: "${name}" is not a label name`);
    if (name in labels) throw new Error(`${where}: label ${name} repeated`);
    if (text[nameEnd + 1] !== '"') throw new Error(`${where}: the value of ${name} is not quoted`);
    let value = '';
    let j = nameEnd + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] !== '\\') {
        value += text[j];
        continue;
      }
      const escaped = text[++j];
      if (escaped === 'n') value += '\n';
      else if (escaped === '\\' || escaped === '"') value += escaped;
      else throw new Error(`${where}: bad escape \\${escaped} in ${name}`);
    }
    if (j >= text.length) throw new Error(`${where}: the value of ${name} is not closed`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`${where}: expected "," or "}" after ${name}`);
  }
  return { labels, end: i + 1 };
}

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  text.slice(0, -1).split('\n').forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const [, keyword, name, ...rest] = line.split(' ');
      if (keyword === 'HELP') {
        if (!NAME.test(name)) throw new Error(`${where}: "${name}" is not a metric name`);
        helps.set(name, rest.join(' '));
      } else if (keyword === 'TYPE') {
        const type = rest.join(' ') as MetricType;
        if (!NAME.test(name) || !TYPES.has(type)) throw new Error(`${where}: bad TYPE line`);
        if (families.has(name)) throw new Error(`${where}: ${name} declared twice`);
        families.set(name, { name, type, help: helps.get(name) ?? '', samples: [] });
      }
      return;
    }
    const brace = line.indexOf('{');
    const firstSpace = line.indexOf(' ');
    const nameEnd = brace >= 0 && brace < firstSpace ? brace : firstSpace;
    if (nameEnd <= 0) throw new Error(`${where}: not a sample`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`${where}: "${name}" is not a metric name`);
    const { labels, end } = nameEnd === brace ? parseLabels(line, brace, where) : { labels: {}, end: nameEnd };
    const rest = line.slice(end).split(' ');
    if (rest[0] !== '' || rest.length < 2 || rest.length > 3) throw new Error(`${where}: expected " value [timestamp]"`);
    const value = parseValue(rest[1], where);
    const family = [...families.values()].find((f) => SUFFIXES[f.type].some((suffix) => `${f.name}${suffix}` === name));
    if (!family) throw new Error(`${where}: ${name} has no # TYPE before it`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(series)) throw new Error(`${where}: series ${series} repeated`);
    seen.add(series);
    family.samples.push({ name, labels, value });
  });
  return families;
}

/** The one sample of `family` named `name` whose labels include `labels`; throws when there is none or several. */
export function sampleValue(families: Map<string, MetricFamily>, family: string, labels: Record<string, string> = {}, name = family): number {
  const matches = (families.get(family)?.samples ?? []).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length !== 1) throw new Error(`${matches.length} samples of ${name} with ${JSON.stringify(labels)}`);
  return matches[0].value;
}
