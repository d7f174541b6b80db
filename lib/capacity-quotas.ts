/**
 * The AWS quotas and us-east-1 prices the capacity model (lib/capacity.ts, docs/capacity.md) works
 * with, each with where it was read and when. Default quotas per account and region; most are
 * adjustable in the Service Quotas console. Two region classes: `large` (us-east-1, us-west-2,
 * eu-west-1, where AWS publishes its highest defaults) and `small` (the "every other region" value).
 */

/** A region class: which column of a quota table applies. */
export type RegionClass = 'large' | 'small';

/** A quota by region class, and its source. */
export interface Quota {
  readonly large: number;
  readonly small: number;
  readonly unit: string;
  readonly source: string;
}

const SFN_QUOTAS = 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html';
const EB_QUOTAS = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html';

/** Read 2026-12-07. */
export const QUOTAS = {
  /** Account-level REST/HTTP API throttle (token bucket; the stage's own throttle is set below it). */
  apiGatewayRate: { large: 10_000, small: 10_000, unit: 'requests/s', source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html' },
  /** StartExecution of Standard workflows: bucket size and refill. */
  standardStartBurst: { large: 1_300, small: 800, unit: 'starts', source: SFN_QUOTAS },
  standardStartRefill: { large: 300, small: 150, unit: 'starts/s', source: SFN_QUOTAS },
  /** StartExecution of Express workflows (not confirmed from the page's text in this session: verify in Service Quotas). */
  expressStartBurst: { large: 6_000, small: 6_000, unit: 'starts', source: 'https://docs.aws.amazon.com/step-functions/latest/dg/express-limits.html' },
  expressStartRefill: { large: 6_000, small: 6_000, unit: 'starts/s', source: 'https://docs.aws.amazon.com/step-functions/latest/dg/express-limits.html' },
  /** PutEvents on all of an account's buses (the `small` value: us-east-2's, the next column published). */
  putEvents: { large: 10_000, small: 2_400, unit: 'requests/s', source: EB_QUOTAS },
  /** Rule target invocations ("every other supported region": 1,100/s). */
  targetInvocations: { large: 18_750, small: 1_100, unit: 'invocations/s', source: EB_QUOTAS },
  /** One DynamoDB partition (base table or index). */
  partitionWrites: { large: 1_000, small: 1_000, unit: 'WCU/s', source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html' },
  /** An on-demand table's default per-table throughput quota. */
  onDemandTableWrites: { large: 40_000, small: 40_000, unit: 'WRU/s', source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html' },
  /** Lambda concurrent executions per account and region. */
  lambdaConcurrency: { large: 1_000, small: 1_000, unit: 'concurrent', source: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html' },
  /** One Kinesis shard's writes: records and bytes. */
  kinesisShardRecords: { large: 1_000, small: 1_000, unit: 'records/s', source: 'https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html' },
  kinesisShardBytes: { large: 1_048_576, small: 1_048_576, unit: 'bytes/s', source: 'https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html' },
  /** Concurrent batches per DynamoDB stream shard (the event source mapping's parallelization factor). */
  parallelizationFactor: { large: 10, small: 10, unit: 'batches per shard', source: 'https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html' },
} as const satisfies Record<string, Quota>;

/** A unit price in US dollars (us-east-1, on-demand, no free tier), and its source. */
export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
}

/** us-east-1 list prices as recorded 2026-12-07 (check the pages before budgeting on them). */
export const PRICES = {
  apiGatewayRest: { usd: 3.5, per: 'million requests (first 333 M a month)', source: 'https://aws.amazon.com/api-gateway/pricing/' },
  lambdaRequests: { usd: 0.2, per: 'million requests', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaArmGbSecond: { usd: 0.0000133334, per: 'GB-second (arm64)', source: 'https://aws.amazon.com/lambda/pricing/' },
  dynamoWrite: { usd: 0.625, per: 'million write request units (on-demand)', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  dynamoRead: { usd: 0.125, per: 'million read request units (on-demand)', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  standardTransition: { usd: 0.025, per: 'thousand state transitions', source: 'https://aws.amazon.com/step-functions/pricing/' },
  expressRequest: { usd: 1.0, per: 'million Express requests', source: 'https://aws.amazon.com/step-functions/pricing/' },
  expressGbSecond: { usd: 0.00001667, per: 'GB-second of Express duration (64 MB, 100 ms steps)', source: 'https://aws.amazon.com/step-functions/pricing/' },
  logsIngested: { usd: 0.5, per: 'GB of CloudWatch Logs ingested', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
} as const satisfies Record<string, Price>;

/** A quota's value in a region class. */
export const quotaIn = (quota: Quota, regionClass: RegionClass): number => quota[regionClass];
