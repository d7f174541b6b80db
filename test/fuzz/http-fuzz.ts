/**
 * Fuzzing the embedded engine over real HTTP (fast-check): every route and the PutEvents call, with
 * valid, mutated and hostile input. Invariants: never a 5xx, never a crash or a hang, nothing invalid
 * stored, the good entries of a mixed batch stored exactly once, RSS bounded. Used by
 * `npm run fuzz -- --inputs N` and by a short run in the test suite.
 */
import fc from 'fast-check';
import { normaliseEvent, type EngineEvent } from '../../lambdas/core/index.js';
import { peakRssMb, type EngineProcess } from '../support/engine-process.js';
import { nestedJson } from '../support/raw-http.js';

export interface FuzzFigures {
  inputs: number;
  byStatus: Record<string, number>;
  /** Answers ≥ 500, with the request that got each (at most 10 kept). */
  serverErrors: Array<{ status: number; request: string; body: string }>;
  /** Requests not answered within the timeout. */
  hangs: number;
  crashed: boolean;
  goodEntriesSent: number;
  goodEntriesStored: number;
  /** Stored events a fresh validation refuses. */
  invalidStored: number;
  peakRssMb: number;
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Ids of entries that are valid and must be stored exactly once. */
  good: string[];
}

let counter = 0;
const nextId = () => `fz-${process.pid}-${counter++}`;
const GOOD_SOURCE = 'fuzz.good';

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', '.', '..', '__proto__', '%', '%E0%A4%A', '\u0000', '\ud800', 'a'.repeat(300), '1e400', '9999-12-31T23:59:59-23:59'),
);
const anything = fc.oneof(fc.jsonValue({ maxDepth: 4 }), text, fc.constantFrom(null, 1e20, -1, Number.MAX_SAFE_INTEGER));
const timestamp = fc.oneof(
  fc.date({ min: new Date(Date.now() - 86_400_000), max: new Date(Date.now() + 86_400_000), noInvalidDate: true }).map((d) => d.toISOString()),
  text,
);

/** A valid event with a fresh id (recorded as good), or one with a field replaced by anything. */
const goodEvent = fc
  .record({
    n: fc.nat(1000),
    data: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k)),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 4 },
    ),
  })
  .map(({ n, data }) => ({
    id: nextId(),
    type: `fuzz.t${n % 5}`,
    source: GOOD_SOURCE,
    data,
  }));
const badEvent = fc
  .tuple(goodEvent, fc.constantFrom('id', 'type', 'source', 'timestamp', 'data', 'correlationId', 'extra', '__proto__'), anything)
  .map(([event, key, value]) => ({ ...event, source: 'fuzz.bad', [key]: value }) as Record<string, unknown>);
const deepEvent = fc.integer({ min: 31, max: 5000 }).map((depth) => `{"id":"${nextId()}","type":"fuzz.deep","source":"fuzz.bad","data":${nestedJson(depth)}}`);

/** A batch mixing valid and invalid entries; the valid ones are expected stored once each. */
const batch = fc
  .array(fc.oneof({ arbitrary: goodEvent, weight: 3 }, { arbitrary: badEvent, weight: 2 }, { arbitrary: anything, weight: 1 }), { minLength: 1, maxLength: 20 })
  .map((entries) => {
    const good = entries
      .filter((e): e is { id: string; source: string } => typeof e === 'object' && e !== null && (e as { source?: unknown }).source === GOOD_SOURCE)
      .map((e) => e.id);
    return { body: JSON.stringify({ events: entries }), good };
  });

const json = (body: string, good: string[] = []): Omit<FuzzRequest, 'method' | 'path'> => ({ headers: { 'content-type': 'application/json' }, body, good });
const query = fc.dictionary(fc.constantFrom('type', 'source', 'from', 'to', 'limit', 'cursor', 'correlationId', 'status', 'workflowId', 'x'), text, { maxKeys: 3 });
const qs = (params: Record<string, string>) => (Object.keys(params).length === 0 ? '' : `?${new URLSearchParams(params)}`);
/** Percent-encoded; a lone surrogate (which has no UTF-8) becomes the bytes of one, which the engine must refuse. */
const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};
const segment = text.map((s) => (s === '' ? 'x' : encode(s)));

