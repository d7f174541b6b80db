/**
 * The State table's layout (see docs/architecture.md): executions, waiters, multi-event joins and replay jobs in
 * one table, each under its own key prefix. Shared by the CDK construct, the adapters and the tests
 * so that they cannot drift apart. Free of SDK imports: the CDK app imports it too.
 *
 * | item          | pk                                  | sk                        | indexes                                          |
 * |---------------|-------------------------------------|---------------------------|--------------------------------------------------|
 * | execution     | `EXEC#<executionName>`              | `EXEC`                    | byEvent `EVT#<eventId>`, byCorrelation `CORR#<id>` (sort: `<startedAt>#<name>`) |
 * | waiter        | `WAIT#<correlationId>`              | `<eventType>#<tokenHash>` | —                                                |
 * | join progress | `JOIN#<ruleId>#<correlationId>`     | `<eventType>`             | —                                                |
 * | replay job    | `REPLAY#<replayId>`                 | `JOB`                     | —                                                |
 */
export const STATE_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds: waiters and joins expire; executions and jobs follow the event retention. */
  ttlAttribute: 'expiresAt',
  byEvent: { indexName: 'byEvent', partitionKey: 'epk', sortKey: 'esk' },
  byCorrelation: { indexName: 'byCorrelation', partitionKey: 'cpk', sortKey: 'esk' },
  prefix: { execution: 'EXEC#', waiter: 'WAIT#', join: 'JOIN#', replay: 'REPLAY#', event: 'EVT#', correlation: 'CORR#' },
} as const;
