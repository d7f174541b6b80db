/**
 * Every AWS call each engine function makes at run time, by the function's service name and the
 * environment variable that names the resource — the same variables this directory's wiring builds
 * its clients from. test/infra/access-paths.test.ts evaluates each against the synthesized stack's
 * policies as AWS would; a call added to a function's wiring goes here, or the suite cannot prove it.
 * Data only (no SDK): the suite reads it without loading runtime code. docs/access-paths.md explains.
 */
import { ENV, type EnvName } from '../../layout/environment.js';
import { EVENTS_TABLE } from '../../layout/events-table.js';
import { FIELD_KEY_PURPOSE } from '../../layout/field-keys.js';
import { STATE_TABLE } from '../../layout/state-table.js';

/** What a call acts on: the resource an environment variable names (a table's index under it), every workflow state machine, or their executions. */
export type CallTarget = { readonly env: EnvName; readonly index?: string } | { readonly workflows: true } | { readonly executions: true };

/** A condition key's value in a request: given, or the value of one of the function's environment variables. */
export type ContextValue = string | readonly string[] | { readonly env: EnvName };

/** One call: the IAM action, its target, and the condition keys the request carries (e.g. `dynamodb:LeadingKeys`). */
export interface RuntimeCall {
  readonly action: string;
  readonly on: CallTarget;
  readonly context?: Readonly<Record<string, ContextValue>>;
  /** Made only by a function whose environment sets every one of these variables (features the stack configures). */
  readonly when?: readonly EnvName[];
  /** Not made by a function whose environment sets one of these variables to the value given (a feature the stack turned off). */
  readonly unless?: Readonly<Partial<Record<EnvName, string>>>;
  /** Why the function makes it, for the suite's report. */
  readonly why: string;
}

const events = { env: ENV.EVENTS_TABLE } as const;
const state = { env: ENV.STATE_TABLE } as const;
const deadLetters = { env: ENV.DEAD_LETTER_QUEUE_URL } as const;
const workflows = { workflows: true } as const;
const wakeUps = { env: ENV.FLOW_WAKE_QUEUE_URL } as const;
const keys = (...prefixes: string[]) => ({ 'dynamodb:LeadingKeys': prefixes.map((p) => `${p}example`) });
/** The correlation metrics' calls: none with the stack's `correlationMetrics: false`. */
const CORRELATION_METRICS_ON = { unless: { [ENV.CORRELATION_METRICS]: 'off' } } as const;
/** Every key the managed rules use (lambdas/aws/dynamodb-rule-store.ts): the revision, the rules, a version, the change log. */
const RULE_KEYS = { 'dynamodb:LeadingKeys': ['RULESET', 'RULES', `${STATE_TABLE.prefix.rule}example`, 'RULELOG'] };
const attributes = (...names: string[]) => ({ 'dynamodb:Attributes': [EVENTS_TABLE.partitionKey, ...names] });

/** Field encryption's data keys (wiring/field-encryption.ts), bound by their encryption context to the Events table. */
const fieldKeyCall = (action: 'kms:GenerateDataKey' | 'kms:Decrypt', why: string): RuntimeCall => ({
  action,
  on: { env: ENV.FIELD_KEY_ARN },
  // As fieldKeyContext(<the Events table>) makes it.
  context: { 'kms:EncryptionContext:table': { env: ENV.EVENTS_TABLE }, 'kms:EncryptionContext:purpose': FIELD_KEY_PURPOSE },
  when: [ENV.FIELD_ENCRYPTION],
  why,
});
const SEAL = fieldKeyCall('kms:GenerateDataKey', 'seal sensitive fields before the put (field encryption)');
const OPEN = fieldKeyCall('kms:Decrypt', 'open sensitive fields for a workflow (field encryption)');

/**
 * Appending an event, as every ingest path does: a conditional put, and a get to tell a duplicate from a conflict;
 * before the first event of an hour, its hour mark (lambdas/aws/event-hour-marks.ts), once per container.
 */
