/**
 * Events and reads the event-store contract (and the adapters' own tests) build on: events spread
 * over three hours with tied timestamps, the (timestamp, id) order, puts out of order, every page of a query.
 */
import { mapBounded } from '../../lambdas/core/app/concurrency.js';
import { decodeCursor, type EngineEvent, type EventPage, type EventPosition, type EventQuery, type EventStore } from '../../lambdas/core/index.js';

export const NOW = Date.parse('2026-03-04T05:06:07.000Z');
export const HOUR = 3_600_000;
export const T0 = Date.parse('2026-03-04T01:00:00.000Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

let counter = 0;
/** An event with a fresh id; override anything. */
export function anEvent(overrides: Partial<EngineEvent> = {}): EngineEvent {
  return {
    id: `01JCONTRACT${String(++counter).padStart(6, '0')}`,
    type: 'user_registration',
    source: 'web-signup',
    timestamp: '2026-03-04T05:00:00.000Z',
    data: { userId: 'u-1', user_type: 'premium', plan: { seats: 5, tags: ['a', 'b'] } },
    ...overrides,
  };
}

/** The (timestamp, id) order every read must follow. */
export const byTimeThenId = (a: EngineEvent, b: EngineEvent): number =>
  a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** `perHour` events in each of three hours from T0 at seven distinct instants an hour, so many share a timestamp (and ids break ties). */
export function threeHoursOfEvents(prefix: string, perHour: number): EngineEvent[] {
  const events: EngineEvent[] = [];
  for (let hour = 0; hour < 3; hour++) {
    for (let k = 0; k < perHour; k++) {
      const id = `${prefix}-${hour}-${String(k).padStart(4, '0')}`;
      events.push(anEvent({ id, timestamp: iso(T0 + hour * HOUR + (k % 7) * 60_000 + (hour === 2 ? 50 * 60_000 : 0)) }));
    }
  }
  return events;
}

/** `perHour` events in each of three hours from T0, in pairs that share a timestamp. */
export function fewEventsOverThreeHours(prefix: string, perHour: number): EngineEvent[] {
  return Array.from({ length: 3 * perHour }, (_, i) =>
    anEvent({ id: `${prefix}-${String(i).padStart(3, '0')}`, timestamp: iso(T0 + Math.floor(i / perHour) * HOUR + Math.floor((i % perHour) / 2) * 60_000) }),
  );
}

/** Stores every event, out of order and several at once, as concurrent producers would. */
export async function putAll(store: EventStore, events: readonly EngineEvent[]): Promise<void> {
  const shuffled = [...events].sort((a, b) => (a.id.split('').reverse().join('') < b.id.split('').reverse().join('') ? -1 : 1));
  await mapBounded(shuffled, 25, (event) => store.put(event));
}

/** Every page of a query, following cursors. */
export async function allPages(store: EventStore, query: EventQuery): Promise<{ ids: string[]; pages: Array<EventPage<EngineEvent>> }> {
  const pages: Array<EventPage<EngineEvent>> = [];
  let cursor: string | undefined;
  let after: EventQuery['after'];
  do {
    const page = await store.query({ ...query, ...(after === undefined ? {} : { after }) });
    pages.push(page);
    cursor = page.cursor;
    if (cursor !== undefined) after = decodeCursor(cursor);
    if (pages.length > 10_000) throw new Error('the cursor never ends');
  } while (cursor !== undefined);
  return { ids: pages.flatMap((p) => p.events.map((e) => e.id)), pages };
}

export const ids = (events: readonly EngineEvent[]): string[] => events.map((e) => e.id);

/** Everything a range yields. */
export async function collect(events: AsyncIterable<EngineEvent>): Promise<EngineEvent[]> {
  const all: EngineEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

export const positionOf = (event: EngineEvent): EventPosition => ({ timestamp: event.timestamp, id: event.id });
