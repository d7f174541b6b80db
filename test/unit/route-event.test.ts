import { describe, expect, it } from 'vitest';
import {
  compileRules,
  CorrelationWaits,
  EventRouter,
  executionName,
  NO_METRICS,
  parseRules,
  type EngineEvent,
  type EngineMetrics,
  type Trigger,
  type WorkflowStarter,
} from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteJoinStore } from '../../lambdas/embedded/sqlite-join-store.js';
import { SqliteWaiterStore } from '../../lambdas/embedded/sqlite-waiter-store.js';

const RULES = compileRules(
  parseRules(
    [
      'rules:',
      '  - id: fulfil-order',
      '    eventType: order.placed',
      '    workflow: order_fulfilment',
      '    priority: 10',
      '  - id: ship-when-ready',
      '    all: [payment.received, stock.reserved]',
      '    within: 15m',
      '    workflow: send_confirmation',
      '',
    ].join('\n'),
    'rules.yaml',
  ),
);

// Times follow the clock the suite runs under.
const NOW = Date.now();
const clock = { now: () => NOW };
let counter = 0;
const anEvent = (type: string, overrides: Partial<EngineEvent> = {}): EngineEvent => ({
  id: `evt-route-${++counter}`,
  type,
  source: 'shop',
  timestamp: new Date(NOW - 60_000).toISOString(),
  data: {},
  correlationId: 'o-1',
  ...overrides,
});

/** A starter that remembers the names it started and says so again for a name it has seen. */
function aStarter() {
  const started: string[] = [];
  const starter: WorkflowStarter = {
    start: async (trigger: Trigger) => {
      const alreadyStarted = started.includes(trigger.executionName);
      if (!alreadyStarted) started.push(trigger.executionName);
      return { alreadyStarted };
    },
  };
  return { starter, started };
}

function recorders() {
  const lines: Array<[string, Record<string, unknown> | undefined]> = [];
  const counts: Array<[string, number, string?]> = [];
  const observed: Array<[string, number, Record<string, unknown>?]> = [];
  const metrics: EngineMetrics = {
    ...NO_METRICS,
    countLabelled: (name, labels, value = 1) => void observed.push([name, value, { ...labels }]),
    observe: (name, value, labels) => void observed.push(labels === undefined ? [name, value] : [name, value, { ...labels }]),
    count: (name, value = 1) => void counts.push([name, value]),
    countForWorkflow: (name, workflowId, value = 1) => void counts.push([name, value, workflowId]),
  };
  return { lines, counts, observed, metrics, logger: { info: (message: string, fields?: Record<string, unknown>) => void lines.push([message, fields]) } };
}

describe('EventRouter', () => {
  it('starts each matched rule once, logs and counts what it did, and measures the lag from receipt', async () => {
    const { starter, started } = aStarter();
    const seen = recorders();
    const marked: string[] = [];
    const router = new EventRouter({ ruleSet: RULES, starter, marks: { markRouted: async (id) => void marked.push(id) }, ...seen, clock: { now: () => NOW } });
    const order = anEvent('order.placed');

    const outcome = await router.route(order, { receivedAt: new Date(NOW - 1500).toISOString(), via: 'stream' });

    expect(started).toEqual([executionName('fulfil-order', order.id)]);
    expect(outcome).toMatchObject({ rules: [{ id: 'fulfil-order' }], starts: [{ alreadyStarted: false }], waiters: [], lagMs: 1500 });
    expect(marked).toEqual([order.id]);
    expect(seen.lines.map(([message]) => message)).toEqual(['execution started', 'event routed']);
    expect(seen.lines[1]?.[1]).toMatchObject({ eventId: order.id, correlationId: 'o-1', ruleIds: ['fulfil-order'], lagMs: 1500, via: 'stream' });
    expect(seen.counts).toEqual([
      ['ExecutionsStarted', 1],
      ['WorkflowsStarted', 1, 'order_fulfilment'],
      ['EventsRouted', 1],
      ['RulesMatched', 1],
      ['RoutingLag', 1500],
    ]);
  });

  it('counts no start for an execution that was already started, and no lag without a receipt time', async () => {
    const { starter } = aStarter();
    const order = anEvent('order.placed');
    await new EventRouter({ ruleSet: RULES, starter, clock }).route(order);
    const seen = recorders();

    const outcome = await new EventRouter({ ruleSet: RULES, starter, ...seen, clock }).route(order);

    expect(outcome.starts).toEqual([expect.objectContaining({ alreadyStarted: true })]);
    expect(outcome).not.toHaveProperty('lagMs');
    expect(seen.counts).toEqual([
      ['EventsRouted', 1],
      ['RulesMatched', 1],
    ]);
  });

  it('starts a join when the event completes it, and completes the waiters of the event', async () => {
    const db = openDatabase(':memory:');
    const writes = new GroupCommit(db);
    const waiters = new SqliteWaiterStore(db, writes);
    const delivered: Array<[string, unknown]> = [];
    const waits = new CorrelationWaits({ waiters, tokens: { succeed: async (token, output) => (delivered.push([token, output]), true) }, clock: { now: () => NOW } });
    const { starter, started } = aStarter();
    const seen = recorders();
    const router = new EventRouter({ ruleSet: RULES, starter, joins: new SqliteJoinStore(db, writes), waits, ...seen, clock });
    await waiters.add({ token: 'token-1', correlationId: 'o-1', eventType: 'stock.reserved', expiresAt: new Date(NOW + 60_000).toISOString() });
    const stock = anEvent('stock.reserved');
    const observed: string[] = [];

    await router.route(anEvent('payment.received'));
    const outcome = await router.route(stock, {}, { started: (t) => void observed.push(t.executionName), waiterCompleted: (w) => void observed.push(w.token) });

    expect(started).toEqual([executionName('ship-when-ready', 'join\u0000o-1')]);
    expect(outcome.waiters).toEqual([{ token: 'token-1', eventId: stock.id, delivered: true }]);
    expect(delivered).toEqual([['token-1', stock]]);
    expect(observed).toEqual([executionName('ship-when-ready', 'join\u0000o-1'), 'token-1']);
    expect(seen.lines.map(([message]) => message)).toContain('waiter completed');
    expect(seen.counts).toContainEqual(['WaitersCompleted', 1]);
    db.close();
  });

  it('leaves the event unmarked when a start fails, for the retry', async () => {
    const marked: string[] = [];
    const router = new EventRouter({
      ruleSet: RULES,
      starter: { start: async () => Promise.reject(new Error('throttled')) },
      marks: { markRouted: async (id) => void marked.push(id) },
      clock,
    });

    await expect(router.route(anEvent('order.placed'))).rejects.toThrow('throttled');
    expect(marked).toEqual([]);
  });
});