const APPEND: RuntimeCall[] = [
  { action: 'dynamodb:PutItem', on: events, why: 'store the event (conditional put)' },
  { action: 'dynamodb:GetItem', on: events, why: 'tell a duplicate from a conflict' },
  { action: 'dynamodb:UpdateItem', on: events, context: keys('HOURS#'), why: "mark the event's hour in its day's mark (once per container and hour)" },
  { action: 'dynamodb:GetItem', on: events, context: keys('HOURS#'), why: 'read since when hour marks are complete (once per container)' },
  { action: 'dynamodb:PutItem', on: events, context: keys('HOURS#'), why: 'record since when hour marks are complete (the first marking writer of a table)' },
  {
    action: 'dynamodb:Scan',
    on: { ...events, index: EVENTS_TABLE.byTime.indexName },
    why: 'until the table records since when marks are complete: is there any event yet (Limit 1)',
  },
];
/** Reading by time: the hour marks of the window, so only marked hours are queried. */
const READ_MARKS: RuntimeCall = { action: 'dynamodb:BatchGetItem', on: events, context: keys('HOURS#'), why: 'read the hour marks of the window' };
const REFUSE: RuntimeCall = { action: 'sqs:SendMessage', on: deadLetters, why: 'send a record refused for its content to the dead-letter queue' };

/** Scheduling a flow-control wake-up (lambdas/aws/sqs-wake-ups.ts): a delayed message on the wake-up queue. */
const SCHEDULE: RuntimeCall = { action: 'sqs:SendMessage', on: wakeUps, why: 'schedule a flow-control wake-up (SendMessageBatch)' };

/** Routing an event (the router and the sweeper): start, record, join, complete waiters, mark; flow control: wake-ups, `cancelOn` stops. */
const ROUTE: RuntimeCall[] = [
  { action: 'states:StartExecution', on: workflows, why: 'start a matched workflow' },
  SCHEDULE,
  { action: 'dynamodb:Query', on: { ...state, index: STATE_TABLE.byCorrelation.indexName }, why: "cancelOn: find the correlation's executions of the rule" },
  { action: 'states:StopExecution', on: { executions: true }, why: "cancelOn: stop the correlation's running executions of the rule" },
  // ExecutionActions ends a stopped execution's record itself when Step Functions' report has not arrived yet.
  ...APPEND.map((call): RuntimeCall => ({ ...call, when: [ENV.FLOW_WAKE_QUEUE_URL], why: `cancelOn: the stopped execution's workflow.aborted event: ${call.why}` })),
  { action: 'states:SendTaskSuccess', on: workflows, why: 'complete a workflow waiting for the event' },
  ...['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'].map(
    (action): RuntimeCall => ({ action, on: state, why: 'keep execution records, joins and waiters; read the managed rules' }),
  ),
  {
    action: 'dynamodb:UpdateItem',
    on: events,
    context: attributes(EVENTS_TABLE.routedAttribute, EVENTS_TABLE.byUnrouted.partitionKey),
    why: 'mark the event routed',
  },
  // wiring/routing.ts: one UpdateItem per correlation a routed event touched (dynamodb-correlation-counters.ts).
  {
    action: 'dynamodb:UpdateItem',
    on: state,
    context: keys(STATE_TABLE.prefix.correlation),
    ...CORRELATION_METRICS_ON,
    why: "count the event and its starts in its correlation's activity",
  },
];

/** Stopping and redriving executions (core's ExecutionActions on SfnWorkflowControl), one by one or in bulk. */
const ACT: RuntimeCall[] = [
  { action: 'states:StopExecution', on: { executions: true }, why: 'stop a running execution' },
  { action: 'states:RedriveExecution', on: { executions: true }, why: 'redrive a Standard execution from its failed state' },
  { action: 'states:StartExecution', on: workflows, why: 'redrive an Express execution: start it again as <name>-redrive-<n>' },
  ...['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].map(
    (action): RuntimeCall => ({
      action,
      on: state,
      context: keys(STATE_TABLE.prefix.execution),
      why: "read the record; keep its redrives and end; an Express restart's record",
    }),
  ),
  { action: 'dynamodb:PutItem', on: state, context: keys(`${STATE_TABLE.prefix.flow}skip#`), why: 'stop of a QUEUED execution: note its trigger skipped' },
  ...[STATE_TABLE.byCorrelation, STATE_TABLE.byWorkflow, STATE_TABLE.byStatus].map(
    (index): RuntimeCall => ({ action: 'dynamodb:Query', on: { ...state, index: index.indexName }, why: "select a bulk action's executions" }),
  ),
  ...APPEND.map((call): RuntimeCall => ({ ...call, why: `the stopped or redriven execution's workflow.* event: ${call.why}` })),
  { ...SEAL, why: 'seal again what the lifecycle stores (field encryption)' },
  { ...OPEN, why: 'open the input of an Express restart (field encryption)' },
];

