import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbRoutingMarks } from '../../lambdas/aws/dynamodb-routing-marks.js';
import { createEventsTable, startDynalite, uniqueTableName, type Dynalite } from '../support/dynalite.js';
import { describeRoutingMarksContract } from './routing-marks.contract.js';

let dynamo: Dynalite;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamo.client();
});

afterAll(async () => {
  await dynamo?.close();
});

describeRoutingMarksContract('DynamoDbRoutingMarks (on dynalite)', async ({ now }) => {
  const tableName = uniqueTableName('marks');
  await createEventsTable(client, tableName);
  const clock = { now };
  return {
    events: new DynamoDbEventStore({ client, tableName, clock }),
    marks: new DynamoDbRoutingMarks({ client, tableName, clock }),
    close: async () => undefined,
  };
});
