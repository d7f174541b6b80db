/**
 * The Events and State tables on moto, as lib/event-store.ts and lib/state-table.ts declare them:
 * keys and indexes from the table layouts (lambdas/layout/), the stream view, TTL on.
 */
import { CreateTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput, type GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { EVENTS_TABLE } from '../../../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../../../lambdas/layout/state-table.js';
import type { AwsClients } from './aws-clients.js';

/** The Events table streams new images: the router reads the stored event from `NewImage`. */
export const EVENTS_STREAM_VIEW = 'NEW_IMAGE';

interface KeyedIndex {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

const LISTINGS: readonly string[] = [STATE_TABLE.byWorkflow.indexName, STATE_TABLE.byStatus.indexName];
/** The sparse indexes that hold keys only: the sweeper's unrouted events and the correlation metrics pass's activity. */
const KEYS_ONLY: readonly string[] = [EVENTS_TABLE.byUnrouted.indexName, STATE_TABLE.byActivity.indexName];

function tableDefinition(
  tableName: string,
  key: { partitionKey: string; sortKey?: string },
  indexes: readonly KeyedIndex[],
  streamView?: 'NEW_IMAGE',
): CreateTableCommandInput {
  const attributes = new Set([key.partitionKey, ...(key.sortKey === undefined ? [] : [key.sortKey]), ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])]);
  const globalIndexes: GlobalSecondaryIndex[] = indexes.map((index) => ({
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    // The constructs project everything (replay, timelines and execution lists read whole items), except the
    // sparse indexes that only need the keys, and the executions listings' (the listed fields only).
    Projection: LISTINGS.includes(index.indexName)
      ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...STATE_TABLE.listedFields] }
      : { ProjectionType: KEYS_ONLY.includes(index.indexName) ? 'KEYS_ONLY' : 'ALL' },
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [{ AttributeName: key.partitionKey, KeyType: 'HASH' }, ...(key.sortKey === undefined ? [] : [{ AttributeName: key.sortKey, KeyType: 'RANGE' as const }])],
    GlobalSecondaryIndexes: globalIndexes,
    ...(streamView === undefined ? {} : { StreamSpecification: { StreamEnabled: true, StreamViewType: streamView } }),
  };
}

/** The Events table as lib/event-store.ts declares it. */
export const eventsTableDefinition = (tableName: string): CreateTableCommandInput =>
  tableDefinition(tableName, { partitionKey: EVENTS_TABLE.partitionKey }, [EVENTS_TABLE.byTime, EVENTS_TABLE.byCorrelation, EVENTS_TABLE.byUnrouted], EVENTS_STREAM_VIEW);

/** The State table as lib/state-table.ts declares it. */
export const stateTableDefinition = (tableName: string): CreateTableCommandInput =>
  tableDefinition(tableName, { partitionKey: STATE_TABLE.partitionKey, sortKey: STATE_TABLE.sortKey }, [
    STATE_TABLE.byEvent,
    STATE_TABLE.byCorrelation,
    STATE_TABLE.byWorkflow,
    STATE_TABLE.byStatus,
    STATE_TABLE.byActivity,
  ]);

/** Creates a table and turns its TTL on; answers its stream ARN when it has one. */
async function createTable(clients: AwsClients, definition: CreateTableCommandInput, ttlAttribute: string): Promise<{ tableName: string; streamArn?: string }> {
  const { TableDescription } = await clients.dynamodb.send(new CreateTableCommand(definition));
  await clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: definition.TableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }));
  const streamArn = TableDescription?.LatestStreamArn;
  return { tableName: definition.TableName as string, ...(streamArn === undefined ? {} : { streamArn }) };
}

export async function createEventsTable(clients: AwsClients, tableName: string): Promise<{ tableName: string; streamArn: string }> {
  const { streamArn } = await createTable(clients, eventsTableDefinition(tableName), EVENTS_TABLE.ttlAttribute);
  if (streamArn === undefined) throw new Error(`the Events table ${tableName} was created without a stream`);
  return { tableName, streamArn };
}

export async function createStateTable(clients: AwsClients, tableName: string): Promise<{ tableName: string }> {
  await createTable(clients, stateTableDefinition(tableName), STATE_TABLE.ttlAttribute);
  return { tableName };
}