/** Function service name (POWERTOOLS_SERVICE_NAME, or `edwe-task:<file>` for a built-in task) → its calls. */
export const RUNTIME_CALLS: Readonly<Record<string, readonly RuntimeCall[]>> = {
  // The HTTP ingest's fast path (wiring/fast-path.ts) starts the planned executions and writes their records.
  'edwe-ingest': [
    ...APPEND,
    SEAL,
    // The fast path hands the events it sealed to their workflows (its own data key: cached, but granted).
    { ...OPEN, when: [ENV.FIELD_ENCRYPTION, ENV.STATE_MACHINE_ARN_PREFIX] },
    { action: 'states:StartExecution', on: workflows, why: 'fast path: start a matched workflow before answering' },
    ...['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].map(
      (action): RuntimeCall => ({ action, on: state, context: keys(STATE_TABLE.prefix.execution), why: 'fast path: record (or claim) the started execution' }),
    ),
    ...['dynamodb:GetItem', 'dynamodb:Query'].map(
      (action): RuntimeCall => ({ action, on: state, context: RULE_KEYS, why: 'fast path: refresh the managed rules (the revision, then the rules)' }),
    ),
  ],
  'edwe-ingest-eventbridge': [...APPEND, SEAL],
  'edwe-ingest-kinesis': [...APPEND, REFUSE, SEAL],
  'edwe-ingest-kafka': [...APPEND, REFUSE, SEAL],
  'edwe-query': [
    { action: 'dynamodb:Query', on: { ...events, index: EVENTS_TABLE.byTime.indexName }, why: 'GET /events' },
    { ...READ_MARKS, why: 'GET /events: read the hour marks of the window' },
    { action: 'dynamodb:Query', on: { ...events, index: EVENTS_TABLE.byCorrelation.indexName }, why: 'GET /correlations/{id}' },
    { action: 'dynamodb:GetItem', on: events, why: "GET /events/{id}, and a timeline's trigger event the page does not hold" },
    { action: 'dynamodb:GetItem', on: state, context: keys(STATE_TABLE.prefix.execution), why: 'GET /executions/{name}' },
    { action: 'dynamodb:Query', on: { ...state, index: STATE_TABLE.byEvent.indexName }, why: 'executions of an event' },
    { action: 'dynamodb:Query', on: { ...state, index: STATE_TABLE.byCorrelation.indexName }, why: 'executions of a correlation' },
  ],
  // The revealing reads (lib/sensitive-reads.ts): the plain reads' calls, and the one field-key Decrypt the API holds.
  'edwe-query-sensitive': [
    { action: 'dynamodb:Query', on: { ...events, index: EVENTS_TABLE.byTime.indexName }, why: 'GET /sensitive/events' },
    { ...READ_MARKS, why: 'GET /sensitive/events: read the hour marks of the window' },
    { action: 'dynamodb:Query', on: { ...events, index: EVENTS_TABLE.byCorrelation.indexName }, why: 'GET /sensitive/correlations/{id}' },
    { action: 'dynamodb:GetItem', on: events, why: "GET /sensitive/events/{id}, and a timeline's trigger event" },
    { action: 'dynamodb:Query', on: { ...state, index: STATE_TABLE.byCorrelation.indexName }, why: 'executions of a correlation' },
    { ...OPEN, why: "open sealed fields for a caller allowed the sensitive reads' routes (field encryption)" },
  ],
  'edwe-router': [...ROUTE, OPEN],
  'edwe-sweeper': [
    ...ROUTE,
    OPEN,
    { action: 'dynamodb:Query', on: { ...events, index: EVENTS_TABLE.byUnrouted.indexName }, why: 'find unrouted events' },
    { action: 'dynamodb:UpdateItem', on: events, context: attributes(EVENTS_TABLE.sweepsAttribute), why: 'count a sweep' },
    {
      action: 'dynamodb:UpdateItem',
      on: events,
      context: attributes(EVENTS_TABLE.parkedAttribute, EVENTS_TABLE.byUnrouted.partitionKey),
      why: 'park an event',
    },
    { ...REFUSE, why: 'report a parked event' },
    // The correlation metrics pass after each sweep (core/app/correlation-metrics-pass.ts).
    {
      action: 'dynamodb:Query',
      on: { ...state, index: STATE_TABLE.byActivity.indexName },
      ...CORRELATION_METRICS_ON,
      why: 'correlation metrics: find idle correlations, count the active ones',
    },
    {
      action: 'dynamodb:DeleteItem',
      on: state,
      context: keys(STATE_TABLE.prefix.correlation),
      ...CORRELATION_METRICS_ON,
      why: 'correlation metrics: close an idle correlation (conditional delete)',
    },
  ],
  'edwe-lifecycle': [
    ...APPEND.map((call) => ({ ...call, why: `lifecycle event: ${call.why}` })),
    ...['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].map(
      (action): RuntimeCall => ({ action, on: state, context: keys(STATE_TABLE.prefix.execution), why: 'end the execution record' }),
    ),
    { ...SEAL, why: 'seal again what Step Functions reports in plaintext (field encryption)' },
    OPEN,
    ...['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'].map(
      (action): RuntimeCall => ({ action, on: state, context: keys(STATE_TABLE.prefix.flow), why: "flow control: free the ended execution's concurrency slot" }),
    ),
    { action: 'states:StartExecution', on: workflows, why: "flow control: start the key's next waiting trigger in the freed slot" },
    { action: 'states:StopExecution', on: { executions: true }, why: 'flow control: stop a Standard start that lost to a drop of its QUEUED record' },
    { action: 'dynamodb:DeleteItem', on: state, context: keys(STATE_TABLE.prefix.execution), why: 'flow control: release the claim of a start that failed' },
    { ...SCHEDULE, why: 'flow control: wake the key again when its next throttle slot opens' },
    ...['dynamodb:GetItem', 'dynamodb:Query'].map(
      (action): RuntimeCall => ({
        action,
        on: state,
        context: RULE_KEYS,
        when: [ENV.RULE_REFRESH_SECONDS],
        why: "flow control: refresh the managed rules (the revision, then the rules) to release a managed rule's slot",
      }),
    ),
  ],
  // The flow-control wake-up consumer (wiring/flow.ts): per-key state, the starts it lets through, the next leg of a long wait.
  'edwe-flow-wake': [
    { action: 'states:StartExecution', on: workflows, why: 'start what a debounce, throttle or batch let through' },
    { action: 'states:StopExecution', on: { executions: true }, why: 'stop a Standard start that lost to a drop of its QUEUED record' },
    ...['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'].flatMap((action): RuntimeCall[] => [
      { action, on: state, context: keys(STATE_TABLE.prefix.flow), why: 'keep flow-control state per rule and key' },
      { action, on: state, context: keys(STATE_TABLE.prefix.execution), why: 'record (or claim) the started execution' },
    ]),
    { ...SCHEDULE, why: 'send a wake-up due after 15 minutes on to its next leg' },
    ...['dynamodb:GetItem', 'dynamodb:Query'].map(
      (action): RuntimeCall => ({
        action,
        on: state,
        context: RULE_KEYS,
        when: [ENV.RULE_REFRESH_SECONDS],
        why: "refresh the managed rules to find a managed rule's wake-up",
      }),
    ),
    { ...OPEN, why: 'open sensitive fields for the workflows it starts (field encryption)' },
  ],
  'edwe-replays-api': [
    ...['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'].map(
      (action): RuntimeCall => ({ action, on: state, context: keys(STATE_TABLE.prefix.replay), why: 'create, show and cancel replay jobs' }),
    ),
    { action: 'states:StartExecution', on: { env: ENV.REPLAY_DRIVER_ARN }, why: 'start the replay driver' },
    ...['dynamodb:GetItem', 'dynamodb:Query'].map(
      (action): RuntimeCall => ({
        action,
        on: state,
        context: RULE_KEYS,
        when: [ENV.RULE_REFRESH_SECONDS],
        why: 'check eventTypes against the live rules (the revision, then the rules)',
      }),
    ),
  ],
  'edwe-replay': [
    { action: 'dynamodb:Query', on: { ...events, index: EVENTS_TABLE.byTime.indexName }, why: 'read a page of the window' },
    READ_MARKS,
    ...['dynamodb:GetItem', 'dynamodb:UpdateItem'].map((action): RuntimeCall => ({ action, on: state, context: keys(STATE_TABLE.prefix.replay), why: 'follow the job' })),
    { action: 'events:PutEvents', on: { env: ENV.EVENT_BUS_NAME }, why: 'put replayed events on the engine bus' },
    { ...REFUSE, why: 'record an entry the bus refused' },
    ...['dynamodb:GetItem', 'dynamodb:Query'].map(
      (action): RuntimeCall => ({
        action,
        on: state,
        context: RULE_KEYS,
        when: [ENV.RULE_REFRESH_SECONDS],
        why: 'select by the live rules (the revision, then the rules); as-of-event: read the change log',
      }),
    ),
  ],
  'edwe-rules-api': [
    // A change is one TransactWriteItems: IAM authorises each of its items (the revision's update, the rule's, version's and log's puts).
    ...['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].map(
      (action): RuntimeCall => ({ action, on: state, context: RULE_KEYS, why: 'keep the managed rules, their versions, the change log and the revision' }),
    ),
    ...APPEND.map((call) => ({ ...call, why: `rule change audit event: ${call.why}` })),
    ...APPEND.map((call) => ({ ...call, why: `POST /rules/{id}/trigger, the schedule.fired event: ${call.why}` })),
    { ...SEAL, why: 'seal what it appends, audit events and manual fires, as ingest does (field encryption)' },
    { action: 'dynamodb:Query', on: { ...events, index: EVENTS_TABLE.byTime.indexName }, why: 'POST /rules/test: read the window' },
    { ...READ_MARKS, why: 'POST /rules/test: read the hour marks of the window' },
  ],
  // Stop, redrive and bulk actions (wiring/execution-actions.ts): the API function and the bulk action driver's step.
  'edwe-execution-actions': [
    ...ACT,
    ...['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'].map(
      (action): RuntimeCall => ({ action, on: state, context: keys(`${STATE_TABLE.prefix.replay}act-`), why: 'create, show and cancel bulk actions' }),
    ),
    { action: 'states:StartExecution', on: { env: ENV.BULK_DRIVER_ARN }, why: 'start the bulk action driver' },
  ],
  'edwe-bulk-action-step': [
    ...ACT,
    ...['dynamodb:GetItem', 'dynamodb:UpdateItem'].map(
      (action): RuntimeCall => ({ action, on: state, context: keys(`${STATE_TABLE.prefix.replay}act-`), why: 'claim the bulk action and save its progress' }),
    ),
  ],
  'edwe-replay-start': [{ action: 'states:StartExecution', on: workflows, why: 'start a replayed execution' }, OPEN],
  'edwe-task:emit-event': [
    ...APPEND.map((call) => ({ ...call, why: `emit-event: ${call.why}` })),
    {
      action: 'dynamodb:GetItem',
      on: state,
      context: keys(STATE_TABLE.prefix.execution),
      why: "emit-event: read its execution's input to seal its plaintext again",
      when: [ENV.FIELD_ENCRYPTION],
    },
    { ...SEAL, why: 'emit-event: seal what it emits (field encryption)' },
    OPEN,
  ],
  'edwe-task:wait-for-event': [
    { action: 'dynamodb:PutItem', on: state, why: 'register a waiter' },
    { action: 'dynamodb:DeleteItem', on: state, why: 'remove a waiter' },
    { action: 'dynamodb:Query', on: { ...events, index: EVENTS_TABLE.byCorrelation.indexName }, why: 'look back over the correlation' },
    { action: 'states:SendTaskSuccess', on: workflows, why: 'complete its own task when the event is already there' },
  ],
};
