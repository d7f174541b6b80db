/**
 * The State table's layout (see docs/architecture.md): executions, waiters, multi-event joins and replay jobs in
 * one table, each under its own key prefix. Shared by the CDK construct, the adapters and the tests
 * so that they cannot drift apart. Free of SDK imports: the CDK app imports it too.
 *
 * | item          | pk                                  | sk                        | indexes                                          |
 * |---------------|-------------------------------------|---------------------------|--------------------------------------------------|
 * | execution     | `EXEC#<executionName>`              | `EXEC`                    | byEvent `EVT#<eventId>`, byCorrelation `CORR#<id>`, byWorkflow `WF#<workflowId>#<shard>`, byStatus `ST#<status>#<shard>` (sort: `<startedAt>#<name>`) |
 * | waiter        | `WAIT#<correlationId>`              | `<eventType>#<tokenHash>` | —                                                |
 * | join progress | `JOIN#<ruleId>#<correlationId>`     | `<eventType>`             | —                                                |
 * | replay job    | `REPLAY#<replayId>`                 | `JOB`                     | —                                                |
 * | rule set      | `RULESET`                           | `RULESET`                 | — (the managed rules' revision)                  |
 * | managed rule  | `RULES`                             | `<ruleId>`                | —                                                |
 * | rule version  | `RULE#<ruleId>`                     | `V#<version, 10 digits>`  | —                                                |
 * | rule change   | `RULELOG`                           | `<revision, 12 digits>`   | —                                                |
 * | flow control  | `FLOW#<ruleId>#<key>`               | (lambdas/aws/dynamodb-flow-state-store.ts) | —                               |
 * | correlation activity | `CORR#<correlationId>`       | `ACTIVITY`                | byActivity `ACT#<shard>` (sort: the minute of its last activity) |
 *
 * byWorkflow and byStatus are sparse (only executions carry `wpk` / `spk`) and project only the listed
 * fields, not the input or the output. Each key is spread over `listingShards` partitions by a hash of the
 * execution's name: one busy workflow (or every SUCCEEDED execution) would otherwise write a single index
 * partition, which takes about 1,000 writes a second. A listing queries every shard newest first and merges.
 *
 * byActivity is sparse (only correlation activity items carry `apk`) and holds keys only: the correlation
 * metrics pass finds the idle ones there (lambdas/aws/dynamodb-correlation-counters.ts). Its sort key is the
 * minute, not the instant, so that an event of a correlation already active this minute writes the table only.
 */
export const STATE_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds: waiters and joins expire; executions and jobs follow the event retention. */
  ttlAttribute: 'expiresAt',
  byEvent: { indexName: 'byEvent', partitionKey: 'epk', sortKey: 'esk' },
  byCorrelation: { indexName: 'byCorrelation', partitionKey: 'cpk', sortKey: 'esk' },
  byWorkflow: { indexName: 'byWorkflow', partitionKey: 'wpk', sortKey: 'esk' },
  byStatus: { indexName: 'byStatus', partitionKey: 'spk', sortKey: 'esk' },
  byActivity: { indexName: 'byActivity', partitionKey: 'apk', sortKey: 'ask' },
  /** Partitions of byActivity, by a hash of the correlation id: each takes about 1,000 index writes a second. */
  activityShards: 8,
  /** Partitions per workflow and per status in byWorkflow and byStatus. */
  listingShards: 4,
  /** What byWorkflow and byStatus hold besides their keys: an execution as a listing shows it. */
  listedFields: ['name', 'workflowId', 'ruleId', 'eventId', 'correlationId', 'status', 'startedAt', 'stoppedAt', 'error'],
  /** `managedRules`: what every key of the managed rules (RULESET, RULES, RULE#…, RULELOG) starts with, for IAM's `dynamodb:LeadingKeys`. */
  prefix: {
    execution: 'EXEC#',
    waiter: 'WAIT#',
    join: 'JOIN#',
    replay: 'REPLAY#',
    flow: 'FLOW#',
    rule: 'RULE#',
    managedRules: 'RULE',
    event: 'EVT#',
    correlation: 'CORR#',
    workflow: 'WF#',
    status: 'ST#',
    activity: 'ACT#',
  },
} as const;
