import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbRoutingMarks } from '../../lambdas/aws/dynamodb-routing-marks.js';
import { useDynalite } from '../support/dynalite.js';
import { describeRoutingMarksContract } from './routing-marks.contract.js';

const dynalite = useDynalite();

describeRoutingMarksContract('DynamoDbRoutingMarks (on dynalite)', async ({ now }) => {
  const client = dynalite.client();
  const tableName = await dynalite.eventsTable('marks');
  const clock = { now };
  return {
    events: new DynamoDbEventStore({ client, tableName, clock }),
    marks: new DynamoDbRoutingMarks({ client, tableName, clock }),
    close: async () => undefined,
  };
});
