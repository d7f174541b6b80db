import { Logger } from '@aws-lambda-powertools/logger';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { createIngestHandler } from '../../lambdas/aws/http/ingest-http.js';
import { RecordedWorkflowStarter } from '../../lambdas/aws/recorded-workflow-starter.js';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import {
  compileRules,
  EventRouter,
  executionName,
  FastPath,
  isEngineError,
  NO_METRICS,
  parseRules,
  ulid,
  type EngineEvent,
  type EngineMetrics,
} from '../../lambdas/core/index.js';
import { bodyOf, postEvent } from '../support/api-gateway.js';
import { useDynalite } from '../support/dynalite.js';

const ARNS = {
  order_fulfilment: 'arn:aws:states:us-east-1:123456789012:stateMachine:OrderFulfilment',
  fraud_check: 'arn:aws:states:us-east-1:123456789012:stateMachine:FraudCheck',
};
const EXPRESS = new Set(['fraud_check']);
const RULES = compileRules(
  parseRules(
    [
      'rules:',
      '  - id: fulfil-order',
      '    eventType: order.placed',
      '    workflow: order_fulfilment',
      '    priority: 10',
      '  - id: check-order',
      '    eventType: order.placed',
      '    workflow: fraud_check',
      '',
    ].join('\n'),
    'rules.yaml',
  ),
);

const NOW = Date.now();
const clock = { now: () => NOW };
let counter = 0;
const anOrder = (): EngineEvent => ({
  id: `evt-fast-${process.pid}-${++counter}`,
  type: 'order.placed',
  source: 'shop',
  timestamp: new Date(NOW).toISOString(),
  data: { orderId: `o-${counter}` },
  correlationId: `o-${counter}`,
});
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sfn = mockClient(SFNClient);
afterAll(() => sfn.restore());

/**
 * Step Functions as both paths meet it: a Standard name runs once (the same name and input again
 * answers as the first did, other input `ExecutionAlreadyExists`); Express never deduplicates. Each
 * call waits a random moment, so racing calls interleave. Answers the executions actually begun.
 */
function fakeStepFunctions(options: { throttleFirstOf?: Set<string> } = {}): StartExecutionCommandInput[] {
  const runs: StartExecutionCommandInput[] = [];
  const standard = new Map<string, string>();
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake(async (input: StartExecutionCommandInput) => {
    await pause(Math.floor(Math.random() * 4));
    const name = input.name as string;
    if (options.throttleFirstOf?.delete(name)) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const express = input.stateMachineArn === ARNS.fraud_check;
    if (!express && standard.has(name)) {
      if (standard.get(name) !== input.input) throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
    } else {
      standard.set(name, input.input as string);
      runs.push(input);
    }
    return { executionArn: `${input.stateMachineArn}:${name}`, startDate: new Date(NOW) };
  });
  return runs;
}

const counted = (): EngineMetrics & { counts: Record<string, number> } => {
  const counts: Record<string, number> = {};
  return { ...NO_METRICS, counts, count: (name, value = 1) => void (counts[name] = (counts[name] ?? 0) + value), countForWorkflow: () => undefined };
};

describe('the fast path and the stream router, on the same State table (dynalite)', () => {
  const dynalite = useDynalite();
  let fastPath: FastPath;
  let stream: EventRouter;
  let metrics: ReturnType<typeof counted>;

  beforeEach(async () => {
    const tableName = await dynalite.stateTable();
    const executions = new DynamoDbExecutionStore({ client: dynalite.client(), tableName, clock });
    const sfnStarter = new SfnWorkflowStarter({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArns: ARNS });
    // As lambdas/aws/wiring/fast-path.ts and routing.ts build them.
    const fastStarter = new RecordedWorkflowStarter({ starter: sfnStarter, executions, expressWorkflows: EXPRESS, clock, backoff: { tries: 1 }, firstOnly: true });
    const streamStarter = new RecordedWorkflowStarter({
      starter: sfnStarter,
      executions,
      expressWorkflows: EXPRESS,
      clock,
      lookFirst: true,
      backoff: { sleep: async () => undefined },
    });
    metrics = counted();
    fastPath = new FastPath({ router: new EventRouter({ ruleSet: RULES, starter: fastStarter, clock }), metrics });
    stream = new EventRouter({ ruleSet: RULES, starter: streamStarter, clock });
  });

  /** The stream's router as the event source mapping drives it: a record that fails is delivered again. */
  const routeByStream = async (event: EngineEvent) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await stream.route(event, { via: 'stream' });
      } catch (error) {
        if (!isEngineError(error) || !error.retryable || attempt >= 20) throw error;
        await pause(5);
      }
    }
  };

  it('starts every planned execution before the stream arrives, and the stream then starts nothing and sends no StartExecution', async () => {
    const runs = fakeStepFunctions();
    const event = anOrder();

    const outcome = await fastPath.run([event]);
    const callsAfterFastPath = sfn.commandCalls(StartExecutionCommand).length;
    const routed = await routeByStream(event);

    expect(outcome).toEqual({ started: 1, leftToStream: 0 });
    expect(runs.map((run) => run.name).sort()).toEqual(['check-order', 'fulfil-order'].map((rule) => expect.stringMatching(new RegExp(`^${rule}-`))));
    expect(callsAfterFastPath).toBe(2);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
    expect(routed.starts.map((start) => start.alreadyStarted)).toEqual([true, true]);
  });

  it('begins each execution exactly once when both paths race over many events', async () => {
    const runs = fakeStepFunctions();
    const events = Array.from({ length: 40 }, anOrder);

    await Promise.all(events.flatMap((event) => [fastPath.run([event]), pause(Math.floor(Math.random() * 3)).then(() => routeByStream(event))]));

    const names = runs.map((run) => run.name as string);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(events.length * 2);
  });

  it('never throws when a start fails: the event is left to the stream, which starts it once', async () => {
    const event = anOrder();
    const names = RULES.route(event).map((rule) => executionName(rule.id, event.id));
    const runs = fakeStepFunctions({ throttleFirstOf: new Set(names) });

    const outcome = await fastPath.run([event]);
    await routeByStream(event);

    expect(outcome).toEqual({ started: 0, leftToStream: 1 });
    expect(metrics.counts.FastPathLeftToStream).toBe(1);
    expect(runs.map((run) => run.name).sort()).toEqual([...names].sort());
  });
});

describe('the HTTP ingest with a fast path (store on dynalite)', () => {
  const dynalite = useDynalite();

  it('answers 202 and keeps the event stored when the fast path fails, and hands it new events only', async () => {
    const store = new DynamoDbEventStore({ client: dynalite.client(), tableName: await dynalite.eventsTable(), clock });
    const given: string[][] = [];
    const failing = new FastPath({
      router: {
        startPlanned: async (event) => {
          given.at(-1)?.push(event.id);
          throw new Error('Step Functions is down');
        },
      },
    });
    const ingest = createIngestHandler({
      store,
      envelope: { clock, ids: { newId: (t) => ulid(t, new Uint8Array(10).fill(7)) } },
      logger: new Logger({ logLevel: 'SILENT' }),
      fastPath: { run: (events) => (given.push([]), failing.run(events)) },
    });
    const event = { ...anOrder(), id: 'evt-fast-http-1' };

    const first = await ingest(postEvent(event));
    const second = await ingest(postEvent(event));

    expect(first.statusCode).toBe(202);
    expect(bodyOf(second)).toEqual({ id: event.id, duplicate: true });
    expect(await store.get(event.id)).toMatchObject({ id: event.id, type: 'order.placed' });
    expect(given).toEqual([[event.id]]);
  });
});
