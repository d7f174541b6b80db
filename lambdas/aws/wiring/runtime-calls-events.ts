/**
 * The runtime calls (lambdas/aws/wiring/runtime-calls.ts) of the functions on an event's way in and to its
 * workflows: the ingest paths, the reads, the router and the sweeper.
 */
import { ENV } from '../../layout/environment.js';
import { EVENTS_TABLE } from '../../layout/events-table.js';
import { STATE_TABLE } from '../../layout/state-table.js';
import {
  events,
  state,
  workflows,
  keys,
  CORRELATION_METRICS_ON,
  RULE_KEYS,
  attributes,
  SEAL,
  OPEN,
  APPEND,
  READ_MARKS,
  REFUSE,
  SCHEDULE,
  type RuntimeCall,
} from './runtime-call-kit.js';

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

/** Ingest, query, router and sweeper functions, by service name → their calls. */
export const EVENT_PATH_CALLS: Readonly<Record<string, readonly RuntimeCall[]>> = {
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
};
