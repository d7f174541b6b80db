/**
 * Reads the Events table's indexes back as one stream in (timestamp, id) order:
 * `byCorrelation` is one partition; `byTime` is every shard of every hour bucket, queried in parallel
 * (bounded), each shard paged lazily with a `Limit`, the shards of an hour k-way merged by `tsk`,
 * and the hours — disjoint and ordered — read one after the other with an adaptive look-ahead.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import type { EventPosition } from '../core/index.js';
import { createLimiter, type Limiter } from '../core/app/concurrency.js';
import { EVENTS_TABLE } from '../layout/events-table.js';
import type { HourVisits } from './event-hour-marks.js';
import { classifySdkError } from './sdk-errors.js';

type Item = Record<string, AttributeValue>;

/** One index entry: its sort key (`<timestamp>#<id>`) and the raw item. */
export interface IndexEntry {
  tsk: string;
  item: Item;
}

/** What to read of an index partition. Bounds are on `tsk`. */
export interface IndexSpan {
  /** Inclusive lower bound (a timestamp, or the `tsk` of the position to continue after). */
  lo?: string;
  /** Exclusive upper bound (a timestamp: no `tsk` equals one, so BETWEEN's inclusive end is harmless). */
  hi?: string;
  /** A `tsk` to leave out: the position a cursor continues after. */
  skip?: string;
  type?: string;
  source?: string;
}

/** Why a time read stopped before its window's end: its hour budget ran out. */
export interface TimeReadStop {
  /** Where the next read continues: the start of the first hour not read. */
  resumeAfter: EventPosition;
}

export interface EventsIndexReaderOptions {
  client: DynamoDBClient;
  tableName: string;
  timeShards: number;
  /** Queries in flight at once within one read. Default 32. */
  concurrency?: number;
  /** Hours read ahead at most while the current hour is merged. Default 4. */
  maxLookaheadHours?: number;
}

/** How many more entries the consumer wants; shapes each page's `Limit`. */
export type Want = () => number;

type EntryStream = AsyncGenerator<IndexEntry, undefined>;

/** One hour bucket being read: a stream per shard, each with its first page already requested. */
interface StartedHour {
  hour: string;
  streams: EntryStream[];
  heads: Array<Promise<IteratorResult<IndexEntry, undefined>>>;
}

const HOUR_MS = 3_600_000;
const MAX_QUERY_LIMIT = 1000;

/** Hour buckets (`yyyy-mm-ddThh`) from the one holding `lo` to the one holding the instant before `hi`. */
export function* hourBuckets(lo: string, hi: string): Generator<string> {
  const end = Date.parse(hi);
  for (let t = Date.parse(`${lo.slice(0, 13)}:00:00.000Z`); t < end; t += HOUR_MS) yield new Date(t).toISOString().slice(0, 13);
}

/** Every hour, looked at all: the hours a read visits when nothing says which are empty (async, so both pickers have one shape). */
async function* everyHour(hours: Iterator<string>): HourVisits {
  for (let next = hours.next(); next.done !== true; next = hours.next()) yield next.value;
  return undefined;
}

/** Streams of index entries, in (timestamp, id) order, read lazily page by page. */
export class EventsIndexReader {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly shards: number;
  private readonly concurrency: number;
  private readonly maxLookahead: number;

  constructor(options: EventsIndexReaderOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.shards = options.timeShards;
    this.concurrency = options.concurrency ?? 32;
    this.maxLookahead = options.maxLookaheadHours ?? 4;
  }

  /** The events of one correlation within the span. */
  correlation(correlationId: string, span: IndexSpan, want: Want): EntryStream {
    const limit = createLimiter(this.concurrency);
    return closing(
      this.partition(EVENTS_TABLE.byCorrelation, correlationId, span, () => pageLimit(want(), 1, span), limit),
      limit,
    );
  }

  /**
   * The events with `lo ≤ tsk < hi`, hour by hour. With `hourBudget`, stops after reading that many
   * hour buckets and returns where to continue, so a sparse, wide window costs bounded work per call.
   * `visits` picks the hours to read (the hour marks: see event-hour-marks.ts); by default every hour of the span.
   */
  time(
    span: IndexSpan & { lo: string; hi: string },
    want: Want,
    hourBudget = Number.POSITIVE_INFINITY,
    visits?: (hours: Iterator<string>) => HourVisits,
  ): AsyncGenerator<IndexEntry, TimeReadStop | undefined> {
    const limit = createLimiter(this.concurrency);
    return closing(this.hours(span, want, hourBudget, visits ?? everyHour, limit), limit);
  }

