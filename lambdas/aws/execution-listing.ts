/**
 * `GET /executions` on the State table's indexes. An event's or a correlation's executions come from byEvent or
 * byCorrelation, oldest first. Without either, the sparse byWorkflow and byStatus indexes: each key is spread over
 * `STATE_TABLE.listingShards` partitions, so a listing reads every shard newest first (in parallel) and merges them
 * by (startedAt, name), descending.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ExecutionRecord } from '../core/execution.js';
import { EXECUTION_STATUSES, type ExecutionListing, type ExecutionQuery } from '../core/execution-query.js';
import { toApiExecution, toListedExecution, type ExecutionPage } from '../core/ports/executions.js';
import { encodeCursor } from '../core/query.js';
import { STATE_TABLE } from '../layout/state-table.js';
import { correlationIndexKey, eventIndexKey, executionSortKey, fromExecutionItem, statusIndexKey, workflowIndexKey } from './execution-item.js';
import { queryItems } from './query-items.js';
import { classifySdkError } from './sdk-errors.js';

/** What an event's or a correlation's listing reads of each record: the API's fields, never the input. */
const API_FIELDS = [
  'name',
  'workflowId',
  'ruleId',
  'ruleVersion',
  'eventId',
  'correlationId',
  'status',
  'startedAt',
  'stoppedAt',
  'output',
  'error',
  'redriveCount',
  'redrives',
];

/**
 * One page of executions of an event or a correlation, in (startedAt, name) order, narrowed by workflow and status.
 * The indexes are eventually consistent: a record written a moment ago may be missing.
 */
export async function listIndexedExecutions(client: DynamoDBClient, tableName: string, query: ExecutionQuery): Promise<ExecutionPage> {
  const byEvent = query.eventId !== undefined;
  const index = byEvent ? STATE_TABLE.byEvent : STATE_TABLE.byCorrelation;
  const names: Record<string, string> = { '#pk': index.partitionKey };
  const values: Record<string, unknown> = { ':pk': byEvent ? eventIndexKey(query.eventId as string) : correlationIndexKey(query.correlationId as string) };
  const filters: string[] = [];
  const filter = (attribute: string, value: string | undefined): void => {
    if (value === undefined) return;
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
    filters.push(`#${attribute} = :${attribute}`);
  };
  filter('workflowId', query.workflowId);
  filter('status', query.status);
  if (byEvent) filter('correlationId', query.correlationId);
  let keyCondition = '#pk = :pk';
  if (query.after !== undefined) {
    keyCondition += ' AND #sk > :after';
    names['#sk'] = index.sortKey;
    values[':after'] = executionSortKey(query.after.timestamp, query.after.id);
  }
  API_FIELDS.forEach((field, i) => (names[`#f${i}`] = field));
  const request: QueryCommandInput = {
    TableName: tableName,
    IndexName: index.indexName,
    KeyConditionExpression: keyCondition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall(values),
    ProjectionExpression: API_FIELDS.map((_, i) => `#f${i}`).join(', '),
    ...(filters.length === 0 ? {} : { FilterExpression: filters.join(' AND ') }),
  };
  const found: ExecutionRecord[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    // Each page asks only for what is still missing (plus one, to know whether more follow).
    const input: QueryCommandInput = { ...request, Limit: query.limit + 1 - found.length, ...(start === undefined ? {} : { ExclusiveStartKey: start }) };
    let page;
    try {
      page = await client.send(new QueryCommand(input));
    } catch (error) {
      throw classifySdkError(error, 'listing executions');
    }
    for (const item of page.Items ?? []) found.push(toApiExecution(fromExecutionItem(unmarshall(item))));
    start = page.LastEvaluatedKey;
  } while (start !== undefined && found.length <= query.limit);
  const executions = found.slice(0, query.limit);
  const last = executions[executions.length - 1];
  return found.length > query.limit && last !== undefined ? { executions, cursor: encodeCursor({ timestamp: last.startedAt, id: last.name }) } : { executions };
}

/**
 * With a workflow, its byWorkflow partitions (a status narrows them by filter); with a status alone, its
 * byStatus partitions; with neither, every status's. A page costs up to `limit + 1` items from each partition read.
 */
export async function listRecentExecutions(client: DynamoDBClient, tableName: string, listing: ExecutionListing): Promise<ExecutionPage> {
  const shards = Array.from({ length: STATE_TABLE.listingShards }, (_, shard) => shard);
  const byWorkflow = listing.workflowId !== undefined;
  const index = byWorkflow ? STATE_TABLE.byWorkflow : STATE_TABLE.byStatus;
  const statuses = listing.status === undefined ? EXECUTION_STATUSES : [listing.status];
  const partitions = byWorkflow
    ? shards.map((shard) => workflowIndexKey(listing.workflowId as string, shard))
    : statuses.flatMap((status) => shards.map((shard) => statusIndexKey(status, shard)));

  const names: Record<string, string> = { '#pk': index.partitionKey };
  const values: Record<string, unknown> = {};
  const filters: string[] = [];
  const upper = [listing.to, listing.before && executionSortKey(listing.before.timestamp, listing.before.id)].filter((v): v is string => v !== undefined).sort()[0];
  if (listing.from !== undefined && upper !== undefined && listing.from >= upper) return { executions: [] };
  let sortCondition = '';
  if (listing.from !== undefined && upper !== undefined) {
    // One condition on the sort key only, and BETWEEN includes its ends: the upper end is skipped when read.
    sortCondition = ' AND #sk BETWEEN :from AND :upper';
  } else if (listing.from !== undefined) sortCondition = ' AND #sk >= :from';
  else if (upper !== undefined) sortCondition = ' AND #sk < :upper';
  if (sortCondition !== '') names['#sk'] = index.sortKey;
  if (listing.from !== undefined) values[':from'] = listing.from;
  if (upper !== undefined) values[':upper'] = upper;
  if (byWorkflow && listing.status !== undefined) {
    names['#status'] = 'status';
    values[':status'] = listing.status;
    filters.push('#status = :status');
  }
  STATE_TABLE.listedFields.forEach((field, i) => (names[`#f${i}`] = field));
  const request = (partition: string): QueryCommandInput => ({
    TableName: tableName,
    IndexName: index.indexName,
    KeyConditionExpression: `#pk = :pk${sortCondition}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall({ ...values, ':pk': partition }) as Record<string, AttributeValue>,
    ProjectionExpression: STATE_TABLE.listedFields.map((_, i) => `#f${i}`).join(', '),
    ScanIndexForward: false,
    Limit: listing.limit + 1,
    ...(filters.length === 0 ? {} : { FilterExpression: filters.join(' AND ') }),
  });

  const newestOf = async (partition: string): Promise<ExecutionRecord[]> => {
    const found: ExecutionRecord[] = [];
    for await (const item of queryItems(client, request(partition), 'listing executions')) {
      if (executionSortKey(String(item.startedAt), String(item.name)) === upper) continue;
      found.push(toListedExecution(fromExecutionItem(item)));
      if (found.length > listing.limit) break;
    }
    return found;
  };
  const sortKey = (e: ExecutionRecord) => executionSortKey(e.startedAt, e.name);
  const merged = (await Promise.all(partitions.map(newestOf))).flat().sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : sortKey(a) > sortKey(b) ? -1 : 0));
  const executions = merged.slice(0, listing.limit);
  const last = executions[executions.length - 1];
  return merged.length > listing.limit && last !== undefined ? { executions, cursor: encodeCursor({ timestamp: last.startedAt, id: last.name }) } : { executions };
}
