/**
 * Hour marks on the Events table: a tiny `HOURS#<yyyy-mm-dd>` item a day whose `hours` set names each hour bucket
 * that holds an event, updated before the event's own put, so that a time read visits only the hours that hold something.
 * docs/events-api.md explains the design, its guarantees and what a table written before marks costs.
 */
import { BatchGetItemCommand, GetItemCommand, ScanCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RetryableError } from '../core/errors.js';
import { EVENTS_TABLE } from '../layout/events-table.js';
import { putIfAbsent } from './conditional-check.js';
import { classifySdkError } from './sdk-errors.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A mark outlives every event it covers by at least a day (TTL deletes late; a late-deleted event stays findable). */
const MARK_SLACK_MS = 2 * DAY_MS;
/** A container rewrites a mark it wrote when an event would outlive it by less than this: at most once a day per hour. */
const REMARK_MS = DAY_MS;
/** How long writers of a release without marks may still store events after the first mark (a deploy draining old code). */
const LEGACY_GRACE_MS = HOUR_MS;
/** BatchGetItem takes at most 100 keys: 99 days and the `since` item. */
const DAYS_PER_LOOKUP = 99;
/** Hours whose marks a container remembers; past this it forgets them all and writes again. */
const MAX_REMEMBERED = 10_000;

/** The key of the item marking the hours of the day of `hour` (`yyyy-mm-ddThh`). */
export const hourMarkKey = (hour: string): string => `HOURS#${hour.slice(0, 10)}`;
/** The attribute of a day's mark listing its marked hours (`hh`), a string set. */
const HOURS_ATTRIBUTE = 'hours';
/** The key of the item that says since when every event is marked (`trustFrom`, epoch ms). */
export const MARKS_SINCE_KEY = 'HOURS#since';

/** Where marks are kept. */
export interface HourMarksTarget {
  client: DynamoDBClient;
  tableName: string;
}

/**
 * Writes an hour's mark before the first event of that hour a container stores (and again when a later
 * event would outlive it), and, once per container, makes sure the table says since when marks are complete.
 */
export class HourMarkWriter {
  private readonly marked = new Map<string, { until: number; write: Promise<void> }>();
  private since: Promise<void> | undefined;

  constructor(
    private readonly target: HourMarksTarget,
    private readonly retentionMs: number,
  ) {}

  /**
   * Resolves once `hour` is marked until at least a day after an event received at `receivedAtMs` expires.
   * Costs nothing when this container already did so; concurrent puts of a new hour share one write.
   * @throws RetryableError when the mark could not be written: the event must not be stored unmarked.
   */
  mark(hour: string, receivedAtMs: number): Promise<void> {
    const eventExpiry = receivedAtMs + this.retentionMs;
    const known = this.marked.get(hour);
    if (known !== undefined && known.until >= eventExpiry + REMARK_MS) return known.write;
    if (this.marked.size >= MAX_REMEMBERED) this.marked.clear();
    const until = eventExpiry + MARK_SLACK_MS;
    const write = this.markSince(receivedAtMs).then(() => this.put(hour, until));
    this.marked.set(hour, { until, write });
    // A failed write is forgotten, so that the next put of the hour writes it again.
    write.catch(() => {
      if (this.marked.get(hour)?.write === write) this.marked.delete(hour);
    });
    return write;
  }

  private markSince(receivedAtMs: number): Promise<void> {
    if (this.since !== undefined) return this.since;
    const since = this.writeSince(receivedAtMs);
    this.since = since;
    // A failure is forgotten, so that the next put tries again.
    since.catch(() => {
      if (this.since === since) this.since = undefined;
    });
    return since;
  }

