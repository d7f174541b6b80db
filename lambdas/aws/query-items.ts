/**
 * Every item a DynamoDB Query answers, page after page (following `LastEvaluatedKey`), unmarshalled;
 * a throttle or outage becomes a RetryableError naming what was being read. Stop iterating to stop
 * reading: no page is fetched before it is needed.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { classifySdkError } from './sdk-errors.js';

export async function* queryItems(client: DynamoDBClient, input: QueryCommandInput, reading: string): AsyncGenerator<Record<string, unknown>> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    let page;
    try {
      page = await client.send(new QueryCommand({ ...input, ...(start === undefined ? {} : { ExclusiveStartKey: start }) }));
    } catch (error) {
      throw classifySdkError(error, reading);
    }
    for (const item of page.Items ?? []) yield unmarshall(item);
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}
