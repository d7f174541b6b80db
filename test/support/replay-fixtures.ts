/**
 * Fixtures for the AWS replay tests: rules that route to three workflows, events spread over hours
 * (every time shard, pairs sharing a timestamp), the tables on dynalite, jobs and a run to their end,
 * and readers of the exact PutEvents calls an `aws-sdk-client-mock` stub received.
 */
import { createHash } from 'node:crypto';
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import { DynamoDbEventStore, toItem } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbReplayJobStore } from '../../lambdas/aws/dynamodb-replay-job-store.js';
import type { ReplayPageResult, ReplayPageRunner } from '../../lambdas/core/app/replay-page.js';
import {
  compileRules,
  newReplayJob,
  parseRules,
  ulid,
  type EngineEvent,
  type ReplayJob,
  type ReplayJobStore,
  type ReplayRequest,
  type RuleSet,
} from '../../lambdas/core/index.js';
import type { DynaliteTables } from './dynalite.js';

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

/** What an AWS replay test works on: events seeded in a fresh Events table, and a fresh State table for the jobs. */
export interface SeededReplayTables {
  stateTable: string;
  /** The whole hour the events start at. */
  base: number;
  events: EngineEvent[];
  store: DynamoDbEventStore;
  jobs: DynamoDbReplayJobStore;
}

/** Seeds `count` events over `hours` (see `eventsOverHours`) in a fresh Events table of `dynalite`, beside a fresh State table. */
export async function seedReplayTables(dynalite: DynaliteTables, count: number, hours: number): Promise<SeededReplayTables> {
  const client = dynalite.client();
  const eventsTable = await dynalite.eventsTable();
  const stateTable = await dynalite.stateTable();
  const base = replayBase();
  const events = eventsOverHours(count, base, hours);
  await seedEvents(client, eventsTable, events);
  return { stateTable, base, events, store: new DynamoDbEventStore({ client, tableName: eventsTable }), jobs: new DynamoDbReplayJobStore({ client, tableName: stateTable }) };
}

/** A running job over `[startMs, endMs)`. */
export function aJob(replayId: string, startMs: number, endMs: number, request: Partial<ReplayRequest> = {}): ReplayJob {
  return newReplayJob(replayId, { startTime: new Date(startMs).toISOString(), endTime: new Date(endMs).toISOString(), dryRun: false, ...request }, new Date().toISOString());
}

let jobCounter = 0;
/** Records a running job over `[startMs, endMs)`, kept a day, under a replay id unique in the test file; answers the id. */
export async function recordJob(jobs: Pick<ReplayJobStore, 'create'>, startMs: number, endMs: number, request: Partial<ReplayRequest> = {}): Promise<string> {
  const replayId = `R${String(++jobCounter).padStart(25, '0')}`;
  await jobs.create(aJob(replayId, startMs, endMs, request), Math.floor(Date.now() / 1000) + 86_400);
  return replayId;
}

/** Runs pages as the driver does, from the first, until the job ends (at most 100 pages). */
export async function runToEnd(runner: Pick<ReplayPageRunner, 'run'>, replayId: string): Promise<ReplayPageResult[]> {
  const results: ReplayPageResult[] = [];
  let input = { replayId, generation: 0, page: 0 };
  for (let i = 0; i < 100; i++) {
    const result = await runner.run(input);
    results.push(result);
    if (!result.more) return results;
    input = result;
  }
  throw new Error('the job did not end in 100 pages');
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