  /**
   * The first marking writer of a table records from when marks can be trusted: at once on a table with no
   * event yet, or once every event a release without marks may have stored has expired.
   */
  private async writeSince(receivedAtMs: number): Promise<void> {
    const { client, tableName } = this.target;
    const key = { [EVENTS_TABLE.partitionKey]: { S: MARKS_SINCE_KEY } };
    try {
      if ((await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item !== undefined) return;
      const { byTime } = EVENTS_TABLE;
      const probe = await client.send(
        new ScanCommand({
          TableName: tableName,
          IndexName: byTime.indexName,
          Limit: 1,
          ProjectionExpression: '#pk',
          ExpressionAttributeNames: { '#pk': byTime.partitionKey },
        }),
      );
      const unmarked = (probe.Items?.length ?? 0) > 0 || probe.LastEvaluatedKey !== undefined;
      const trustFrom = unmarked ? receivedAtMs + LEGACY_GRACE_MS + this.retentionMs + MARK_SLACK_MS : 0;
      await putIfAbsent(
        { client, tableName, partitionKey: EVENTS_TABLE.partitionKey, what: 'recording since when events are marked' },
        { pk: MARKS_SINCE_KEY, since: new Date(receivedAtMs).toISOString(), trustFrom },
      );
    } catch (error) {
      throw classifySdkError(error, 'reading or recording since when events are marked');
    }
  }

  /** An unconditional update: adding an hour is idempotent, and a racing writer's expiry is as good (it differs by moments). */
  private async put(hour: string, untilMs: number): Promise<void> {
    const { client, tableName } = this.target;
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { [EVENTS_TABLE.partitionKey]: { S: hourMarkKey(hour) } },
          UpdateExpression: 'ADD #hours :hour SET #expires = :expires',
          ExpressionAttributeNames: { '#hours': HOURS_ATTRIBUTE, '#expires': EVENTS_TABLE.ttlAttribute },
          ExpressionAttributeValues: { ':hour': { SS: [hour.slice(11, 13)] }, ':expires': { N: String(Math.ceil(untilMs / 1000)) } },
        }),
      );
    } catch (error) {
      throw classifySdkError(error, `marking hour ${hour}`);
    }
  }
}

/** What a time read visits: hours (`yyyy-mm-ddThh`) in order, then, when it stopped looking early, the first hour not looked at. */
export type HourVisits = AsyncGenerator<string, string | undefined>;

/**
 * Picks the hours a time read visits: only the marked ones once the table says marks are complete,
 * every one before that (or on a table no marking writer has touched). Marks are read consistently,
 * 99 days per BatchGetItem, and at most `maxLookedAt` hours per read.
 */
export class HourMarkReader {
  constructor(private readonly target: HourMarksTarget) {}

  async *visits(hours: Iterator<string>, nowMs: number, maxLookedAt: number): HourVisits {
    let lookedAt = 0;
    let held = hours.next();
    for (;;) {
      // The next hours, up to the 99 days one lookup reads.
      const chunk: string[] = [];
      const days = new Set<string>();
      for (; held.done !== true; held = hours.next()) {
        const key = hourMarkKey(held.value);
        if (!days.has(key) && days.size === DAYS_PER_LOOKUP) break;
        days.add(key);
        chunk.push(held.value);
      }
      if (chunk.length === 0) return undefined;
      if (lookedAt >= maxLookedAt) return chunk[0];
      lookedAt += chunk.length;
      const found = await this.lookUp([...days]);
      const trustFrom = found.get(MARKS_SINCE_KEY)?.trustFrom?.N;
      if (trustFrom === undefined || nowMs < Number(trustFrom)) {
        // Not every event is marked (yet): visit every hour, as a table without marks needs.
        yield* chunk;
        for (; held.done !== true; held = hours.next()) yield held.value;
        return undefined;
      }
      for (const hour of chunk) if (found.get(hourMarkKey(hour))?.[HOURS_ATTRIBUTE]?.SS?.includes(hour.slice(11, 13)) === true) yield hour;
    }
  }

  /** The day marks of these keys (and the `since` item) that exist, by key. */
  private async lookUp(dayKeys: string[]): Promise<Map<string, Record<string, AttributeValue>>> {
    const { client, tableName } = this.target;
    const found = new Map<string, Record<string, AttributeValue>>();
    let keys: Array<Record<string, AttributeValue>> = [...dayKeys, MARKS_SINCE_KEY].map((pk) => ({ pk: { S: pk } }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt === 5) throw new RetryableError(`reading the hour marks: ${keys.length} keys left unprocessed after ${attempt} attempts`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      let answer;
      try {
        answer = await client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [tableName]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: '#pk, #hours, trustFrom',
                ExpressionAttributeNames: { '#pk': EVENTS_TABLE.partitionKey, '#hours': HOURS_ATTRIBUTE },
              },
            },
          }),
        );
      } catch (error) {
        throw classifySdkError(error, 'reading the hour marks');
      }
      for (const item of answer.Responses?.[tableName] ?? []) found.set(item.pk?.S as string, item);
      keys = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
    return found;
  }
}
