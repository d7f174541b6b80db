/**
 * The Events table's layout (DESIGN §7), shared by the CDK construct, the adapter and the tests
 * so that the deployed table, the code that writes it and the emulated table cannot drift apart.
 * Deliberately free of SDK imports: the CDK app imports it too.
 */

/** Attribute and index names of the Events table. */
export const EVENTS_TABLE = {
  partitionKey: 'pk',
  /** Epoch seconds; DynamoDB's TTL deletes the item some time after. */
  ttlAttribute: 'expiresAt',
  byTime: { indexName: 'byTime', partitionKey: 'tpk', sortKey: 'tsk' },
  byCorrelation: { indexName: 'byCorrelation', partitionKey: 'cpk', sortKey: 'tsk' },
} as const;

/** Write shards per hour in the `byTime` index: 16 × 1,000 WCU keeps 10k events/s off a hot partition. */
export const TIME_SHARDS = 16;

/** Days an event is kept unless the deployer says otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;
