/**
 * The correlation metrics on AWS, end to end but for the schedule: routed events counted in the State table (dynalite)
 * through the router's own recorder, the sweeper handler's pass closing the idle correlations, and what Powertools
 * prints — the EMF lines CloudWatch reads — with the exact metric names, units and values.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import { DynamoDbCorrelationCounters } from '../../lambdas/aws/dynamodb-correlation-counters.js';
import { createSweeperHandler } from '../../lambdas/aws/jobs/sweeper.js';
import { PowertoolsEngineMetrics } from '../../lambdas/aws/powertools-engine-metrics.js';
import { correlationRecorder } from '../../lambdas/aws/wiring/routing.js';
import {
  compileRules,
  CorrelationMetricsPass,
  EventRouter,
  NO_METRICS,
  parseRules,
  type ClosedCorrelation,
  type CorrelationCounterStore,
  type EngineEvent,
  type SweepReport,
} from '../../lambdas/core/index.js';
import { useDynalite } from '../support/dynalite.js';

const RULES = compileRules(
  parseRules(
    [
      'rules:',
      '  - id: fulfil-order',
      '    eventType: order.placed',
      '    workflow: order_fulfilment',
      '  - id: audit',
      '    eventType: [order.placed, order.paid]',
      '    workflow: audit',
      '',
    ].join('\n'),
    'rules.yaml',
  ),
);
const MINUTE = 60_000;
const NO_SWEEP: SweepReport = { found: 0, routed: [], failed: [], parked: [], skipped: 0, stoppedEarly: false };
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const anEvent = (id: string, type: string, correlationId: string | undefined, now: number): EngineEvent => ({
  id,
  type,
  source: 'shop',
  timestamp: new Date(now).toISOString(),
  ...(correlationId === undefined ? {} : { correlationId }),
  data: {},
});

/** The EMF documents Powertools prints to stdout while `work` runs. */
async function emfPrinted(work: () => Promise<void>): Promise<Array<Record<string, any>>> {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await work();
  } finally {
    write.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>)
    .filter((doc) => doc._aws !== undefined);
}

describe('the correlation metrics pass on the State table, as EMF', () => {
  const dynalite = useDynalite();
  /** The router with the counters on dynalite, through its own recorder, on the test's clock. */
  const aCountingRouter = async (clock: { ms: number }) => {
    const counters = new DynamoDbCorrelationCounters({ client: dynalite.client(), tableName: await dynalite.stateTable(), clock: { now: () => clock.ms } });
    const router = new EventRouter({
      ruleSet: RULES,
      starter: { start: async () => ({ alreadyStarted: false }) },
      correlations: correlationRecorder(counters, silent),
      clock: { now: () => clock.ms },
    });
    return { counters, router };
  };

  it('emits ActiveCorrelations and, once per idle correlation, CorrelationEvents, CorrelationWorkflows and CorrelationSpan', async () => {
    const clock = { ms: Date.now() };
    const { counters, router } = await aCountingRouter(clock);
    // order-1: placed, then 90 s later paid (audit again: one distinct workflow more only); order-2 comes later and stays active.
    await router.route(anEvent('e-1', 'order.placed', 'order-1', clock.ms));
    clock.ms += 90_000;
    await router.route(anEvent('e-2', 'order.paid', 'order-1', clock.ms));
    clock.ms += 6 * MINUTE;
    await router.route(anEvent('e-3', 'order.placed', 'order-2', clock.ms));
    clock.ms += MINUTE;
    const metrics = new Metrics({ namespace: 'edwe', serviceName: 'edwe-sweeper' });
    const pass = new CorrelationMetricsPass({ store: counters, metrics: new PowertoolsEngineMetrics(metrics), clock: { now: () => clock.ms } });
    const handler = createSweeperHandler({ sweeper: { sweep: async () => NO_SWEEP, routeByIds: async () => [] }, correlations: pass, logger: silent });

    const docs = await emfPrinted(async () => {
      await handler({ 'detail-type': 'Scheduled Event' });
      metrics.publishStoredMetrics();
    });

    expect(docs).toHaveLength(1);
    const [doc] = docs as [Record<string, any>];
    expect(doc._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'edwe',
        Dimensions: [['service']],
        Metrics: [
          { Name: 'CorrelationEvents', Unit: 'Count' },
          { Name: 'CorrelationWorkflows', Unit: 'Count' },
          { Name: 'CorrelationSpan', Unit: 'Seconds' },
          { Name: 'ActiveCorrelations', Unit: 'Count' },
        ],
      },
    ]);
    expect(doc).toMatchObject({ service: 'edwe-sweeper', CorrelationEvents: 2, CorrelationWorkflows: 2, CorrelationSpan: 90, ActiveCorrelations: 1 });
  });

  it('counts each event once when the stream delivers its batch again (a partial failure retried), as the router routes it twice', async () => {
    const clock = { ms: Date.now() };
    const { counters, router } = await aCountingRouter(clock);
    const batch = [anEvent('e-1', 'order.placed', 'order-5', clock.ms), anEvent('e-2', 'order.paid', 'order-5', clock.ms)];

    for (const event of batch) await router.route(event, { via: 'stream' });
    clock.ms += 5_000;
    for (const event of batch) await router.route(event, { via: 'stream' });
    clock.ms += 10 * MINUTE;

    expect(await counters.closeIdle(clock.ms - 5 * MINUTE, 10)).toEqual([
      { correlationId: 'order-5', firstMs: clock.ms - 10 * MINUTE - 5_000, lastMs: clock.ms - 10 * MINUTE - 5_000, events: 2, workflows: 2 },
    ]);
  });

  it('counts an event without a correlation id under the correlation its starts carry (the event id), as embedded does', async () => {
    const clock = { ms: Date.now() };
    const { counters, router } = await aCountingRouter(clock);

    await router.route(anEvent('lonely', 'order.placed', undefined, clock.ms));
    clock.ms += 10 * MINUTE;

    expect(await counters.closeIdle(clock.ms - 5 * MINUTE, 10)).toEqual([
      { correlationId: 'lonely', firstMs: clock.ms - 10 * MINUTE, lastMs: clock.ms - 10 * MINUTE, events: 0, workflows: 2 },
    ]);
  });
});

