/**
 * Bulk actions on AWS's stores: the replay job store's DynamoDB adapter keeps a bulk action (`REPLAY#act-<id>`, beside
 * the replays it never collides with) and core's BulkActions runs it over the DynamoDB execution store on dynalite —
 * a dry run counts, a budgeted run (a Lambda page) stops and the next goes on from the cursor, each execution once.
 */
import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { DynamoDbReplayJobStore } from '../../lambdas/aws/dynamodb-replay-job-store.js';
import { BulkActions, executionName, parseBulkActionRequest } from '../../lambdas/core/index.js';
import { useDynalite } from '../support/dynalite.js';

const NOW = Date.now();
const iso = (ms: number): string => new Date(ms).toISOString();
const dynalite = useDynalite();

describe('BulkActions on the DynamoDB stores', () => {
  it('counts on a dry run, then stops 12 running executions over budgeted runs, each once', async () => {
    const client = dynalite.client();
    const tableName = await dynalite.stateTable();
    let ms = NOW;
    const clock = { now: () => ms };
    const executions = new DynamoDbExecutionStore({ client, tableName, clock });
    const names: string[] = [];
    for (let i = 0; i < 12; i++) {
      const event = { id: `evt-bulk-${i}`, type: 'order.placed', source: 'shop', timestamp: iso(NOW - 60_000 + i), data: {} };
      const name = executionName('fulfil-order', event.id);
      await executions.record(
        { workflowId: 'order_fulfilment', ruleId: 'fulfil-order', executionName: name, input: { event, rule: { id: 'fulfil-order', priority: 0 }, correlationId: event.id } },
        iso(NOW - 60_000 + i),
      );
      names.push(name);
    }
    const stopped = new Map<string, number>();
    let ids = 0;
    const bulk = new BulkActions({
      jobs: new DynamoDbReplayJobStore({ client, tableName }),
      executions,
      actions: {
        stop: async (name: string) => {
          ms += 1000;
          stopped.set(name, (stopped.get(name) ?? 0) + 1);
          await executions.finish(name, { status: 'ABORTED', stoppedAt: iso(ms) });
          return {} as never;
        },
        redrive: async () => ({}) as never,
        resendRedrive: async () => undefined,
      },
      clock,
      newId: () => `01TEST${++ids}`,
      sleep: async () => undefined,
    });
    const request = { action: 'stop', filter: { workflowId: 'order_fulfilment', status: 'RUNNING' } };

    const dry = await bulk.start(parseBulkActionRequest({ ...request, dryRun: true }));
    const run = await bulk.start(parseBulkActionRequest(request));
    const pages: boolean[] = [];
    for (let more = true; more; ) {
      more = await bulk.run(run.actionId, 5_000);
      pages.push(more);
    }

    expect(dry).toMatchObject({ status: 'completed', matched: 12, done: 0 });
    expect(pages).toEqual([true, true, false]);
    expect(await bulk.get(run.actionId)).toMatchObject({ status: 'completed', matched: 12, done: 12, failed: 0, progress: 1 });
    expect([...stopped.keys()].sort()).toEqual([...names].sort());
    expect([...stopped.values()].every((n) => n === 1)).toBe(true);
  });
});
