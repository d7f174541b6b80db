/**
 * The runtime calls (lambdas/aws/wiring/runtime-calls.ts) of the functions that follow and act on executions:
 * lifecycle, flow control's wake-ups, replays, managed rules, stop/redrive/bulk actions and the built-in tasks.
 */
import { ENV } from '../../layout/environment.js';
import { EVENTS_TABLE } from '../../layout/events-table.js';
import { STATE_TABLE } from '../../layout/state-table.js';
import { events, state, workflows, keys, readsManagedRules, RULE_KEYS, SEAL, OPEN, APPEND, READ_MARKS, REFUSE, SCHEDULE, type RuntimeCall } from './runtime-call-kit.js';

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

/** Lifecycle, flow control, replays, managed rules, execution actions and built-in tasks, by service name → their calls. */
export const EXECUTION_PATH_CALLS: Readonly<Record<string, readonly RuntimeCall[]>> = {
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
    ...readsManagedRules("flow control: refresh the managed rules (the revision, then the rules) to release a managed rule's slot"),
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
    ...readsManagedRules("refresh the managed rules to find a managed rule's wake-up"),
    { ...OPEN, why: 'open sensitive fields for the workflows it starts (field encryption)' },
  ],
  'edwe-replays-api': [
    ...['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'].map(
      (action): RuntimeCall => ({ action, on: state, context: keys(STATE_TABLE.prefix.replay), why: 'create, show and cancel replay jobs' }),
    ),
    { action: 'states:StartExecution', on: { env: ENV.REPLAY_DRIVER_ARN }, why: 'start the replay driver' },
    ...readsManagedRules('check eventTypes against the live rules (the revision, then the rules)'),
  ],
  'edwe-replay': [
    { action: 'dynamodb:Query', on: { ...events, index: EVENTS_TABLE.byTime.indexName }, why: 'read a page of the window' },
    READ_MARKS,
    ...['dynamodb:GetItem', 'dynamodb:UpdateItem'].map((action): RuntimeCall => ({ action, on: state, context: keys(STATE_TABLE.prefix.replay), why: 'follow the job' })),
    { action: 'events:PutEvents', on: { env: ENV.EVENT_BUS_NAME }, why: 'put replayed events on the engine bus' },
    { ...REFUSE, why: 'record an entry the bus refused' },
    ...readsManagedRules('select by the live rules (the revision, then the rules); as-of-event: read the change log'),
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