describe('CorrelationMetricsPass', () => {
  /** A store holding `idle` idle correlations, answering at most `limit` per call. */
  const aStore = (idle: number, kept = 0) => {
    let left = idle;
    const closeIdle = vi.fn(async (_horizon: number, limit: number): Promise<ClosedCorrelation[]> => {
      const n = Math.min(left, limit);
      left -= n;
      return Array.from({ length: n }, (_, i) => ({ correlationId: `c-${left + i}`, firstMs: 0, lastMs: 1000, events: 1, workflows: 0 }));
    });
    const store: CorrelationCounterStore = { record: async () => undefined, closeIdle, countKept: async () => left + kept };
    return { store, closeIdle };
  };
  const gauges = () => {
    const seen: number[] = [];
    return { seen, metrics: { ...NO_METRICS, gauge: (_: string, value: number) => void seen.push(value) } };
  };

  it('closes in rounds until one is short, with the horizon one window before now', async () => {
    const { store, closeIdle } = aStore(25, 3);
    const { seen, metrics } = gauges();

    const report = await new CorrelationMetricsPass({ store, metrics, clock: { now: () => 1_000_000 }, batch: 10 }).run();

    expect(report).toEqual({ closed: 25, active: 3, stoppedEarly: false });
    expect(closeIdle.mock.calls).toEqual([
      [700_000, 10],
      [700_000, 10],
      [700_000, 10],
    ]);
    expect(seen).toEqual([3]);
  });

  it('stops at the deadline and counts what it left as kept', async () => {
    const { store } = aStore(25);
    const clock = { ms: 1_000_000 };
    const { seen, metrics } = gauges();
    store.closeIdle = ((original) => async (h: number, l: number) => ((clock.ms += 1_000), original(h, l)))(store.closeIdle.bind(store));

    const report = await new CorrelationMetricsPass({ store, metrics, clock: { now: () => clock.ms }, batch: 10 }).run(1_001_500);

    expect(report).toEqual({ closed: 20, active: 5, stoppedEarly: true });
    expect(seen).toEqual([5]);
  });

  it('counts a pass that fails as CorrelationPassesFailed, in the sweeper’s EMF, for the alarm on passes that keep failing', async () => {
    const metrics = new Metrics({ namespace: 'edwe', serviceName: 'edwe-sweeper' });
    const throttled: CorrelationCounterStore = {
      record: async () => undefined,
      closeIdle: async () => {
        throw new Error('throttled');
      },
      countKept: async () => 0,
    };
    const pass = new CorrelationMetricsPass({ store: throttled, metrics: new PowertoolsEngineMetrics(metrics), clock: { now: () => 1_000_000 } });
    const handler = createSweeperHandler({ sweeper: { sweep: async () => NO_SWEEP, routeByIds: async () => [] }, correlations: pass, logger: silent });

    const docs = await emfPrinted(async () => {
      await expect(handler({ 'detail-type': 'Scheduled Event' })).resolves.toEqual(NO_SWEEP);
      metrics.publishStoredMetrics();
    });

    expect(docs).toHaveLength(1);
    expect(docs[0]?._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'CorrelationPassesFailed', Unit: 'Count' }]);
    expect(docs[0]).toMatchObject({ service: 'edwe-sweeper', CorrelationPassesFailed: 1 });
  });

  it('counts no failure for a pass that succeeds', async () => {
    const counted: string[] = [];
    const { store } = aStore(0);

    await new CorrelationMetricsPass({ store, metrics: { ...NO_METRICS, count: (name) => void counted.push(name) }, clock: { now: () => 1_000_000 } }).run();

    expect(counted).toEqual([]);
  });

  it('is run by the sweeper after a scheduled sweep only, and a pass that fails is logged without failing the sweep', async () => {
    const errors: string[] = [];
    const run = vi.fn(async () => {
      throw new Error('throttled');
    });
    const handler = createSweeperHandler({
      sweeper: { sweep: async () => NO_SWEEP, routeByIds: async () => [] },
      correlations: { run },
      logger: { ...silent, error: (message: string) => void errors.push(message) },
    });

    await handler({ eventIds: ['e-1'] });
    expect(run).not.toHaveBeenCalled();

    await expect(handler({ 'detail-type': 'Scheduled Event' })).resolves.toEqual(NO_SWEEP);
    expect(run).toHaveBeenCalledTimes(1);
    expect(errors).toEqual(['correlation metrics pass failed']);
  });
});
