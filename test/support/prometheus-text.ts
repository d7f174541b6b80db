/**
 * A small, strict parser of the Prometheus text exposition format (version 0.0.4), for tests: it throws on
 * any line a scraper would reject — a sample before its family's TYPE, a bad name or label, an unparsable
 * value, a histogram whose buckets are not cumulative or whose +Inf bucket is not its count.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES: Record<MetricFamily['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/** @throws Error naming the line and what is wrong with it. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const fail = (n: number, line: string, why: string): never => {
    throw new Error(`line ${n + 1}: ${why}: ${JSON.stringify(line)}`);
  };
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') throw new Error('the exposition must end with a newline');
  lines.pop();
  for (const [n, line] of lines.entries()) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) fail(n, line, 'bad metric name');
      if (kind === 'TYPE') {
        if (!(rest in SUFFIXES)) fail(n, line, 'unknown type');
        if (families.get(name)?.samples.length) fail(n, line, 'TYPE after samples');
        families.set(name, { ...families.get(name), name, type: rest as MetricFamily['type'], samples: families.get(name)?.samples ?? [] });
      } else {
        const family = families.get(name) ?? { name, type: 'untyped' as const, samples: [] };
        families.set(name, { ...family, help: rest });
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
    if (!sample) fail(n, line, 'not a sample line');
    const [, name, , labelText, valueText] = sample as RegExpExecArray;
    const labels = parseLabels(labelText ?? '', (why) => fail(n, line, why));
    const value = valueText === '+Inf' ? Number.POSITIVE_INFINITY : valueText === '-Inf' ? Number.NEGATIVE_INFINITY : valueText === 'NaN' ? Number.NaN : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') fail(n, line, 'bad value');
    const family = [...families.values()].find((f) => SUFFIXES[f.type].some((suffix) => `${f.name}${suffix}` === name));
    if (family === undefined) fail(n, line, 'sample of an undeclared family');
    family?.samples.push({ name: name as string, labels, value });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function parseLabels(text: string, fail: (why: string) => never): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = /^([^=]+)="((?:[^"\\]|\\.)*)"(,|$)/.exec(rest);
    if (!match) fail('bad labels');
    const [whole, key, raw] = match as RegExpExecArray;
    if (!LABEL.test(key as string)) fail(`bad label name ${key}`);
    if ((key as string) in labels) fail(`label ${key} twice`);
    if (/\\[^\\n"]/.test(raw as string)) fail('bad escape in a label value');
    labels[key as string] = (raw as string).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice((whole as string).length);
  }
  return labels;
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, Sample[]>();
  const key = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(),
    );
  for (const sample of family.samples) series.set(key(sample.labels), [...(series.get(key(sample.labels)) ?? []), sample]);
  for (const samples of series.values()) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket'));
    const count = samples.find((s) => s.name.endsWith('_count'));
    let previous = 0;
    for (const bucket of buckets) {
      if (bucket.labels.le === undefined) throw new Error(`${family.name}: a bucket without le`);
      if (bucket.value < previous) throw new Error(`${family.name}: buckets are not cumulative`);
      previous = bucket.value;
    }
    const inf = buckets.find((b) => b.labels.le === '+Inf');
    if (inf === undefined || count === undefined || inf.value !== count.value) throw new Error(`${family.name}: the +Inf bucket is not the count`);
  }
}

/** The value of the sample of `name` with exactly these labels (0 when absent). */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  for (const family of families.values()) {
    const found = family.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
    if (found) return found.value;
  }
  return 0;
}
