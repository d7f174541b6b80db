import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbReplayJobStore } from '../../lambdas/aws/dynamodb-replay-job-store.js';
import { useDynalite } from '../support/dynalite.js';
import { aReplayJob, describeReplayJobStoreContract } from './replay-job-store.contract.js';

const dynalite = useDynalite();
let client: DynamoDBClient;
let tableName: string;

beforeAll(async () => {
  client = dynalite.client();
  tableName = await dynalite.stateTable();
});

// One State table for the file: every job of the suite has its own id.
describeReplayJobStoreContract('DynamoDbReplayJobStore (on dynalite)', async () => ({
  store: new DynamoDbReplayJobStore({ client, tableName }),
  close: async () => undefined,
}));

describe('DynamoDbReplayJobStore item layout (on dynalite)', () => {
  it('keeps a job at REPLAY#<id> / JOB with its fields, version 0 and the TTL', async () => {
    const store = new DynamoDbReplayJobStore({ client, tableName });
    const job = aReplayJob();
    const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
    await store.create(job, expiresAt);

    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: DynamoDbReplayJobStore.key(job.replayId) }));

    expect(unmarshall(Item!)).toEqual({ pk: `REPLAY#${job.replayId}`, sk: 'JOB', ...job, version: 0, failures: [], expiresAt });
    expect(await store.get(job.replayId)).toEqual({ job, version: 0, failures: [] });
  });
});
