/**
 * Hour marks on dynalite: what `GET /events` without `from` costs with and without them, that a table written
 * before marks (or while a mark cannot be written) hides no event, and when a mark is written at all.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbEventStore, type DynamoDbEventStoreOptions } from '../../lambdas/aws/dynamodb-event-store.js';
import { MARKS_SINCE_KEY } from '../../lambdas/aws/event-hour-marks.js';
import { decodeCursor, RetryableError, type EngineEvent } from '../../lambdas/core/index.js';
import { TIME_SHARDS } from '../../lambdas/layout/events-table.js';
import { useDynalite } from '../support/dynalite.js';
import { allPages, anEvent, HOUR, ids, iso } from './event-store.fixtures.js';

const dynalite = useDynalite();
const DAY = 24 * HOUR;

type Sent = { name: string; pk?: string };

/** A client that records each command it sends (and its item's key), and fails the ones `refuse` picks. */
function countingClient(refuse: (sent: Sent) => boolean = () => false) {
  const sent: Sent[] = [];
  const client = {
    send(command: { constructor: { name: string }; input: { Item?: { pk?: { S?: string } }; Key?: { pk?: { S?: string } } } }) {
      const pk = command.input.Item?.pk?.S ?? command.input.Key?.pk?.S;
      const entry: Sent = { name: command.constructor.name.replace(/Command$/, ''), ...(pk === undefined ? {} : { pk }) };
      sent.push(entry);
      if (refuse(entry)) return Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException', $fault: 'client' }));
      return dynalite.client().send(command as never);
    },
  } as unknown as DynamoDBClient;
  const count = (name: string): number => sent.filter((s) => s.name === name).length;
  return { client, sent, count, reset: () => void sent.splice(0) };
}

/** Stores over one table, each with its own clock and client. */
async function aTable() {
  const tableName = await dynalite.eventsTable();
  const open = (now: () => number, options: Partial<DynamoDbEventStoreOptions> = {}) => {
    const counting = countingClient();
    return { store: new DynamoDbEventStore({ client: counting.client, tableName, retentionDays: 30, clock: { now }, ...options }), ...counting };
  };
  return Object.assign(open, { tableName });
}

/** `n` events a second apart, starting half an hour before `now`. */
const lastHalfHour = (now: number, n: number, prefix: string): EngineEvent[] =>
  Array.from({ length: n }, (_, i) => anEvent({ id: `${prefix}-${String(i).padStart(3, '0')}`, timestamp: iso(now - 30 * 60_000 + i * 1000) }));

describe('GET /events without from on DynamoDB: 100 events in the last hour, an empty month before', () => {
  const now = Date.now();

  it('answers the first page of 50 in one BatchGetItem and at most two hours of Queries, and pages through all 100', async () => {
    const { store, count, reset } = (await aTable())(() => now);
    const events = lastHalfHour(now, 100, 'recent');
    for (const event of events) await store.put(event);
    reset();

    const first = await store.query({ limit: 50 });

    expect(ids(first.events)).toEqual(ids(events.slice(0, 50)));
    // The 31 days of the default window's marks in one lookup; the events lie in one or two hours of 16 shards.
    expect(count('BatchGetItem')).toBe(1);
    expect(count('Query')).toBeLessThanOrEqual(2 * TIME_SHARDS);
    expect((await allPages(store, { limit: 50 })).ids).toEqual(ids(events));
  });

  it('without marks reads every hour of the window: 16 Queries an hour (1 day of retention here; 30 days measured 11,552)', async () => {
    const { store, count, reset } = (await aTable())(() => now, { retentionDays: 1, hourMarks: false });
    const events = lastHalfHour(now, 100, 'unmarked');
    for (const event of events) await store.put(event);
    reset();

    const first = await store.query({ limit: 50 });

    expect(ids(first.events)).toEqual(ids(events.slice(0, 50)));
    expect(count('Query')).toBeGreaterThanOrEqual(24 * TIME_SHARDS);
  }, 120_000);
});

describe('hour marks on a table written before them', () => {
  it('trusts no mark until every unmarked event has expired: the old events are found, then later only marked hours are read', async () => {
    let now = Date.parse('2026-05-01T12:00:00.000Z');
    const open = await aTable();
    // Two days of retention keep the full read short; the default 30 read 16 × 721 partitions.
    const before = open(() => now, { retentionDays: 2, hourMarks: false });
    const old = [anEvent({ timestamp: iso(now - DAY) }), anEvent({ timestamp: iso(now - HOUR) })];
    for (const event of old) await before.store.put(event);

    now += HOUR;
    const after = open(() => now, { retentionDays: 2 });
    const fresh = anEvent({ timestamp: iso(now) });
    await after.store.put(fresh);
    after.reset();
    const page = await after.store.query({ limit: 10 });

    expect(ids(page.events)).toEqual(ids([...old, fresh]));
    expect(after.count('Query')).toBeGreaterThan(48 * TIME_SHARDS);

    // The retention, the hour old writers may still run, and two days' slack later, every unmarked event has expired.
    now += 5 * DAY;
    const later = anEvent({ timestamp: iso(now - 2 * DAY) });
    await after.store.put(later);
    after.reset();
    const laterPage = await after.store.query({ limit: 10 });

    expect(ids(laterPage.events)).toEqual([later.id]);
    expect(after.count('Query')).toBeLessThanOrEqual(TIME_SHARDS);
  }, 120_000);

  it('records since when marks are complete once, from the first marking writer', async () => {
    const now = Date.parse('2026-05-01T12:00:00.000Z');
    const open = await aTable();
    const writers = [open(() => now), open(() => now + 1000)];
    await Promise.all(writers.map(({ store }, i) => store.put(anEvent({ id: `first-writer-${i}`, timestamp: iso(now) }))));
    const { Item } = await dynalite.client().send(new GetItemCommand({ TableName: open.tableName, Key: { pk: { S: MARKS_SINCE_KEY } }, ConsistentRead: true }));

    // An empty table: marks are complete from the start.
    expect(Item?.trustFrom).toEqual({ N: '0' });
  });
});

