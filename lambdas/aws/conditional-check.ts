/**
 * DynamoDB's "the condition did not hold" answer, told apart from every other failure, and the
 * write-once put the stores build on it.
 */
import { ConditionalCheckFailedException, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { classifySdkError } from './sdk-errors.js';

/** True when a conditional write was refused because its condition was false (not a fault). */
export function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');
}

/** Where `putIfAbsent` writes, and what the write is for (named in the errors it throws). */
export interface PutIfAbsentTarget {
  client: DynamoDBClient;
  tableName: string;
  /** The table's partition key attribute: an item with this key already there keeps its place. */
  partitionKey: string;
  /** What the write does, e.g. `storing event 01J…`. */
  what: string;
}

/**
 * Writes `item` unless an item with its key exists: true when written, false when the key was taken.
 * @throws RetryableError (throttling, server faults), or the SDK's own error, as `classifySdkError` sorts them
 */
export async function putIfAbsent(target: PutIfAbsentTarget, item: object): Promise<boolean> {
  return putWhen(target, item, { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': target.partitionKey } });
}

/** The condition a put must meet: an expression over the item already there, and what it names. */
export interface PutCondition {
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/**
 * Writes `item` (its undefined attributes left out) when the condition holds: true when written, false when not.
 * @throws RetryableError (throttling, server faults), or the SDK's own error, as `classifySdkError` sorts them
 */
export async function putWhen(target: Omit<PutIfAbsentTarget, 'partitionKey'>, item: object, condition: PutCondition): Promise<boolean> {
  try {
    await target.client.send(new PutItemCommand({ TableName: target.tableName, Item: marshall(item, { removeUndefinedValues: true }), ...condition }));
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw classifySdkError(error, target.what);
  }
}
