import { describe, expect, it } from 'vitest';
import { UnroutedSweeper, ValidationError, type ClaimedEvent, type DeadLetter, type EngineEvent, type RoutingMarks } from '../../lambdas/core/index.js';

// Times follow the clock the suite runs under.
const NOW = Date.now();
const MINUTE = 60_000;

/** Routing marks in memory: events stored at a receipt time, swept and counted, routed or parked. */
function inMemoryMarks(events: Array<{ event: EngineEvent; receivedAt: string }>) {
  const state = new Map(events.map((e) => [e.event.id, { ...e, attempts: 0, routed: false, parked: false }]));
  const marks: RoutingMarks = {
    markRouted: async (id) => void (state.get(id) && (state.get(id)!.routed = true)),
    unrouted: async (cutoff, limit) =>
      [...state.values()]
        .filter((e) => !e.routed && !e.parked && e.receivedAt < cutoff)
        .slice(0, limit)
        .map((e) => e.event.id),
    claimSweep: async (id) => {
      const entry = state.get(id);
      if (entry === undefined || entry.routed) return undefined;
      entry.attempts++;
      const claimed: ClaimedEvent = { event: entry.event, attempts: entry.attempts, receivedAt: entry.receivedAt };
      return claimed;
    },
    park: async (id) => void (state.get(id) && (state.get(id)!.parked = true)),
  };
  return { marks, state };
}

let counter = 0;
const stored = (minutesAgo: number) => {
  const event: EngineEvent = {
    id: `evt-sweep-${++counter}`,
    type: 'user_registration',
    source: 'web',
    timestamp: new Date(NOW - minutesAgo * MINUTE).toISOString(),
    data: {},
  };
  return { event, receivedAt: new Date(NOW - minutesAgo * MINUTE).toISOString() };
};

describe('UnroutedSweeper', () => {
  it('routes the events old enough, with their receipt time, and leaves younger ones to the router', async () => {
    const old = stored(15);
    const young = stored(5);
    const { marks } = inMemoryMarks([old, young]);
    const routed: Array<[string, string | undefined]> = [];
    const sweeper = new UnroutedSweeper({
      marks,
      route: async (event, receivedAt) => {
        routed.push([event.id, receivedAt]);
        await marks.markRouted(event.id);
      },
      deadLetters: { send: async () => undefined },
      clock: { now: () => NOW },
      minAgeMs: 10 * MINUTE,
    });

    const report = await sweeper.sweep();

    expect(report).toEqual({ found: 1, routed: [old.event.id], failed: [], parked: [], skipped: 0, stoppedEarly: false });
    expect(routed).toEqual([[old.event.id, old.receivedAt]]);
    expect(await sweeper.sweep()).toMatchObject({ found: 0 });
  });

  it('parks an event after its last failed attempt and reports it to the dead-letter queue', async () => {
    const poison = stored(30);
    const { marks, state } = inMemoryMarks([poison]);
    const letters: DeadLetter[] = [];
    const failures: number[] = [];
    const sweeper = new UnroutedSweeper({
      marks,
      route: async () => Promise.reject(Object.assign(new Error('no such machine'), { name: 'StateMachineDoesNotExist' })),
      deadLetters: { send: async (letter) => void letters.push(letter) },
      clock: { now: () => NOW },
      maxAttempts: 2,
      onFailed: (_id, attempts) => void failures.push(attempts),
    });

    const reports = [await sweeper.sweep(), await sweeper.sweep(), await sweeper.sweep()];

    expect(reports.map((r) => [r.failed.length, r.parked.length])).toEqual([
      [1, 0],
      [1, 1],
      [0, 0],
    ]);
    expect(failures).toEqual([1, 2]);
    expect(letters).toEqual([
      {
        source: 'sweeper',
        reason: 'unroutable',
        message: expect.stringContaining('StateMachineDoesNotExist: no such machine'),
        details: [],
        record: { eventId: poison.event.id, attempts: 2 },
      },
    ]);
    expect(state.get(poison.event.id)?.parked).toBe(true);
  });

  it('parks at once an event whose stored item holds no valid event, and answers it failed on request', async () => {
    const unreadable = stored(30);
    const { marks, state } = inMemoryMarks([unreadable]);
    const claimUnreadable: RoutingMarks = {
      ...marks,
      claimSweep: async () => Promise.reject(new ValidationError('the stored item holds no valid event: body: required', [])),
    };
    const letters: DeadLetter[] = [];
    const sweeper = new UnroutedSweeper({
      marks: claimUnreadable,
      route: async () => undefined,
      deadLetters: { send: async (letter) => void letters.push(letter) },
      clock: { now: () => NOW },
      maxAttempts: 3,
    });

    const report = await sweeper.sweep();
    const redrive = await sweeper.routeByIds([unreadable.event.id]);

    expect(report).toMatchObject({ found: 1, routed: [], failed: [unreadable.event.id], parked: [unreadable.event.id] });
    expect(letters).toEqual([
      expect.objectContaining({ reason: 'unroutable', record: { eventId: unreadable.event.id, attempts: 3 }, message: expect.stringContaining('ValidationError') }),
    ]);
    expect(state.get(unreadable.event.id)?.parked).toBe(true);
    expect(redrive).toEqual([{ eventId: unreadable.event.id, outcome: 'failed', error: expect.stringContaining('ValidationError') }]);
  });

  it('stops at its deadline and leaves the rest for the next sweep', async () => {
    const { marks } = inMemoryMarks([stored(20), stored(19)]);
    let now = NOW;
    const sweeper = new UnroutedSweeper({
      marks,
      route: async (event) => {
        now += MINUTE;
        await marks.markRouted(event.id);
      },
      deadLetters: { send: async () => undefined },
      clock: { now: () => now },
    });

    const report = await sweeper.sweep(NOW + MINUTE);

    expect(report).toMatchObject({ found: 2, routed: [expect.any(String)], stoppedEarly: true });
  });

  it('routes events by id on request, whatever their age, and answers each', async () => {
    const parked = stored(1);
    const { marks } = inMemoryMarks([parked]);
    await marks.park(parked.event.id);
    const sweeper = new UnroutedSweeper({
      marks,
      route: async (event) => marks.markRouted(event.id),
      deadLetters: { send: async () => undefined },
      clock: { now: () => NOW },
    });

    expect(await sweeper.routeByIds([parked.event.id, 'no-such-event'])).toEqual([
      { eventId: parked.event.id, outcome: 'routed' },
      { eventId: 'no-such-event', outcome: 'not-pending' },
    ]);
  });
});
