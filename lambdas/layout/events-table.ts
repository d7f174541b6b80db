/**
 * The Events table's layout (see docs/architecture.md), shared by the CDK construct, the adapter and the tests
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
  /**
   * Sparse: an event is in it from its put (`unrouted` = a shard number) until the router REMOVEs
   * `unrouted` as it sets `routedAt`; the sweeper reads it for events stored but never routed.
   */
  byUnrouted: { indexName: 'byUnrouted', partitionKey: 'unrouted', sortKey: 'receivedAt' },
  /** When the router finished routing the event (ISO); the only attribute set after the put. */
  routedAttribute: 'routedAt',
  /** Sweeps that tried to route the event (a number), and when the sweeper gave up on it (ISO). */
  sweepsAttribute: 'sweeps',
  parkedAttribute: 'parkedAt',
} as const;

/** Every event's partition key starts with this; the table's other items (hour marks, `HOURS#…`) do not. */
export const EVENT_KEY_PREFIX = 'EVT#';

/** Write shards per hour in the `byTime` index: 16 × 1,000 WCU keeps 10k events/s off a hot partition. */
export const TIME_SHARDS = 16;

/** Shards of the `byUnrouted` index: writes of 10k events/s spread as in `byTime`. */
export const UNROUTED_SHARDS = TIME_SHARDS;

/** Days an event is kept unless the deployer says otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;