describe('writing hour marks', () => {
  it('marks an hour once per container: 20 puts of one hour write one mark, after one look at the since item', async () => {
    const now = Date.parse('2026-05-01T12:00:00.000Z');
    const { store, sent, count } = (await aTable())(() => now);

    for (const event of lastHalfHour(now, 20, 'once')) await store.put(event);

    expect(sent.filter((s) => s.pk?.startsWith('HOURS#2') === true)).toEqual([{ name: 'UpdateItem', pk: 'HOURS#2026-05-01' }]);
    expect(count('GetItem')).toBe(1);
    expect(count('Scan')).toBe(1);
    expect(count('PutItem')).toBe(20 + 1);
  });

  it('marks the hour of a backfilled event, and again once a later event would outlive the mark', async () => {
    let now = Date.parse('2026-05-01T12:00:00.000Z');
    const { store, sent } = (await aTable())(() => now);
    const old = anEvent({ timestamp: '2026-04-20T03:15:00.000Z' });
    await store.put(old);
    now += 2 * HOUR;
    await store.put(anEvent({ timestamp: '2026-04-20T03:16:00.000Z' }));
    now += DAY;
    await store.put(anEvent({ timestamp: '2026-04-20T03:17:00.000Z' }));

    expect(sent.filter((s) => s.pk === 'HOURS#2026-04-20')).toHaveLength(2);
    expect(ids((await store.query({ from: '2026-04-20T00:00:00.000Z', to: '2026-04-21T00:00:00.000Z', limit: 10 })).events)[0]).toBe(old.id);
  });

  it('refuses the put when the mark cannot be written (nothing stored), and the next put of the hour writes it', async () => {
    const now = Date.parse('2026-05-01T12:00:00.000Z');
    const tableName = await dynalite.eventsTable();
    let failing = true;
    const { client } = countingClient((s) => failing && s.pk?.startsWith('HOURS#2') === true);
    const store = new DynamoDbEventStore({ client, tableName, retentionDays: 30, clock: { now: () => now } });
    const event = anEvent({ timestamp: iso(now) });

    await expect(store.put(event)).rejects.toBeInstanceOf(RetryableError);
    expect(await store.get(event.id)).toBeUndefined();

    failing = false;
    expect(await store.put(event)).toEqual({ id: event.id, duplicate: false });
    expect(ids((await store.query({ limit: 10 })).events)).toEqual([event.id]);
  });

  it('refuses the put while the since item cannot be recorded, and records it on the next put', async () => {
    const now = Date.parse('2026-05-01T12:00:00.000Z');
    const tableName = await dynalite.eventsTable();
    let failing = true;
    const { client, count } = countingClient((s) => failing && s.name === 'Scan');
    const store = new DynamoDbEventStore({ client, tableName, retentionDays: 30, clock: { now: () => now } });
    const event = anEvent({ timestamp: iso(now) });

    await expect(store.put(event)).rejects.toBeInstanceOf(RetryableError);
    failing = false;
    await store.put(event);

    expect(count('Scan')).toBe(2);
    expect(ids((await store.query({ limit: 10 })).events)).toEqual([event.id]);
  });

  it('looks at a bounded number of hours per page: a long empty stretch answers with a cursor that finds the rest', async () => {
    const now = Date.parse('2026-05-01T12:00:00.000Z');
    const { store, count, reset } = (await aTable())(() => now, { maxHoursPerPage: 1 });
    const late = anEvent({ timestamp: iso(now - 10 * DAY) });
    await store.put(late);
    reset();
    const window = { from: iso(now - 150 * DAY), to: iso(now), limit: 10 };

    const first = await store.query(window);
    const all = await allPages(store, window);

    // 99 days' marks a lookup (the first day from noon); past four hours looked at (a budget of one, four times), a page stops before its next lookup.
    expect(first.events).toEqual([]);
    expect(decodeCursor(first.cursor as string)).toEqual({ timestamp: iso(now - 51 * DAY - 12 * HOUR), id: '' });
    expect(all.ids).toEqual([late.id]);
    expect(all.pages.map((page) => page.events.length)).toEqual([0, 1]);
    expect(count('Query')).toBe(TIME_SHARDS);
  });
});
