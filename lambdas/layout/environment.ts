/**
 * The names of the environment variables the CDK constructs set on the engine's functions and the
 * AWS wiring reads (lambdas/aws/wiring/): lib/ writes `[ENV.EVENTS_TABLE]: table.tableName`, the
 * wiring's zod schemas use the same constants as keys, so a name cannot drift between the two.
 * Free of SDK imports: the CDK app imports it too.
 */

/** Every variable the engine's code reads, grouped by what it configures. Each value is the variable's name. */
export const ENV = {
  // The tables (lib/event-table.ts, lib/state-table.ts).
  /** The Events table's name: every function that stores, reads or marks events. */
  EVENTS_TABLE: 'EVENTS_TABLE',
  /** The State table's name: executions, waiters, joins, replay jobs. */
  STATE_TABLE: 'STATE_TABLE',
  /** Days an event (and an execution record) is kept before DynamoDB's TTL deletes it; a positive integer. */
  RETENTION_DAYS: 'RETENTION_DAYS',
  /** The SQS queue records refused for their content go to (stream ingestion, replay pages, the sweeper). */
  DEAD_LETTER_QUEUE_URL: 'DEAD_LETTER_QUEUE_URL',

  // Field encryption (lib/field-encryption.ts).
  /** JSON of the `event_sourcing.encrypt` entries (`[{"eventType","fields"}]`). Unset: no field is sealed or opened. */
  FIELD_ENCRYPTION: 'FIELD_ENCRYPTION',
  /** The KMS key that encrypts the field data keys (the engine's key). Required with FIELD_ENCRYPTION. */
  FIELD_KEY_ARN: 'FIELD_KEY_ARN',

  // Ingestion (lib/ingestion.ts).
  /** JSON of core's `AccessPolicy`: which sources each caller may publish. Unset: any authorised caller, any source. */
  ACCESS_POLICY: 'ACCESS_POLICY',

  // Workflows and routing (lib/router.ts, lib/lifecycle.ts, lib/sweeper.ts).
  /** JSON object: workflow id → its state machine's ARN. */
  STATE_MACHINE_ARNS: 'STATE_MACHINE_ARNS',
  /**
   * Instead of STATE_MACHINE_ARNS: the ARN every workflow's state machine ARN starts with, the workflow
   * id following it (`arn:…:stateMachine:EdweStack_` + `onboarding_workflow`). One value however many
   * workflows there are: a map of 30 ARNs would take most of Lambda's 4 KB environment.
   */
  STATE_MACHINE_ARN_PREFIX: 'STATE_MACHINE_ARN_PREFIX',
  /** JSON object: workflow id → `STANDARD` or `EXPRESS`; a workflow not named is STANDARD. */
  WORKFLOW_TYPES: 'WORKFLOW_TYPES',
  /** Seconds after its receipt an unrouted event becomes the sweeper's. */
  SWEEP_MIN_AGE_SECONDS: 'SWEEP_MIN_AGE_SECONDS',
  /** Unrouted events one sweep takes at most. */
  SWEEP_MAX_EVENTS: 'SWEEP_MAX_EVENTS',
  /** The latency objective (`real_time_execution.max_latency`) in ms: the router counts starts later than this after receipt. */
  START_LATENCY_OBJECTIVE_MS: 'START_LATENCY_OBJECTIVE_MS',
  /** Sweeps of one event before it is parked and reported. */
  SWEEP_MAX_ATTEMPTS: 'SWEEP_MAX_ATTEMPTS',
  /** `off`: routing counts no correlation activity and the sweeper runs no correlation metrics pass. Unset or `on`: both do. */
  CORRELATION_METRICS: 'CORRELATION_METRICS',

  // Flow control (lib/flow-control.ts).
  /** The SQS queue flow-control wake-ups are delayed on (every function that may schedule one, and the wake-up consumer). */
  FLOW_WAKE_QUEUE_URL: 'FLOW_WAKE_QUEUE_URL',

  // Replay (lib/replay.ts).
  /** The engine bus replayed events are put on. */
  EVENT_BUS_NAME: 'EVENT_BUS_NAME',
  /** The deployment's ceiling on a replay's rate, in entries per second. */
  REPLAY_MAX_RATE: 'REPLAY_MAX_RATE',
  /** The replay driver state machine's ARN. */
  REPLAY_DRIVER_ARN: 'REPLAY_DRIVER_ARN',
  /** The bulk action driver state machine's ARN (the replay driver's definition, running bulk action steps). */
  BULK_DRIVER_ARN: 'BULK_DRIVER_ARN',
  /** Every deployed workflow id, comma-separated. */
  WORKFLOW_IDS: 'WORKFLOW_IDS',
  /** Seconds a routing function (router, sweeper, fast path) may route by rules older than the managed layer's: `ruleRefreshSeconds`. */
  RULE_REFRESH_SECONDS: 'RULE_REFRESH_SECONDS',

  // The runtime (lib/lambda-defaults.ts): read by Node.js and Powertools, not by the engine's code.
  NODE_OPTIONS: 'NODE_OPTIONS',
  /** Names the function in logs, traces and the `service` metric dimension. */
  POWERTOOLS_SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  /** The CloudWatch namespace of the engine's metrics (`edwe`). */
  POWERTOOLS_METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
  POWERTOOLS_LOG_LEVEL: 'POWERTOOLS_LOG_LEVEL',
} as const;

/** The name of a variable the engine's functions are given. */
export type EnvName = (typeof ENV)[keyof typeof ENV];
