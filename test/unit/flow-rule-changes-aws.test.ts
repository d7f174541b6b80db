/**
 * Flow control following a managed rule that changes or goes while its triggers wait, as the AWS home runs it: the rules
 * API's catalog, a router and a wake-up consumer each on its own `RefreshingRuleSet` (confirmed
 * before it ends or starts what waits for a rule it does not find), flow state and execution records on dynalite, starts
 * through the production starter with StartExecution stubbed. Fake clock; wake-ups handed to the consumer as SQS would.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createFlowWakeHandler } from '../../lambdas/aws/jobs/flow-wake.js';
import { wakeUpBody } from '../../lambdas/aws/sqs-wake-ups.js';
import { FlowControl, planTriggers, RefreshingRuleSet, RULE_REMOVED_ERROR, RuleCatalog, type EngineEvent, type WakeUp } from '../../lambdas/core/index.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteRuleStore } from '../../lambdas/embedded/sqlite-rule-store.js';
import { awsFlowParts, stubStartExecution } from '../support/aws-flow-parts.js';
import { useDynalite } from '../support/dynalite.js';

const ID = 'r';
const REFRESH_MS = 10_000;
const START = Date.parse(new Date().toISOString().slice(0, 10)) + 3_600_000;

const dynalite = useDynalite();
const sfn = mockClient(SFNClient);
afterAll(() => sfn.restore());

async function anAwsEngine() {
  let now = START;
  const clock = { now: () => now };
  const { executions, store, starter } = await awsFlowParts(dynalite, clock);
  // The rule store on SQLite: dynalite has no TransactWriteItems (the DynamoDB rule store is proven in test/aws/).
  const rules = new SqliteRuleStore(openDatabase(':memory:'));
  const open = () => RuleCatalog.open({ store: rules, files: [], workflows: new Set(['w']), audit: async () => {}, clock });
  const api = await open();
  const queue: WakeUp[] = [];
  /** One function's flow control (a Lambda container): its own rule set, at most REFRESH_MS late. */
  const aFunction = () => {
    const ruleSet = new RefreshingRuleSet({ files: { rules: [], route: () => [] }, open, clock, refreshMs: REFRESH_MS });
    const flow = new FlowControl({
      ruleSet,
      refreshRules: () => ruleSet.fresh(),
      confirmRules: () => ruleSet.confirm(),
      store,
      executions,
      starter,
      clock,
      wakeUps: { schedule: async (w) => void queue.push(...w) },
    });
    return { ruleSet, flow };
  };
  const router = aFunction();
  const waker = aFunction();
  const consumer = createFlowWakeHandler({ wake: (w) => waker.flow.wake(w), scheduler: { schedule: async () => {} }, clock, logger: new Logger({ logLevel: 'SILENT' }) });
  let seq = 0;
  return {
    put: (fields: Record<string, unknown>) => api.put(ID, { eventType: 'thing.happened', workflow: 'w', ...fields }, { by: 'admin' }),
    api,
    executions,
    /** The router: its set refreshed, each matching rule's trigger offered. */
    route: async (data: Record<string, unknown>) => {
      const event: EngineEvent = { id: `e-${++seq}`, type: 'thing.happened', source: 't', timestamp: new Date(now).toISOString(), data };
      await router.ruleSet.fresh();
      const matched = router.ruleSet.route(event);
      for (const trigger of planTriggers(event, matched)) await router.flow.offer(matched.find((r) => r.id === trigger.ruleId) as never, trigger);
    },
    /** Time passes; the wake-ups due by then go to the consumer in one SQS batch. */
    advance: async (ms: number) => {
      now += ms;
      const due = queue.filter((w) => Date.parse(w.dueAt) <= now);
      for (const w of due) queue.splice(queue.indexOf(w), 1);
      const records = due.map((w, i) => ({ messageId: `m-${i}`, body: wakeUpBody(w), attributes: { ApproximateReceiveCount: '1' } }));
      expect(await consumer({ Records: records } as unknown as SQSEvent)).toEqual({ batchItemFailures: [] });
    },
    /** An execution ends, told to a lifecycle function of its own (its set read now). */
    end: async (name: string) => {
      await executions.finish(name, { status: 'SUCCEEDED', stoppedAt: new Date(now).toISOString() });
      await aFunction().flow.release((await executions.get(name)) as NonNullable<Awaited<ReturnType<typeof executions.get>>>);
    },
    warm: () => waker.ruleSet.fresh(),
    list: async () => (await executions.recent({ limit: 50 })).executions,
  };
}

const started = () => sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name as string);

describe('flow control on AWS when a managed rule changes or goes while triggers wait (dynalite, fake clock)', () => {
  beforeEach(() => stubStartExecution(sfn));

  it('deleted: a wake-up once the consumer follows the change (within ruleRefreshSeconds) ends the debounce window ABORTED', async () => {
    const engine = await anAwsEngine();
    await engine.put({ debounce: { period: '10s', key: 'data.tenant' } });
    await engine.warm();
    await engine.route({ tenant: 'acme' });
    await engine.api.delete(ID, { by: 'admin' });
    await engine.advance(REFRESH_MS);

    expect(started()).toEqual([]);
    expect(await engine.list()).toMatchObject([{ status: 'ABORTED', error: { error: RULE_REMOVED_ERROR, cause: 'rule deleted' } }]);
  });

  it('flow fields removed: the throttle queue starts whole at its wake-up, in event order', async () => {
    const engine = await anAwsEngine();
    await engine.put({ throttle: { limit: 1, period: '1m', key: 'data.tenant' } });
    for (let i = 0; i < 3; i++) await engine.route({ tenant: 'acme' });
    expect(started()).toHaveLength(1);
    await engine.put({});
    await engine.advance(60_000);

    const records = await engine.list();
    const nameOf = (eventId: string) => records.find((e) => e.eventId === eventId)?.name;
    expect(started()).toEqual(['e-1', 'e-2', 'e-3'].map(nameOf));
    expect(records.every((e) => e.status === 'RUNNING')).toBe(true);
  });

  it('key changed: the old bucket’s concurrency queue starts as its executions end, found by the key their rule version read', async () => {
    const engine = await anAwsEngine();
    await engine.put({ concurrency: { limit: 1, key: 'data.tenant' } });
    for (let i = 0; i < 2; i++) await engine.route({ tenant: 'acme', region: 'eu' });
    await engine.put({ concurrency: { limit: 1, key: 'data.region' } });
    await engine.end(started()[0] as string);

    expect(started()).toHaveLength(2);
    expect((await engine.list()).map((e) => e.status).sort()).toEqual(['RUNNING', 'SUCCEEDED']);
  });
});