  private async *hours(
    span: IndexSpan & { lo: string; hi: string },
    want: Want,
    hourBudget: number,
    visits: (hours: Iterator<string>) => HourVisits,
    limit: Limiter,
  ): AsyncGenerator<IndexEntry, TimeReadStop | undefined> {
    if (span.lo >= span.hi) return undefined;
    const hours = visits(hourBuckets(span.lo, span.hi));
    const started: StartedHour[] = [];
    let notLookedAt: string | undefined;
    const startNext = async (): Promise<boolean> => {
      const hour = await hours.next();
      if (hour.done === true) {
        notLookedAt = hour.value;
        return false;
      }
      started.push(this.startHour(hour.value, span, want, limit));
      return true;
    };
    const resumeAt = (hour: string): TimeReadStop => ({ resumeAfter: { timestamp: `${hour}:00:00.000Z`, id: '' } });
    let lookahead = 0;
    let read = 0;
    await startNext();
    for (let current = started.shift(); current !== undefined; current = started.shift()) {
      // Sparse data: each hour finished without satisfying the consumer doubles how far ahead to read.
      while (started.length < lookahead && (await startNext()));
      yield* mergeByTsk(current);
      read++;
      if (started.length === 0 && !(await startNext())) break;
      if (read >= hourBudget) return resumeAt((started[0] as StartedHour).hour);
      lookahead = Math.min(this.maxLookahead, Math.max(1, lookahead * 2));
    }
    // The hour picker stopped looking before the span's end: continue from the first hour it did not look at.
    return notLookedAt === undefined ? undefined : resumeAt(notLookedAt);
  }

  /** Every shard of one hour, each with its first page already requested. */
  private startHour(hour: string, span: IndexSpan, want: Want, limit: Limiter): StartedHour {
    const streams = Array.from({ length: this.shards }, (_, shard) =>
      this.partition(EVENTS_TABLE.byTime, `${hour}#${shard}`, span, () => pageLimit(want(), this.shards, span), limit),
    );
    const heads = streams.map((stream) => {
      const head = stream.next();
      // A look-ahead the consumer never reaches must not surface as an unhandled rejection.
      head.catch(() => undefined);
      return head;
    });
    return { hour, streams, heads };
  }

  private async *partition(
    index: { indexName: string; partitionKey: string; sortKey: string },
    key: string,
    span: IndexSpan,
    limitOf: () => number,
    limit: Limiter,
  ): EntryStream {
    const input = queryInput(this.tableName, index, key, span);
    if (input === undefined) return undefined;
    let startKey: Item | undefined;
    do {
      const pageInput: QueryCommandInput = { ...input, Limit: limitOf(), ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }) };
      const page = await limit(() => this.send(pageInput, key));
      for (const item of page.Items ?? []) {
        const tsk = item[index.sortKey]?.S;
        if (tsk !== undefined && tsk !== span.skip) yield { tsk, item };
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return undefined;
  }

  private async send(input: QueryCommandInput, key: string) {
    try {
      return await this.client.send(new QueryCommand(input));
    } catch (error) {
      throw classifySdkError(error, `reading ${input.IndexName} partition ${key}`);
    }
  }
}

/** A read that, however it ends, first closes its limiter: look-aheads not yet sent never are. */
async function* closing<R>(stream: AsyncGenerator<IndexEntry, R>, limit: Limiter): AsyncGenerator<IndexEntry, R> {
  try {
    return yield* stream;
  } finally {
    await limit.close();
  }
}

/**
 * A page size for one partition of a fan-out: its share of what is still wanted, with slack for
 * uneven shards (and more when a filter will drop some of what is read), within DynamoDB's bounds.
 */
function pageLimit(wanted: number, fanOut: number, span: IndexSpan): number {
  const filtered = span.type !== undefined || span.source !== undefined;
  const share = Math.ceil((Math.max(1, wanted) * (filtered ? 4 : 1.5)) / fanOut) + 5;
  return Math.min(MAX_QUERY_LIMIT, share);
}

/** The Query of one index partition within the span; `undefined` when the span is empty. */
function queryInput(tableName: string, index: { indexName: string; partitionKey: string; sortKey: string }, key: string, span: IndexSpan): QueryCommandInput | undefined {
  const names: Record<string, string> = { '#pk': index.partitionKey, '#sk': index.sortKey, '#body': 'body' };
  const values: Record<string, AttributeValue> = { ':pk': { S: key } };
  let condition = '#pk = :pk';
  const { lo, hi } = span;
  if (lo !== undefined && hi !== undefined) {
    if (lo >= hi) return undefined;
    condition += ' AND #sk BETWEEN :lo AND :hi';
  } else if (lo !== undefined) condition += ' AND #sk >= :lo';
  else if (hi !== undefined) condition += ' AND #sk < :hi';
  if (lo !== undefined) values[':lo'] = { S: lo };
  if (hi !== undefined) values[':hi'] = { S: hi };
  const filters: string[] = [];
  for (const field of ['type', 'source'] as const) {
    const value = span[field];
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = { S: value };
    filters.push(`#${field} = :${field}`);
  }
  return {
    TableName: tableName,
    IndexName: index.indexName,
    KeyConditionExpression: condition,
    ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
    ProjectionExpression: '#body, #sk',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** K-way merge of sorted streams by `tsk` (k is small — the shard count — so a linear pick beats a heap). */
async function* mergeByTsk(started: StartedHour): EntryStream {
  const heads = await Promise.all(started.heads);
  for (;;) {
    let min = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i] as IteratorResult<IndexEntry, undefined>;
      if (head.done !== true && (min < 0 || head.value.tsk < ((heads[min] as IteratorResult<IndexEntry, undefined>).value as IndexEntry).tsk)) min = i;
    }
    if (min < 0) return undefined;
    yield (heads[min] as IteratorYieldResult<IndexEntry>).value;
    heads[min] = await (started.streams[min] as EntryStream).next();
  }
}
