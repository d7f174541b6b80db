/**
 * Execution actions on AWS end to end below API Gateway: the API adapter and the bulk action driver's step on the
 * DynamoDB execution and replay job stores (dynalite), acting through SfnWorkflowControl (Step Functions mocked: the
 * exact commands are asserted). A bulk action is recorded, driven step by step, survives a step that crashed after
 * acting and before saving, or after writing a redrive to the record and before sending it, and acts on each execution once; a QUEUED execution is stopped without Step Functions.
 */
import { RedriveExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { DynamoDbFlowStateStore } from '../../lambdas/aws/dynamodb-flow-state-store.js';
import { DynamoDbReplayJobStore } from '../../lambdas/aws/dynamodb-replay-job-store.js';
import { createExecutionActionsHandler } from '../../lambdas/aws/http/execution-actions-http.js';
import { createBulkActionStepHandler, type BulkActionStepResult } from '../../lambdas/aws/jobs/bulk-action-step.js';
import { redriveToken, SfnWorkflowControl } from '../../lambdas/aws/sfn-workflow-control.js';
import { BulkActions, ExecutionActions, ExecutionLifecycle, executionName, queuedStops, type EngineEvent } from '../../lambdas/core/index.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { useDynalite } from '../support/dynalite.js';

const PREFIX = 'arn:aws:states:eu-west-1:123456789012:stateMachine:edwe-';
const EXECUTIONS = 'arn:aws:states:eu-west-1:123456789012:execution:edwe-order_fulfilment:';
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const ROLE = 'arn:aws:sts::123456789012:assumed-role/ops/ada';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const dynalite = useDynalite();
const sfn = mockClient(SFNClient);
beforeEach(() => {
  sfn.reset();
  sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date(NOW) });
  sfn.on(StopExecutionCommand).resolves({ stopDate: new Date(NOW) });
});

async function setUp() {
  const tableName = await dynalite.stateTable();
  const clock = { now: () => NOW };
  const executions = new DynamoDbExecutionStore({ client: dynalite.client(), tableName, clock });
  const jobs = new DynamoDbReplayJobStore({ client: dynalite.client(), tableName });
  const skips = new DynamoDbFlowStateStore({ client: dynalite.client(), tableName, retentionDays: 30, clock });
  const events = new Map<string, EngineEvent>();
  const lifecycle = new ExecutionLifecycle({ executions, events: { put: async (e) => (events.set(e.id, e), { id: e.id, duplicate: false }) }, clock });
  const control = new SfnWorkflowControl({
    client: new SFNClient({ region: 'eu-west-1' }),
    stateMachineArns: (id) => `${PREFIX}${id}`,
    expressWorkflows: new Set(),
    starter: { start: async () => ({ alreadyStarted: false }) },
    clock,
  });
  const actions = new ExecutionActions({ executions, control, lifecycle, clock, queued: queuedStops({ executions, skips, clock }) });
  let ids = 0;
  const bulk = new BulkActions({ jobs, executions, actions, clock, newId: () => `01BULK${++ids}`, sleep: async () => undefined });
  const driven: string[] = [];
  const handler = createExecutionActionsHandler({ actions, bulk, driver: { start: async (id) => void driven.push(id) }, logger: quiet });
  const step = createBulkActionStepHandler({ bulk, logger: quiet });
  const call = async (method: string, resource: string, options: { body?: unknown; pathParameters?: Record<string, string> } = {}) => {
    const request = apiGatewayEvent({ method: method as 'GET', resource, ...options });
    request.requestContext.identity.userArn = ROLE;
    const answer = await handler(request);
    return { status: answer.statusCode, body: JSON.parse(answer.body) };
  };
  const trigger = (id: string) => {
    const event = { id, type: 'order.placed', source: 'shop', timestamp: iso(NOW - 60_000), data: {} };
    const name = executionName('fulfil-order', id);
    return {
      name,
      trigger: { workflowId: 'order_fulfilment', ruleId: 'fulfil-order', executionName: name, input: { event, rule: { id: 'fulfil-order', priority: 0 }, correlationId: id } },
    };
  };
  const record = async (id: string, end?: 'FAILED') => {
    const { name, trigger: t } = trigger(id);
    await executions.record(t, iso(NOW - 60_000));
    if (end) await executions.finish(name, { status: end, stoppedAt: iso(NOW - 30_000), error: { error: 'Boom' } });
    return name;
  };
  /** Runs the driver's loop as the state machine does: step after step while `more`, a thrown step run again. */
  const drive = async (actionId: string): Promise<{ steps: BulkActionStepResult[]; crashes: number }> => {
    const steps: BulkActionStepResult[] = [];
    let input = { replayId: actionId, generation: 0, page: 0 };
    let crashes = 0;
    for (let i = 0; i < 50; i++) {
      let result: BulkActionStepResult;
      try {
        result = await step(input, { getRemainingTimeInMillis: () => 300_000 });
      } catch {
        crashes++;
        continue;
      }
      steps.push(result);
      if (!result.more) break;
      input = { replayId: actionId, generation: result.generation, page: result.page };
    }
    return { steps, crashes };
  };
  return { call, record, trigger, drive, driven, jobs, executions, skips, events };
}

