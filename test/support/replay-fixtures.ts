/**
 * Fixtures for the AWS replay tests: rules that route to three workflows, events spread over hours
 * (every time shard, pairs sharing a timestamp), the tables on dynalite, a job, and readers of the
 * exact PutEvents calls an `aws-sdk-client-mock` stub received.
 */
import { createHash } from 'node:crypto';
import { BatchWriteItemCommand, CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import { toItem } from '../../lambdas/aws/dynamodb-event-store.js';
import { STATE_TABLE } from '../../lambdas/layout/state-table.js';
import { compileRules, newReplayJob, parseRules, ulid, type EngineEvent, type ReplayJob, type ReplayRequest, type RuleSet } from '../../lambdas/core/index.js';

/** Premium registrations → onboarding; placed orders → fulfilment; confirmed orders → confirmation. */
export const REPLAY_RULES_YAML = `
rules:
  - id: premium-onboarding
    eventType: user_registration
    workflow: onboarding_workflow
    priority: 100
    conditions:
      - field: user_type
        value: premium
  - id: fulfil-order
    eventType: order.placed
    workflow: order_fulfilment
    correlateBy: data.orderId
  - id: send-order-confirmation
    eventType: order.confirmed
    workflow: send_confirmation
`;

export const replayRules = () => parseRules(REPLAY_RULES_YAML, 'replay-rules.yaml');
export const replayRuleSet = (): RuleSet => compileRules(replayRules());
export const REPLAY_WORKFLOWS: ReadonlySet<string> = new Set(['onboarding_workflow', 'order_fulfilment', 'send_confirmation']);

/** A whole hour two days before now: inside any retention, fixed for the test file. */
export const replayBase = (): number => Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;

const KINDS = [
  (i: number) => ({ type: 'user_registration', data: { userId: `u-${i}`, user_type: 'premium' } }),
  (i: number) => ({ type: 'user_registration', data: { userId: `u-${i}`, user_type: 'free' } }),
  (i: number) => ({ type: 'order.placed', data: { orderId: `o-${i}` } }),
  (i: number) => ({ type: 'order.confirmed', data: { orderId: `o-${i}` } }),
];

/**
 * `count` events from `startMs` over `hours`, in pairs that share a millisecond (so the id breaks the
 * tie); kinds cycle premium, free, placed, confirmed. Ids are ULIDs whose random part comes from the
 * index, so they spread over every time shard.
 */
export function eventsOverHours(count: number, startMs: number, hours: number): EngineEvent[] {
  const step = (hours * 3_600_000) / Math.ceil(count / 2);
  return Array.from({ length: count }, (_, i) => {
    const timestamp = startMs + Math.floor(Math.floor(i / 2) * step);
    const random = createHash('sha256').update(`fixture-${i}`).digest().subarray(0, 10);
    const kind = KINDS[i % KINDS.length] as (typeof KINDS)[number];
    return { id: ulid(timestamp, random), source: 'replay-fixture', timestamp: new Date(timestamp).toISOString(), ...kind(i) };
  });
}

/** Stores events the way the store lays them out, 25 to a BatchWriteItem, several in flight. */
export async function seedEvents(client: DynamoDBClient, tableName: string, events: readonly EngineEvent[]): Promise<void> {
  const receivedAtMs = Date.now();
  const chunks: EngineEvent[][] = [];
  for (let i = 0; i < events.length; i += 25) chunks.push(events.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++] as EngineEvent[];
        const items = chunk.map((event) => ({ PutRequest: { Item: marshall(toItem(event, { receivedAtMs, retentionDays: 30 }), { removeUndefinedValues: true }) } }));
        const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: items } }));
        if (Object.keys(UnprocessedItems ?? {}).length > 0) throw new Error('dynalite left items unprocessed');
      }
    }),
  );
}

/** A State table with the deployed keys (the indexes replay does not use are left out). */
export async function createReplayStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [STATE_TABLE.partitionKey, STATE_TABLE.sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: STATE_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: STATE_TABLE.sortKey, KeyType: 'RANGE' },
      ],
    }),
  );
}

/** A running job over `[startMs, endMs)`. */
export function aJob(replayId: string, startMs: number, endMs: number, request: Partial<ReplayRequest> = {}): ReplayJob {
  return newReplayJob(replayId, { startTime: new Date(startMs).toISOString(), endTime: new Date(endMs).toISOString(), dryRun: false, ...request }, new Date().toISOString());
}

/** The events a replay of the window should select: in the window, chosen by `keep`, in (timestamp, id) order. */
export function expectedIds(events: readonly EngineEvent[], startMs: number, endMs: number, keep: (event: EngineEvent) => boolean): string[] {
  const lo = new Date(startMs).toISOString();
  const hi = new Date(endMs).toISOString();
  return events
    .filter((e) => e.timestamp >= lo && e.timestamp < hi && keep(e))
    .sort((a, b) => (a.timestamp === b.timestamp ? (a.id < b.id ? -1 : 1) : a.timestamp < b.timestamp ? -1 : 1))
    .map((e) => e.id);
}

/** Every PutEvents call the stub received, each as its entries, in order. */
export function putEventsCalls(stub: AwsStub<any, any, any>): PutEventsRequestEntry[][] {
  return stub.commandCalls(PutEventsCommand).map((call: { args: [PutEventsCommand] }) => call.args[0].input.Entries ?? []);
}

/** The original event id an entry replays. */
export const originalIdOf = (entry: PutEventsRequestEntry): string => (JSON.parse(entry.Detail as string) as { replay: { originalEventId: string } }).replay.originalEventId;

/** The stub answers every PutEvents with success for each entry. */
export function acceptAll(stub: AwsStub<any, any, any>): void {
  stub.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `eb-${i}` })),
  }));
}
