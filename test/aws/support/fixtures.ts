/** Events for the AWS tier, and reading the Events table back the way the layout says an event is kept. */
import { GetItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { eventKey } from '../../../lambdas/aws/event-item.js';
import { EVENT_KEY_PREFIX, EVENTS_TABLE } from '../../../lambdas/layout/events-table.js';

let counter = 0;
/** An event id unique within the run, readable in failures: `evt-<label>-<n>`. */
export const anId = (label = 'event'): string => `evt-${label}-${process.pid}-${++counter}`;

/** The seed's example: a user registers (premium unless `data` says otherwise). */
export const aRegistration = (overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  id: anId('registration'),
  type: 'user_registration',
  source: 'web-app',
  timestamp: '2026-03-04T05:06:07.000Z',
  data: { userId: 'u-123', email: 'ada@example.com', user_type: 'premium', ...data },
  ...overrides,
});

/** The stored item of an event, as plain JavaScript, or undefined. */
export async function storedItem(dynamodb: DynamoDBClient, tableName: string, id: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: marshall({ [EVENTS_TABLE.partitionKey]: eventKey(id) }), ConsistentRead: true }));
  return Item === undefined ? undefined : unmarshall(Item);
}

/** The event an item keeps (its `body`), or undefined. */
export async function storedEvent(dynamodb: DynamoDBClient, tableName: string, id: string): Promise<Record<string, unknown> | undefined> {
  const item = await storedItem(dynamodb, tableName, id);
  return item === undefined ? undefined : (JSON.parse(item.body as string) as Record<string, unknown>);
}

/** Every stored event (a Scan: the tables here hold tens of items; hour marks and other items left out). */
export async function allStoredEvents(dynamodb: DynamoDBClient, tableName: string): Promise<Array<Record<string, unknown>>> {
  const events: Array<Record<string, unknown>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ...(start === undefined ? {} : { ExclusiveStartKey: start }) }));
    const items = (page.Items ?? []).map((item) => unmarshall(item)).filter((item) => String(item[EVENTS_TABLE.partitionKey]).startsWith(EVENT_KEY_PREFIX));
    events.push(...items.map((item) => JSON.parse(item.body as string) as Record<string, unknown>));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return events;
}
