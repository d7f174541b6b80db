/**
 * An in-memory DynamoDB (dynalite) on 127.0.0.1 for contract and handler tests, driven by the real
 * SDK v3 client: `useDynalite()` starts it for a test file or `describe` block and closes it after.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { EVENTS_TABLE } from '../../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../../lambdas/layout/state-table.js';
import { EMULATOR_CLIENT_CONFIG, startLocalEmulator, type LocalEmulator } from './local-emulator.js';

// dynalite ships no type declarations; this is the part of its API the tests use.
type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

export type Dynalite = LocalEmulator<DynamoDBClient>;

/** Starts dynalite on a free port (tables become ACTIVE at once). */
export function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return startLocalEmulator(server, (endpoint) => new DynamoDBClient({ endpoint, ...EMULATOR_CLIENT_CONFIG }));
}

/** dynalite as a test file or `describe` block uses it: one shared client, and fresh tables on demand. */
export interface DynaliteTables {
  /** The client of the running dynalite (available from the first `beforeAll` on). */
  client(): DynamoDBClient;
  /** Creates a fresh Events table (the deployed keys and indexes) and answers its name. */
  eventsTable(prefix?: string): Promise<string>;
  /** Creates a fresh State table (the deployed keys and indexes) and answers its name. */
  stateTable(prefix?: string): Promise<string>;
}

/**
 * Starts dynalite in a `beforeAll` and closes it in an `afterAll` of the enclosing file or
 * `describe` block. Call it before the hooks that use it: `beforeAll` hooks run in the order given.
 */
export function useDynalite(): DynaliteTables {
  let dynamo: Dynalite | undefined;
  let shared: DynamoDBClient | undefined;
  beforeAll(async () => {
    dynamo = await startDynalite();
    shared = dynamo.client();
  });
  afterAll(async () => {
    await dynamo?.close();
  });
  const client = (): DynamoDBClient => {
    if (shared === undefined) throw new Error('dynalite is not running yet: use its client from a hook or a test');
    return shared;
  };
  return {
    client,
    async eventsTable(prefix = 'events') {
      const tableName = uniqueTableName(prefix);
      await createEventsTable(client(), tableName);
      return tableName;
    },
    async stateTable(prefix = 'state') {
      const tableName = uniqueTableName(prefix);
      await createStateTable(client(), tableName);
      return tableName;
    },
  };
}

/**
 * Creates an Events table with the deployed table's keys and indexes (lib/event-store.ts: byTime,
 * byCorrelation and the sparse byUnrouted), and waits
 * until it is ACTIVE: even with `createTableMs: 0` dynalite answers CreateTable while the table is
 * still CREATING, and on a busy machine the first PutItem can arrive before it flips.
 */
export async function createEventsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, byTime, byCorrelation, byUnrouted } = EVENTS_TABLE;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [partitionKey, byTime.partitionKey, byCorrelation.partitionKey, byTime.sortKey, byUnrouted.partitionKey, byUnrouted.sortKey].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [byTime, byCorrelation, byUnrouted].map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        // As lib/event-store.ts: the sweeper's index holds keys only.
        Projection: { ProjectionType: index === byUnrouted ? 'KEYS_ONLY' : 'ALL' },
      })),
    }),
  );
  await untilActive(client, tableName);
}

/** Creates a State table with the deployed table's keys and indexes (lib/state-table.ts), and waits until it is ACTIVE. */
export async function createStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, sortKey, byEvent, byCorrelation, byWorkflow, byStatus, byActivity, listedFields } = STATE_TABLE;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        partitionKey,
        sortKey,
        byEvent.partitionKey,
        byCorrelation.partitionKey,
        byWorkflow.partitionKey,
        byStatus.partitionKey,
        byEvent.sortKey,
        byActivity.partitionKey,
        byActivity.sortKey,
      ].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [byEvent, byCorrelation, byWorkflow, byStatus, byActivity].map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection:
          index === byWorkflow || index === byStatus
            ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...listedFields] }
            : { ProjectionType: index === byActivity ? 'KEYS_ONLY' : 'ALL' },
      })),
    }),
  );
  await untilActive(client, tableName);
}

async function untilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')) return;
    if (attempt > 200) throw new Error(`table ${tableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let tableCounter = 0;
/** A table name unique within the test run (dynalite needs at least 3 characters). */
export const uniqueTableName = (prefix = 'events'): string => `${prefix}-${process.pid}-${++tableCounter}`;
