/**
 * The event-store port's contract, run against every adapter (SQLite embedded, DynamoDB on dynalite):
 * idempotent puts, reads by time across hours in (timestamp, id) order, ranges that continue after a
 * position, cursors that lose and repeat nothing, correlation reads, type/source filters, and a TTL
 * that follows the retention. Adapter-specific layouts (DynamoDB's time shards) are their own tests'.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, type EngineEvent, type EventStore } from '../../lambdas/core/index.js';
import { allPages, anEvent, byTimeThenId, collect, fewEventsOverThreeHours, HOUR, ids, iso, NOW, positionOf, putAll, T0, threeHoursOfEvents } from './event-store.fixtures.js';

/** An adapter as the contract drives it. */
export interface EventStoreUnderTest {
  store: EventStore;
  /** The expiry the adapter recorded for an event, in epoch seconds (DynamoDB `expiresAt`, SQLite `expires_at`). */
  expiresAtOf(id: string): Promise<number | undefined>;
  close(): Promise<void>;
}

/** What every store of the suite is created with. */
export interface StoreOptions {
  retentionDays: number;
  now: () => number;
}

/** A fresh, empty store for each test. */
export type EventStoreFactory = (options: StoreOptions) => Promise<EventStoreUnderTest>;

/** Runs the contract against an adapter. */
export function describeEventStoreContract(name: string, factory: EventStoreFactory): void {
  describe(`${name}: the event-store contract`, () => {
    let current: EventStoreUnderTest | undefined;
    const open = async (options: Partial<StoreOptions> = {}): Promise<EventStoreUnderTest> => {
      current = await factory({ retentionDays: 7, now: () => NOW, ...options });
      return current;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    describe('put and get', () => {
      it('returns what was put, exactly', async () => {
        const { store } = await open();
        const event = anEvent({ correlationId: 'acct-1', data: { deep: { a: [1, { b: null }], 'odd key': 'é✓' } } });

        expect(await store.put(event)).toEqual({ id: event.id, duplicate: false });
        expect(await store.get(event.id)).toEqual(event);
      });

      it('returns undefined for an id never stored', async () => {
        const { store } = await open();

        expect(await store.get('no-such-event')).toBeUndefined();
      });

      it('stores the same event twice only once and reports the second as a duplicate', async () => {
        const { store } = await open();
        const event = anEvent({ timestamp: '2026-03-04T04:00:00.000Z' });
        await store.put(event);

        const again = await store.put({ ...event, data: { ...event.data } });

        expect(again).toEqual({ id: event.id, duplicate: true });
        expect(await store.get(event.id)).toEqual(event);
        expect(ids((await store.query({ from: '2026-03-04T00:00:00.000Z', to: '2026-03-05T00:00:00.000Z', limit: 10 })).events)).toEqual([event.id]);
      });

      it('treats a retry that was given a new receive timestamp, or reordered keys, as a duplicate', async () => {
        const { store } = await open();
        const event = anEvent({ data: { a: 1, b: 2 } });
        await store.put(event);

        const retry = await store.put({ ...event, timestamp: '2026-03-04T05:00:09.000Z', data: { b: 2, a: 1 } });

        expect(retry.duplicate).toBe(true);
        expect((await store.get(event.id))?.timestamp).toBe(event.timestamp);
      });

      it('refuses the same id with other content with a ConflictError and keeps the first', async () => {
        const { store } = await open();
        const event = anEvent();
        await store.put(event);

        await expect(store.put({ ...event, data: { userId: 'someone-else' } })).rejects.toBeInstanceOf(ConflictError);
        expect(await store.get(event.id)).toEqual(event);
      });

      it('records an expiry of the retention period after receipt', async () => {
        const { store, expiresAtOf } = await open({ retentionDays: 12 });
        const event = anEvent();

        await store.put(event);

        expect(await expiresAtOf(event.id)).toBe(NOW / 1000 + 12 * 86_400);
      });
    });

    describe('reads by time', () => {
      it('returns every event of three hours in (timestamp, id) order, and nothing outside [from, to)', async () => {
        const { store } = await open();
        const inside = threeHoursOfEvents('range', 60);
        const outside = [anEvent({ id: 'before-window', timestamp: iso(T0 - 1) }), anEvent({ id: 'at-window-end', timestamp: iso(T0 + 3 * HOUR) })];
        await putAll(store, [...inside, ...outside]);
        const expected = ids([...inside].sort(byTimeThenId));

        const ranged = await collect(store.range(iso(T0), iso(T0 + 3 * HOUR)));
        const page = await store.query({ from: iso(T0), to: iso(T0 + 3 * HOUR), limit: 1000 });

        expect(ids(ranged)).toEqual(expected);
        expect(ranged).toEqual([...inside].sort(byTimeThenId));
        expect(ids(page.events)).toEqual(expected);
        expect(page.cursor).toBeUndefined();
      });

      it.each([
        // Limit 1 walks one page per event: a smaller set keeps it quick while still crossing hours and ties.
        { limit: 1, events: () => fewEventsOverThreeHours('page1', 8) },
        { limit: 7, events: () => threeHoursOfEvents('page7', 40) },
        { limit: 1000, events: () => threeHoursOfEvents('page1000', 40) },
      ])('pages with limit $limit, losing and repeating nothing', async ({ limit, events: make }) => {
        const { store } = await open();
        const events = make();
        await putAll(store, events);

        const { ids: seen, pages } = await allPages(store, { from: iso(T0), to: iso(T0 + 3 * HOUR), limit });

        expect(seen).toEqual(ids([...events].sort(byTimeThenId)));
        expect(pages.every((p) => p.events.length <= limit)).toBe(true);
        expect(pages.slice(0, -1).every((p) => p.events.length === limit)).toBe(true);
        expect(pages.at(-1)?.cursor).toBeUndefined();
      });

      it('answers an empty window with no events and no cursor', async () => {
        const { store } = await open();
        await putAll(store, [anEvent({ timestamp: iso(T0) })]);

        expect(await store.query({ from: iso(T0 + HOUR), to: iso(T0 + 2 * HOUR), limit: 10 })).toEqual({ events: [] });
      });

      it('finds recent events without from or to', async () => {
        const { store } = await open({ retentionDays: 1 });
        const recent = [anEvent({ timestamp: iso(NOW - 2 * HOUR) }), anEvent({ timestamp: iso(NOW) })];
        await putAll(store, recent);

        expect(ids((await store.query({ limit: 10 })).events)).toEqual(ids(recent));
      });

      it('pages a sparse month (events on its first and last day only) without from, with from and to, and as a range', async () => {
        const { store } = await open({ retentionDays: 31 });
        const DAY = 24 * HOUR;
        const firstDay = [0, 0, 5, 23 * 60].map((minute, i) => anEvent({ id: `sparse-a-${i}`, timestamp: iso(NOW - 30 * DAY + minute * 60_000) }));
        const lastDay = [-90, -2, -2, 0].map((minute, i) => anEvent({ id: `sparse-b-${i}`, timestamp: iso(NOW + minute * 60_000) }));
        await putAll(store, [...lastDay, ...firstDay]);
        const expected = ids([...firstDay, ...lastDay].sort(byTimeThenId));

        const unbounded = await allPages(store, { limit: 3 });
        const bounded = await allPages(store, { from: iso(NOW - 31 * DAY), to: iso(NOW + HOUR), limit: 2 });

        expect(unbounded.ids).toEqual(expected);
        expect(unbounded.pages[0]?.events.length).toBe(3);
        expect(bounded.ids).toEqual(expected);
        expect(ids(await collect(store.range(iso(NOW - 31 * DAY), iso(NOW + HOUR))))).toEqual(expected);
      });
    });

    describe('ranges that continue after a position', () => {
      it('yields strictly after the position, across tied timestamps and hours', async () => {
        const { store } = await open();
        const events = fewEventsOverThreeHours('after', 6);
        await putAll(store, events);
        const sorted = [...events].sort(byTimeThenId);
        const window = [iso(T0), iso(T0 + 3 * HOUR)] as const;

        // The first of a tied pair, the second of one, and the last of the first hour.
        for (const k of [0, 2, 3, 5]) {
          expect(ids(await collect(store.range(...window, positionOf(sorted[k] as EngineEvent))))).toEqual(ids(sorted.slice(k + 1)));
        }
      });

      it('continues at the next stored event after a position no event holds', async () => {
        const { store } = await open();
        const events = fewEventsOverThreeHours('gap', 4);
        await putAll(store, events);
        const sorted = [...events].sort(byTimeThenId);
        const window = [iso(T0), iso(T0 + 3 * HOUR)] as const;
        const secondHour = sorted.findIndex((e) => e.timestamp >= iso(T0 + HOUR));

        expect(ids(await collect(store.range(...window, { timestamp: iso(T0 + HOUR), id: '' })))).toEqual(ids(sorted.slice(secondHour)));
        expect(ids(await collect(store.range(...window, { timestamp: (sorted[0] as EngineEvent).timestamp, id: '~' })))).toEqual(ids(sorted.slice(2)));
      });

      it('reads the whole window after a position before it, and nothing after the last event or past the window', async () => {
        const { store } = await open();
        const events = fewEventsOverThreeHours('edges', 3);
        await putAll(store, events);
        const sorted = [...events].sort(byTimeThenId);
        const window = [iso(T0), iso(T0 + 3 * HOUR)] as const;

        expect(ids(await collect(store.range(...window, { timestamp: iso(T0 - HOUR), id: 'zzz' })))).toEqual(ids(sorted));
        expect(await collect(store.range(...window, positionOf(sorted.at(-1) as EngineEvent)))).toEqual([]);
        expect(await collect(store.range(...window, { timestamp: iso(T0 + 4 * HOUR), id: '' }))).toEqual([]);
      });

      it('stops at the end of the window whatever the position', async () => {
        const { store } = await open();
        const events = fewEventsOverThreeHours('end', 4);
        await putAll(store, events);
        const sorted = [...events].sort(byTimeThenId);
        const firstHour = sorted.filter((e) => e.timestamp < iso(T0 + HOUR));

        expect(ids(await collect(store.range(iso(T0), iso(T0 + HOUR), positionOf(firstHour[0] as EngineEvent))))).toEqual(ids(firstHour.slice(1)));
      });
    });

    describe('reads by correlation', () => {
      it('returns the events of one correlation in (timestamp, id) order, paged', async () => {
        const { store } = await open();
        const mine = [0, 3, 3, 40, 61, 150].map((minute, i) => anEvent({ id: `corr-a-${9 - i}`, correlationId: 'acct-A', timestamp: iso(T0 + minute * 60_000) }));
        const others = [anEvent({ correlationId: 'acct-B', timestamp: iso(T0) }), anEvent({ timestamp: iso(T0 + 60_000) })];
        await putAll(store, [...mine, ...others]);
        const expected = ids([...mine].sort(byTimeThenId));

        expect(ids((await store.query({ correlationId: 'acct-A', limit: 1000 })).events)).toEqual(expected);
        expect((await allPages(store, { correlationId: 'acct-A', limit: 4 })).ids).toEqual(expected);
        expect((await allPages(store, { correlationId: 'acct-A', limit: 1 })).ids).toEqual(expected);
      });

      it('narrows a correlation to [from, to)', async () => {
        const { store } = await open();
        const events = [0, 30, 60, 90].map((minute) => anEvent({ correlationId: 'acct-W', timestamp: iso(T0 + minute * 60_000) }));
        await putAll(store, events);

        const page = await store.query({ correlationId: 'acct-W', from: iso(T0 + 30 * 60_000), to: iso(T0 + 90 * 60_000), limit: 10 });

        expect(ids(page.events)).toEqual(ids(events.slice(1, 3)));
      });
    });

    describe('filters', () => {
      it('filters by type and by source, alone and together, and pages the filtered stream', async () => {
        const { store } = await open();
        const events = Array.from({ length: 30 }, (_, i) =>
          anEvent({ type: i % 3 === 0 ? 'order.placed' : 'page.viewed', source: i % 2 === 0 ? 'shop' : 'web', timestamp: iso(T0 + i * 7 * 60_000) }),
        );
        await putAll(store, events);
        const window = { from: iso(T0), to: iso(T0 + 4 * HOUR) };
        const expected = (keep: (e: EngineEvent) => boolean) => ids(events.filter(keep).sort(byTimeThenId));

        expect(ids((await store.query({ ...window, type: 'order.placed', limit: 100 })).events)).toEqual(expected((e) => e.type === 'order.placed'));
        expect(ids((await store.query({ ...window, source: 'web', limit: 100 })).events)).toEqual(expected((e) => e.source === 'web'));
        expect((await allPages(store, { ...window, type: 'order.placed', source: 'shop', limit: 2 })).ids).toEqual(
          expected((e) => e.type === 'order.placed' && e.source === 'shop'),
        );
      });

      it('filters a correlation by type', async () => {
        const { store } = await open();
        const events = [anEvent({ correlationId: 'acct-F', type: 'a' }), anEvent({ correlationId: 'acct-F', type: 'b' }), anEvent({ correlationId: 'acct-G', type: 'a' })];
        await putAll(store, events);

        expect(ids((await store.query({ correlationId: 'acct-F', type: 'a', limit: 10 })).events)).toEqual([events[0]?.id]);
      });
    });
  });
}
