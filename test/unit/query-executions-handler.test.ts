import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { executionName, NO_EXECUTIONS, type EngineEvent, type Trigger } from '../../lambdas/core/index.js';
import { createQueryHandler, type QueryHttpHandler } from '../../lambdas/aws/http/query-http.js';
import { bodyOf, getCorrelation, getExecution, listExecutions } from '../support/api-gateway.js';
import { useDynalite } from '../support/dynalite.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();
const silent = new Logger({ logLevel: 'SILENT' });

const anOrder = (id: string, minute: number, orderId: string): EngineEvent => ({
  id,
  type: 'order.placed',
  source: 'shop',
  timestamp: at(minute),
  data: { orderId },
});
const triggerFor = (event: EngineEvent, ruleId: string, workflowId: string, correlationId: string): Trigger => ({
  workflowId,
  ruleId,
  executionName: executionName(ruleId, event.id),
  input: { event, rule: { id: ruleId, priority: 0 }, correlationId },
});

describe('query HTTP handler: executions (Events and State tables on dynalite)', () => {
  const dynalite = useDynalite();
  let query: QueryHttpHandler;
  const placed = anOrder('order-1', 0, 'o-1');
  const fulfil = triggerFor(placed, 'fulfil-order', 'order_fulfilment', 'o-1');
  const audit = triggerFor(placed, 'audit-orders', 'audit', 'o-1');

  beforeAll(async () => {
    const client = dynalite.client();
    const events = new DynamoDbEventStore({ client, tableName: await dynalite.eventsTable() });
    const executions = new DynamoDbExecutionStore({ client, tableName: await dynalite.stateTable() });
    await events.put(placed);
    await executions.record(fulfil, at(0));
    await executions.record(audit, at(1));
    await executions.finish(fulfil.executionName, { status: 'SUCCEEDED', stoppedAt: at(5), output: { outcome: 'confirmed' } });
    query = createQueryHandler({ events, executions, logger: silent });
  });

  it('answers GET /executions/{name} with one execution in the API shape', async () => {
    const answer = await query(getExecution(fulfil.executionName));

    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toEqual({
      name: fulfil.executionName,
      workflowId: 'order_fulfilment',
      ruleId: 'fulfil-order',
      eventId: 'order-1',
      correlationId: 'o-1',
      status: 'SUCCEEDED',
      startedAt: at(0),
      stoppedAt: at(5),
      output: { outcome: 'confirmed' },
    });
  });

  it('answers 404 for an execution it does not know', async () => {
    const answer = await query(getExecution('no-such-execution'));

    expect(answer.statusCode).toBe(404);
    expect(bodyOf(answer)).toMatchObject({ error: 'not_found', message: 'No execution named "no-such-execution"' });
  });

  it("lists an event's executions, and a correlation's narrowed by status", async () => {
    const byEvent = bodyOf(await query(listExecutions({ eventId: 'order-1' })));
    const running = bodyOf(await query(listExecutions({ correlationId: 'o-1', status: 'RUNNING' })));

    expect(byEvent.executions.map((e: { name: string }) => e.name)).toEqual([fulfil.executionName, audit.executionName]);
    expect(running).toEqual({ executions: [expect.objectContaining({ name: audit.executionName, status: 'RUNNING' })] });
  });

  it('pages GET /executions with a cursor', async () => {
    const first = bodyOf(await query(listExecutions({ correlationId: 'o-1', limit: '1' })));
    const second = bodyOf(await query(listExecutions({ correlationId: 'o-1', limit: '1', cursor: first.cursor })));

    expect(first.executions.map((e: { name: string }) => e.name)).toEqual([fulfil.executionName]);
    expect(second).toEqual({ executions: [expect.objectContaining({ name: audit.executionName })] });
  });

  it('lists every execution newest first without an event or a correlation, narrowed by workflow, status and time', async () => {
    const all = bodyOf(await query(listExecutions({})));
    const audits = bodyOf(await query(listExecutions({ workflowId: 'audit' })));
    const succeeded = bodyOf(await query(listExecutions({ status: 'SUCCEEDED' })));
    const early = bodyOf(await query(listExecutions({ from: at(0), to: at(1) })));

    expect(all.executions.map((e: { name: string }) => e.name)).toEqual([audit.executionName, fulfil.executionName]);
    expect(audits).toEqual({ executions: [expect.objectContaining({ name: audit.executionName, status: 'RUNNING' })] });
    expect(succeeded.executions).toEqual([expect.not.objectContaining({ output: expect.anything() })]);
    expect(succeeded.executions[0]).toMatchObject({ name: fulfil.executionName, stoppedAt: at(5) });
    expect(early.executions.map((e: { name: string }) => e.name)).toEqual([fulfil.executionName]);
  });

  it('pages the listing with a cursor, newest first', async () => {
    const first = bodyOf(await query(listExecutions({ limit: '1' })));
    const second = bodyOf(await query(listExecutions({ limit: '1', cursor: first.cursor })));

    expect(first.executions.map((e: { name: string }) => e.name)).toEqual([audit.executionName]);
    expect(second).toEqual({ executions: [expect.objectContaining({ name: fulfil.executionName })] });
  });

  it('answers 400 naming a limit above 1,000, a status Step Functions does not have, and a bad time', async () => {
    const tooMany = await query(listExecutions({ limit: '1001' }));
    const badStatus = await query(listExecutions({ eventId: 'order-1', status: 'DONE' }));
    const badTime = await query(listExecutions({ workflowId: 'audit', from: 'yesterday' }));

    expect(tooMany.statusCode).toBe(400);
    expect(bodyOf(tooMany).details).toEqual([{ path: 'limit', message: 'must be an integer from 1 to 1000' }]);
    expect(bodyOf(badStatus).details).toEqual([{ path: 'status', message: 'must be one of QUEUED, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED' }]);
    expect(bodyOf(badTime).details).toEqual([{ path: 'from', message: 'must be an ISO 8601 timestamp with a zone (Z or ±hh:mm) in the years 0000 to 9999' }]);
  });

  it("tells a correlation's story with its executions from the State table", async () => {
    const { timeline } = bodyOf(await query(getCorrelation('o-1')));

    expect(timeline.map((t: { kind: string; id: string }) => `${t.kind}:${t.id}`)).toEqual([
      'event:order-1',
      `execution:${fulfil.executionName}`,
      `execution:${audit.executionName}`,
    ]);
  });

  it('answers no executions where no State table is configured', async () => {
    const bare = createQueryHandler({ events: { query: async () => ({ events: [] }), get: async () => undefined }, executions: NO_EXECUTIONS, logger: silent });

    expect(bodyOf(await bare(listExecutions({ eventId: 'order-1' })))).toEqual({ executions: [] });
  });
});
