import { describe, expect, it } from 'vitest';
import { CorrelationWaits, type EngineEvent, type EventQuery } from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteWaiterStore } from '../../lambdas/embedded/sqlite-waiter-store.js';

// Times follow the clock the suite runs under.
const NOW = Date.now();
const MINUTE = 60_000;
let counter = 0;
const aPayment = (amount: number, minutesAgo: number, correlationId = 'o-1'): EngineEvent => ({
  id: `pay-${++counter}`,
  type: 'payment.received',
  source: 'payments',
  timestamp: new Date(NOW - minutesAgo * MINUTE).toISOString(),
  data: { amount },
  correlationId,
});

/** Waits on an in-memory SQLite waiter store, with the events given as the stored ones and tokens that answer `taskAlive`. */
function aWaits(stored: EngineEvent[] = [], taskAlive = true) {
  const db = openDatabase(':memory:');
  const waiters = new SqliteWaiterStore(db, new GroupCommit(db));
  const sent: Array<[string, unknown]> = [];
  const queries: EventQuery[] = [];
  const waits = new CorrelationWaits({
    waiters,
    tokens: { succeed: async (token, output) => (sent.push([token, output]), taskAlive) },
    events: {
      query: async (query) => {
        queries.push(query);
        return { events: stored.filter((e) => e.correlationId === query.correlationId && e.type === query.type) };
      },
    },
    clock: { now: () => NOW },
  });
  return { waits, waiters, sent, queries, close: () => db.close() };
}

const request = (token: string, overrides: Record<string, unknown> = {}) => ({
  token,
  correlationId: 'o-1',
  eventType: 'payment.received',
  expiresAt: new Date(NOW + 15 * MINUTE).toISOString(),
  ...overrides,
});

describe('CorrelationWaits', () => {
  it('completes a new wait at once with the earliest stored event its pattern matches, and forgets the waiter', async () => {
    const small = aPayment(5, 30);
    const big = aPayment(500, 20);
    const bigger = aPayment(900, 10);
    const { waits, waiters, sent, queries, close } = aWaits([small, big, bigger]);

    const outcome = await waits.register(request('token-look-back', { pattern: { data: { amount: [{ numeric: ['>=', 100] }] } } }));

    expect(outcome).toEqual({ token: 'token-look-back', eventId: big.id, delivered: true });
    expect(sent).toEqual([['token-look-back', big]]);
    expect(queries).toEqual([{ correlationId: 'o-1', type: 'payment.received', limit: 1000 }]);
    expect(await waiters.matching(aPayment(1, 0), NOW)).toEqual([]);
    close();
  });

  it('leaves the waiter for routing when nothing was stored before it', async () => {
    const { waits, sent, close } = aWaits([aPayment(5, 30, 'another-order')]);

    expect(await waits.register(request('token-later'))).toBeUndefined();

    const payment = aPayment(42, 0);
    expect(await waits.onRouted(payment)).toEqual([{ token: 'token-later', eventId: payment.id, delivered: true }]);
    expect(sent).toEqual([['token-later', payment]]);
    expect(await waits.onRouted(aPayment(43, 0))).toEqual([]);
    close();
  });

  it('forgets a waiter whose task is gone, reporting it undelivered', async () => {
    const { waits, close } = aWaits([], false);
    await waits.register(request('token-gone'));
    const payment = aPayment(1, 0);

    expect(await waits.onRouted(payment)).toEqual([{ token: 'token-gone', eventId: payment.id, delivered: false }]);
    expect(await waits.onRouted(aPayment(2, 0))).toEqual([]);
    close();
  });

  it('wakes no waiter whose wait has ended by the clock', async () => {
    const { waits, close } = aWaits();
    await waits.register(request('token-ended', { expiresAt: new Date(NOW - MINUTE).toISOString() }));

    expect(await waits.onRouted(aPayment(1, 0))).toEqual([]);
    close();
  });
});