const requests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { arbitrary: batch.map(({ body, good }) => ({ method: 'POST', path: '/events', ...json(body, good) })), weight: 5 },
  { arbitrary: goodEvent.map((e) => ({ method: 'POST', path: '/events', ...json(JSON.stringify(e), [e.id]) })), weight: 2 },
  { arbitrary: badEvent.map((e) => ({ method: 'POST', path: '/events', ...json(JSON.stringify(e)) })), weight: 3 },
  { arbitrary: deepEvent.map((body) => ({ method: 'POST', path: '/events', ...json(body) })), weight: 1 },
  { arbitrary: fc.oneof(text, fc.uint8Array({ maxLength: 64 })).map((body) => ({ method: 'POST', path: '/events', ...json(''), body })), weight: 1 },
  {
    arbitrary: fc.array(fc.oneof(goodEvent, badEvent, anything), { minLength: 0, maxLength: 11 }).map((entries) => {
      const mapped = entries.map((e) =>
        typeof e === 'object' && e !== null && 'type' in e
          ? {
              Source: (e as { source?: unknown }).source,
              DetailType: (e as { type?: unknown }).type,
              Detail: JSON.stringify((e as { data?: unknown }).data ?? {}),
              Time: (e as { timestamp?: unknown }).timestamp,
            }
          : e,
      );
      return {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
        body: JSON.stringify({ Entries: mapped }),
        good: [],
      };
    }),
    weight: 2,
  },
  {
    arbitrary: fc.tuple(fc.constantFrom('/events', '/executions', '/rules'), query).map(([path, q]) => ({ method: 'GET', path: `${path}${qs(q)}`, headers: {}, good: [] })),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('/events/', '/executions/', '/replays/', '/correlations/'), segment, query)
      .map(([p, s, q]) => ({ method: 'GET', path: `${p}${s}${qs(q)}`, headers: {}, good: [] })),
    weight: 3,
  },
  { arbitrary: segment.map((s) => ({ method: 'DELETE', path: `/replays/${s}`, headers: {}, good: [] })), weight: 1 },
  {
    arbitrary: fc
      .record(
        { startTime: timestamp, endTime: timestamp, ratePerSecond: fc.oneof(fc.double(), anything), workflowId: text, dryRun: fc.constant(true) },
        { requiredKeys: ['startTime', 'endTime', 'dryRun'] },
      )
      .map((b) => ({ method: 'POST', path: '/replays', ...json(JSON.stringify(b)) })),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), text, fc.constantFrom('text/plain', 'application/json', '', 'application/cloudevents+json'))
      .map(([method, path, type]) => ({
        method,
        path: `/${encode(path)}`,
        headers: type === '' ? {} : { 'content-type': type },
        ...(method === 'GET' || method === 'OPTIONS' ? {} : { body: '{}' }),
        good: [],
      })),
    weight: 1,
  },
);

/** Whether the figures break an invariant; the reasons, for the report. */
export function violations(figures: FuzzFigures, maxRssMb: number): string[] {
  const found: string[] = [];
  if (figures.crashed) found.push('the engine crashed');
  if (figures.hangs > 0) found.push(`${figures.hangs} requests hung`);
  if (figures.serverErrors.length > 0) found.push(`5xx answers: ${JSON.stringify(figures.serverErrors, null, 1)}`);
  if (figures.invalidStored > 0) found.push(`${figures.invalidStored} stored events fail validation`);
  if (figures.goodEntriesStored !== figures.goodEntriesSent) found.push(`${figures.goodEntriesSent - figures.goodEntriesStored} good entries not stored exactly once`);
  if (figures.peakRssMb > maxRssMb) found.push(`peak RSS ${figures.peakRssMb} MB over ${maxRssMb} MB`);
  return found;
}

/** Runs `inputs` generated requests against a running engine, then checks what it stored. */
export async function fuzzEngine(engine: EngineProcess, options: { inputs: number; seed?: number; timeoutMs?: number }): Promise<FuzzFigures> {
  const figures: FuzzFigures = {
    inputs: 0,
    byStatus: {},
    serverErrors: [],
    hangs: 0,
    crashed: false,
    goodEntriesSent: 0,
    goodEntriesStored: 0,
    invalidStored: 0,
    peakRssMb: 0,
  };
  const good = new Set<string>();
  const samples = fc.sample(requests, { numRuns: options.inputs, ...(options.seed === undefined ? {} : { seed: options.seed }) });
  for (const request of samples) {
    figures.inputs++;
    let status: number;
    let answer = '';
    try {
      const response = await fetch(`${engine.url}${request.path}`, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      status = response.status;
      answer = await response.text();
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') figures.hangs++;
      else if (engine.child.exitCode !== null || engine.child.signalCode !== null) figures.crashed = true;
      status = 0;
    }
    if (figures.crashed) break;
    figures.byStatus[status] = (figures.byStatus[status] ?? 0) + 1;
    if (status >= 500 && figures.serverErrors.length < 10)
      figures.serverErrors.push({ status, request: `${request.method} ${request.path} ${String(request.body).slice(0, 300)}`, body: answer.slice(0, 300) });
    if (status === 200 || status === 202) for (const id of request.good) good.add(id);
  }
  figures.goodEntriesSent = good.size;
  if (!figures.crashed) await checkStore(engine, good, figures);
  figures.peakRssMb = peakRssMb(engine.child.pid);
  return figures;
}

/** Reads every stored event back: each must pass validation again, and each good id be there exactly once. */
async function checkStore(engine: EngineProcess, good: ReadonlySet<string>, figures: FuzzFigures): Promise<void> {
  const seen = new Map<string, number>();
  const ctx = { clock: { now: () => Date.now() }, ids: { newId: () => 'unused' } };
  {
    let cursor: string | undefined;
    do {
      // Every stored event, whatever its source: the whole representable time range.
      const page = await engine.get(`/events?from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:59Z&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      for (const event of page.body.events as EngineEvent[]) {
        seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
        try {
          normaliseEvent(event, ctx);
        } catch {
          figures.invalidStored++;
        }
      }
      cursor = page.body.cursor;
    } while (cursor);
  }
  figures.goodEntriesStored = [...good].filter((id) => seen.get(id) === 1).length;
}
