/**
 * Reads the Prometheus text format (`GET /metrics`) in the browser, and turns two scrapes into rates
 * and a list of values into a sparkline. Pure: the metrics view polls and draws.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

/**
 * Every sample line of an exposition (comments and blank lines skipped).
 * @throws Error naming the line that is not a sample.
 */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`line ${index + 1} is not a metric sample: ${line}`);
    const labels: Record<string, string> = {};
    const body = match[2] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const label = LABEL.exec(body);
      if (!label) throw new Error(`line ${index + 1} has malformed labels: ${line}`);
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : Number(match[3]);
    samples.push({ name: match[1] as string, labels, value });
  });
  return samples;
}

/** The sum of a metric's samples whose labels include `where`. */
export function total(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => sample.labels[k] === v)) sum += sample.value;
  }
  return sum;
}

/** A metric summed by one label's values: `edwe_rule_matches_total` by `rule`. */
export function byLabel(samples: readonly Sample[], name: string, label: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const key = sample.labels[label] ?? '';
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return sums;
}

/** Per-second rate between two readings of a counter; a counter that went down restarted from zero. */
export function rate(previous: number, current: number, seconds: number): number {
  if (seconds <= 0) return 0;
  return (current >= previous ? current - previous : current) / seconds;
}

/**
 * The `q` quantile of a histogram (`<name>_bucket` samples with `le`, summed over other labels),
 * interpolated inside its bucket as Prometheus' histogram_quantile does; undefined with no observations.
 */
export function quantile(samples: readonly Sample[], name: string, q: number): number | undefined {
  const buckets = [...byLabel(samples, `${name}_bucket`, 'le')].map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count })).sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.count ?? 0;
  if (count === 0) return undefined;
  const rank = q * count;
  let lower = 0;
  let below = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lower;
      const inside = bucket.count - below;
      return inside === 0 ? bucket.le : lower + ((bucket.le - lower) * (rank - below)) / inside;
    }
    lower = bucket.le;
    below = bucket.count;
  }
  return lower;
}

/** An SVG path through `values` scaled into `width` × `height` (the top is the largest value, at least 1). */
export function sparklinePath(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(1, ...values);
  const stepX = values.length === 1 ? 0 : width / (values.length - 1);
  const point = (v: number, i: number) => `${(i * stepX).toFixed(1)},${(height - (v / max) * height).toFixed(1)}`;
  return values.map((v, i) => `${i === 0 ? 'M' : 'L'}${point(v, i)}`).join(' ');
}