const redriven = () => sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input.executionArn);

describe('bulk actions on AWS (POST /executions/actions and the driver step)', () => {
  it('a dry run counts and previews without acting or driving; the action then redrives each one once, and GET shows it completed', async () => {
    const { call, record, drive, driven } = await setUp();
    const failed = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => record(`evt-${id}`, 'FAILED')));
    await record('evt-running');
    const body = { action: 'redrive', filter: { workflowId: 'order_fulfilment', status: 'FAILED' } };

    const dry = await call('POST', '/executions/actions', { body: { ...body, dryRun: true } });
    const started = await call('POST', '/executions/actions', { body });
    const { steps } = await drive(started.body.actionId);
    const view = await call('GET', '/executions/actions/{actionId}', { pathParameters: { actionId: started.body.actionId } });

    expect(dry).toMatchObject({ status: 202, body: { status: 'completed', matched: 5 } });
    expect([...dry.body.sample].sort()).toEqual([...failed].sort());
    expect(started).toMatchObject({ status: 202, body: { status: 'running', matched: 5 } });
    expect(driven).toEqual([started.body.actionId]);
    expect(steps.at(-1)).toMatchObject({ replayId: started.body.actionId, status: 'completed', more: false, continueAsNew: false });
    expect(view.body).toMatchObject({ status: 'completed', action: 'redrive', matched: 5, done: 5, failed: 0, progress: 1 });
    expect(redriven().sort()).toEqual(failed.map((name) => `${EXECUTIONS}${name}`).sort());
    expect(sfn.commandCalls(RedriveExecutionCommand)[0]?.args[0].input.clientToken).toMatch(/-redrive-1$/);
  });

  it('a step that crashed after acting and before saving its progress is run again: the redrive in flight is sent again with the same client token, the others once', async () => {
    const { call, record, drive, jobs, executions } = await setUp();
    const failed = await Promise.all(['a', 'b', 'c', 'd'].map((id) => record(`evt-${id}`, 'FAILED')));
    const save = jobs.saveProgress.bind(jobs);
    let saves = 0;
    // Each execution saves twice: what it is acting on, then its outcome. The 4th save is the second execution's outcome.
    jobs.saveProgress = async (...args) => {
      if (++saves === 4) throw new Error('the Lambda was killed here');
      return save(...args);
    };

    const started = await call('POST', '/executions/actions', { body: { action: 'redrive', filter: { status: 'FAILED' } } });
    const { crashes } = await drive(started.body.actionId);
    const view = await call('GET', '/executions/actions/{actionId}', { pathParameters: { actionId: started.body.actionId } });

    expect(crashes).toBe(1);
    const sends = sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input);
    expect(sends).toHaveLength(5);
    expect([...new Set(redriven())].sort()).toEqual(failed.map((name) => `${EXECUTIONS}${name}`).sort());
    // The one sent twice was sent with one token both times: Step Functions answers the second as the first (one redrive).
    const twice = sends.filter((input) => sends.filter((other) => other.executionArn === input.executionArn).length === 2);
    expect(twice).toHaveLength(2);
    expect(twice[0]?.clientToken).toBe(twice[1]?.clientToken);
    expect(view.body).toMatchObject({ status: 'completed', matched: 4, done: 4, failed: 0 });
    for (const name of failed) {
      expect(await executions.get(name)).toMatchObject({ status: 'RUNNING', redriveCount: 1, redrives: [{ by: `bulk:${started.body.actionId}` }] });
    }
  });

  it('a step that crashed after writing a redrive to the record and before sending it: the resumed step sends it, each execution redriven exactly once', async () => {
    const { call, record, drive, executions } = await setUp();
    const failed = await Promise.all(['a', 'b', 'c', 'd'].map((id) => record(`evt-${id}`, 'FAILED')));
    const write = executions.setRedrive.bind(executions);
    let writes = 0;
    executions.setRedrive = async (...args) => {
      const written = await write(...args);
      if (++writes === 2) throw new Error('the Lambda was killed here');
      return written;
    };

    const started = await call('POST', '/executions/actions', { body: { action: 'redrive', filter: { status: 'FAILED' } } });
    const { crashes } = await drive(started.body.actionId);
    const view = await call('GET', '/executions/actions/{actionId}', { pathParameters: { actionId: started.body.actionId } });

    expect(crashes).toBe(1);
    expect(sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input)).toEqual(
      expect.arrayContaining(failed.map((name) => ({ executionArn: `${EXECUTIONS}${name}`, clientToken: redriveToken(name, 1) }))),
    );
    expect(sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(4);
    expect(view.body).toMatchObject({ status: 'completed', matched: 4, done: 4, failed: 0, skipped: 0 });
    for (const name of failed) {
      expect(await executions.get(name)).toMatchObject({ status: 'RUNNING', redriveCount: 1, redrives: [{ by: `bulk:${started.body.actionId}` }] });
    }
  });

  it('a bulk stop sends StopExecution for each running execution, and a cancelled action acts on nothing more', async () => {
    const { call, record, drive } = await setUp();
    const running = await Promise.all(['a', 'b'].map((id) => record(`evt-${id}`)));

    const started = await call('POST', '/executions/actions', { body: { action: 'stop', filter: { status: 'RUNNING' } } });
    await drive(started.body.actionId);
    const other = await call('POST', '/executions/actions', { body: { action: 'stop', filter: { status: 'ABORTED' } } });
    const cancelled = await call('DELETE', '/executions/actions/{actionId}', { pathParameters: { actionId: other.body.actionId } });
    const { steps } = await drive(other.body.actionId);

    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual(
      expect.arrayContaining(running.map((name) => ({ executionArn: `${EXECUTIONS}${name}`, error: 'edwe.Stopped', cause: `stopped by bulk:${started.body.actionId}` }))),
    );
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(2);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', done: 0 });
    expect(steps).toEqual([expect.objectContaining({ status: 'cancelled', more: false })]);
  });

  it('a bulk stop whose step crashed after the stop and before saving: the resumed step counts it done and sends no second StopExecution', async () => {
    const { call, record, drive, jobs } = await setUp();
    await Promise.all(['a', 'b', 'c'].map((id) => record(`evt-${id}`)));
    const save = jobs.saveProgress.bind(jobs);
    let saves = 0;
    jobs.saveProgress = async (...args) => {
      if (++saves === 4) throw new Error('the Lambda was killed here');
      return save(...args);
    };

    const started = await call('POST', '/executions/actions', { body: { action: 'stop', filter: { status: 'RUNNING' } } });
    const { crashes } = await drive(started.body.actionId);
    const view = await call('GET', '/executions/actions/{actionId}', { pathParameters: { actionId: started.body.actionId } });

    expect(crashes).toBe(1);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(3);
    expect(new Set(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn)).size).toBe(3);
    expect(view.body).toMatchObject({ status: 'completed', matched: 3, done: 3, failed: 0, skipped: 0 });
  });

  it('refuses a bad request with 400 naming the field, and answers 404 for an unknown action', async () => {
    const { call } = await setUp();

    const bad = await call('POST', '/executions/actions', { body: { action: 'pause', filter: { status: 'FAILED' } } });
    const unknown = await call('GET', '/executions/actions/{actionId}', { pathParameters: { actionId: 'act-nope' } });

    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/action: must be "stop" or "redrive"/);
    expect(unknown.status).toBe(404);
  });
});

