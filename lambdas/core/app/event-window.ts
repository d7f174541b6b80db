/**
 * Reading a time window of stored events in (timestamp, id) order, after a cursor: the one
 * selection replay pages and rule backtests share, so a backtest counts exactly what a replay reads.
 */
import type { EngineEvent } from '../envelope.js';
import type { EventStore } from '../ports/events.js';
import type { EventPosition } from '../query.js';

/** Whether `event` comes after `cursor` in (timestamp, id) order (everything does when there is none). */
export const isAfter = (event: EngineEvent, cursor: EventPosition | undefined): boolean =>
  cursor === undefined || event.timestamp > cursor.timestamp || (event.timestamp === cursor.timestamp && event.id > cursor.id);

/**
 * The events with `startTime ≤ timestamp < endTime` after `cursor`, in (timestamp, id) order.
 * @example for await (const event of eventsInWindow(store, request.startTime, request.endTime, job.cursor)) …
 */
export async function* eventsInWindow(events: Pick<EventStore, 'range'>, startTime: string, endTime: string, cursor?: EventPosition): AsyncGenerator<EngineEvent> {
  const from = cursor?.timestamp ?? startTime;
  for await (const event of events.range(from, endTime, cursor)) {
    // A store may start at the cursor's timestamp rather than after the cursor itself.
    if (isAfter(event, cursor)) yield event;
  }
}
