/**
 * The routing-marks port's contract, run against every adapter (SQLite embedded, DynamoDB on
 * dynalite): which stored events are unrouted after a cutoff, how the router marks them routed, how
 * the sweeper claims them (counting attempts) and parks the ones it gives up on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent, EventStore, RoutingMarks } from '../../lambdas/core/index.js';

/** An adapter as the contract drives it: the marks, and the store whose events they mark. */
export interface RoutingMarksUnderTest {
  events: Pick<EventStore, 'put'>;
  marks: RoutingMarks;
  close(): Promise<void>;
}

/** A fresh, empty store for each test; both read the receive time from `now`. */
export type RoutingMarksFactory = (options: { now: () => number }) => Promise<RoutingMarksUnderTest>;

const RECEIVED = Date.parse('2026-06-01T10:00:00.000Z');
const MINUTE = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

let counter = 0;
const anEvent = (): EngineEvent => ({
  id: `01JMARKS${String(++counter).padStart(6, '0')}`,
  type: 'order.placed',
  source: 'shop',
  timestamp: '2026-06-01T09:59:00.000Z',
  correlationId: 'o-1',
  data: { orderId: 'o-1', lines: [{ sku: 'a', qty: 2 }] },
});

/** Runs the contract against an adapter. */
export function describeRoutingMarksContract(name: string, factory: RoutingMarksFactory): void {
  describe(`${name}: the routing-marks contract`, () => {
    let current: RoutingMarksUnderTest | undefined;
    let now = RECEIVED;
    const open = async (): Promise<RoutingMarksUnderTest> => {
      now = RECEIVED;
      current = await factory({ now: () => now });
      return current;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    describe('unrouted', () => {
      it('lists an unrouted event received before the cutoff, and not one received at or after it', async () => {
        const { events, marks } = await open();
        const old = anEvent();
        await events.put(old);
        now = RECEIVED + MINUTE;
        await events.put(anEvent());

        expect(await marks.unrouted(iso(RECEIVED + MINUTE), 10)).toEqual([old.id]);
        expect(await marks.unrouted(iso(RECEIVED), 10)).toEqual([]);
      });

      it('leaves out a routed event', async () => {
        const { events, marks } = await open();
        const routed = anEvent();
        const waiting = anEvent();
        await events.put(routed);
        await events.put(waiting);

        await marks.markRouted(routed.id);

        expect(await marks.unrouted(iso(RECEIVED + MINUTE), 10)).toEqual([waiting.id]);
      });

      it('lists the oldest first, at most `limit`', async () => {
        const { events, marks } = await open();
        const stored: EngineEvent[] = [];
        for (let i = 0; i < 5; i++) {
          now = RECEIVED + i * 1000;
          const event = anEvent();
          await events.put(event);
          stored.push(event);
        }

        expect(await marks.unrouted(iso(RECEIVED + 10 * MINUTE), 3)).toEqual(stored.slice(0, 3).map((e) => e.id));
      });
    });

    describe('markRouted', () => {
      it('is harmless twice, and for an id never stored', async () => {
        const { events, marks } = await open();
        const event = anEvent();
        await events.put(event);

        await marks.markRouted(event.id);
        await marks.markRouted(event.id);
        await marks.markRouted('no-such-event');

        expect(await marks.unrouted(iso(RECEIVED + MINUTE), 10)).toEqual([]);
      });
    });

    describe('claimSweep', () => {
      it('answers the stored event and when it was received, and counts each sweep', async () => {
        const { events, marks } = await open();
        const event = anEvent();
        await events.put(event);
        now = RECEIVED + 15 * MINUTE;

        const first = await marks.claimSweep(event.id);
        const second = await marks.claimSweep(event.id);

        expect(first).toEqual({ event, attempts: 1, receivedAt: iso(RECEIVED) });
        expect(second?.attempts).toBe(2);
      });

      it('answers undefined for a routed event, and for one never stored', async () => {
        const { events, marks } = await open();
        const event = anEvent();
        await events.put(event);
        await marks.markRouted(event.id);

        expect(await marks.claimSweep(event.id)).toBeUndefined();
        expect(await marks.claimSweep('no-such-event')).toBeUndefined();
      });
    });

    describe('park', () => {
      it('takes the event out of the listing; a redrive can still claim it, until it is routed', async () => {
        const { events, marks } = await open();
        const parked = anEvent();
        const other = anEvent();
        await events.put(parked);
        await events.put(other);
        await marks.claimSweep(parked.id);

        await marks.park(parked.id);

        expect(await marks.unrouted(iso(RECEIVED + MINUTE), 10)).toEqual([other.id]);
        expect(await marks.claimSweep(parked.id)).toMatchObject({ event: parked, attempts: 2 });
        await marks.markRouted(parked.id);
        expect(await marks.claimSweep(parked.id)).toBeUndefined();
        expect(await marks.unrouted(iso(RECEIVED + MINUTE), 10)).toEqual([other.id]);
      });
    });
  });
}