describe('POST /executions/{name}/stop of a QUEUED execution on AWS', () => {
  it('ends it ABORTED with its workflow.aborted event and the skip noted, without a StopExecution', async () => {
    const { call, trigger, executions, skips, events } = await setUp();
    const { name, trigger: held } = trigger('evt-queued');
    await executions.hold(held, iso(NOW - 10_000));

    const answer = await call('POST', '/executions/{name}/stop', { pathParameters: { name } });

    expect(answer).toMatchObject({ status: 200, body: { name, status: 'ABORTED', error: { error: 'edwe.Stopped', cause: `stopped by ${ROLE}` } } });
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
    expect(events.get(`${name}.aborted`)).toMatchObject({ type: 'workflow.aborted' });
    expect(await skips.skipsFor('evt-queued')).toEqual([{ eventId: 'evt-queued', ruleId: 'fulfil-order', reason: 'cancelled' }]);
  });
});

describe('the bulk action step (the driver’s task)', () => {
  const view = { status: 'running', done: 1, failed: 0, skipped: 0, matched: 9 } as never;

  it('continues as a new driver execution after its last step, the next generation from page 0', async () => {
    const budgets: number[] = [];
    const step = createBulkActionStepHandler({
      bulk: { run: async (_id, budgetMs) => (budgets.push(budgetMs ?? 0), true), get: async () => view },
      logger: quiet,
      maxStepsPerExecution: 2,
    });

    const first = await step({ replayId: 'act-1', generation: 0, page: 0 }, { getRemainingTimeInMillis: () => 300_000 });
    const second = await step({ replayId: 'act-1', generation: first.generation, page: first.page }, { getRemainingTimeInMillis: () => 300_000 });

    expect(first).toEqual({ replayId: 'act-1', generation: 0, page: 1, status: 'running', more: true, continueAsNew: false, waitSeconds: 0 });
    expect(second).toMatchObject({ generation: 1, page: 0, more: true, continueAsNew: true });
    // The invocation's time less what the longest pace wait and one action need.
    expect(budgets).toEqual([185_000, 185_000]);
  });

  it('refuses input that is not a step request, naming it, without running anything', async () => {
    let runs = 0;
    const step = createBulkActionStepHandler({ bulk: { run: async () => (runs++, false), get: async () => view }, logger: quiet });

    await expect(step({ generation: 0 })).rejects.toThrow(/not \{replayId, generation, page\}/);
    expect(runs).toBe(0);
  });
});
