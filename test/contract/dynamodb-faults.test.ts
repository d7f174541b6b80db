/**
 * The DynamoDB adapters' contracts again, on a client whose first attempts fail one time in three —
 * throttled, answered 500, or timed out after the write reached the table. Retries must make every
 * outcome what it is without faults: a put stored once and answered as such, a record kept once.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbEventStore, eventKey } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { injectFaults, type FaultLog } from '../support/aws-faults.js';
import { useDynalite } from '../support/dynalite.js';
import { describeEventStoreContract } from './event-store.contract.js';
import { aTrigger, describeExecutionStoreContract } from './execution-store.contract.js';

const dynalite = useDynalite();
const logs: FaultLog[] = [];
let faulty: DynamoDBClient | undefined;

/** A second client on dynalite's endpoint, with faults: the tables are created through the clean one. */
async function faultyClient(): Promise<DynamoDBClient> {
  if (faulty === undefined) {
    faulty = await cloneClient();
    logs.push(injectFaults(faulty, { rate: 1 / 3 }));
  }
  return faulty;
}
afterAll(() => faulty?.destroy());

async function cloneClient(): Promise<DynamoDBClient> {
  const config = dynalite.client().config;
  const endpoint = await config.endpoint?.();
  return new DynamoDBClient({ ...(endpoint === undefined ? {} : { endpoint }), region: await config.region(), credentials: await config.credentials(), maxAttempts: 3 });
}

describeEventStoreContract('DynamoDbEventStore (on dynalite, faults injected)', async ({ retentionDays, now }) => {
  const tableName = await dynalite.eventsTable();
  return {
    store: new DynamoDbEventStore({ client: await faultyClient(), tableName, retentionDays, clock: { now } }),
    expiresAtOf: async (id) => {
      const { Item } = await dynalite.client().send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: eventKey(id) } }, ConsistentRead: true }));
      return Item?.expiresAt?.N === undefined ? undefined : Number(Item.expiresAt.N);
    },
    close: async () => undefined,
  };
});

describeExecutionStoreContract('DynamoDbExecutionStore (on dynalite, faults injected)', async ({ now }) => ({
  store: new DynamoDbExecutionStore({ client: await faultyClient(), tableName: await dynalite.stateTable(), clock: { now } }),
  close: async () => undefined,
}));

describe('a write whose answer is lost (timed out after it reached the table)', () => {
  const at = (second: number) => new Date(Date.now() + second * 1000).toISOString();
  async function lossyStores() {
    const client = await cloneClient();
    injectFaults(client, { rate: 1, faults: ['timeout-after-send'], commands: ['PutItemCommand'] });
    const executions = new DynamoDbExecutionStore({ client, tableName: await dynalite.stateTable() });
    return { client, executions };
  }

  it('still answers a new event as new, not as a duplicate of itself', async () => {
    const { client } = await lossyStores();
    try {
      const store = new DynamoDbEventStore({ client, tableName: await dynalite.eventsTable() });
      const event = { id: 'lost-answer-1', type: 't', source: 's', timestamp: at(0), data: {} };
      expect(await store.put(event)).toEqual({ id: 'lost-answer-1', duplicate: false });
      expect(await store.put(event)).toEqual({ id: 'lost-answer-1', duplicate: true });
    } finally {
      client.destroy();
    }
  });

  it('still records a new execution as new, so its start is not taken for one already made', async () => {
    const { client, executions } = await lossyStores();
    try {
      expect(await executions.record(aTrigger(at, {}), at(0))).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('still claims a new Express start, so StartExecution is called', async () => {
    const { client, executions } = await lossyStores();
    try {
      expect((await executions.claim(aTrigger(at, {}), at(0))).kind).toBe('claimed');
    } finally {
      client.destroy();
    }
  });
});

describe('the fault injection itself', () => {
  it('injected every kind of fault into the runs above', () => {
    const kinds = new Set(logs.flatMap((log) => log.injected.map((i) => i.fault)));
    expect([...kinds].sort()).toEqual(['server', 'throttle', 'timeout-after-send']);
  });
});
