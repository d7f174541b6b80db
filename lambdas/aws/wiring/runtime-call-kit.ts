/**
 * The pieces lambdas/aws/wiring/runtime-calls.ts's table is built from: what a call is, the resources the
 * functions' environments name, and the calls several functions share (appending an event, field keys, wake-ups).
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

export const events = { env: ENV.EVENTS_TABLE } as const;
export const state = { env: ENV.STATE_TABLE } as const;
const deadLetters = { env: ENV.DEAD_LETTER_QUEUE_URL } as const;
export const workflows = { workflows: true } as const;
const wakeUps = { env: ENV.FLOW_WAKE_QUEUE_URL } as const;
export const keys = (...prefixes: string[]) => ({ 'dynamodb:LeadingKeys': prefixes.map((p) => `${p}example`) });
/** The correlation metrics' calls: none with the stack's `correlationMetrics: false`. */
export const CORRELATION_METRICS_ON = { unless: { [ENV.CORRELATION_METRICS]: 'off' } } as const;
/** Every key the managed rules use (lambdas/aws/dynamodb-rule-store.ts): the revision, the rules, a version, the change log. */
export const RULE_KEYS = { 'dynamodb:LeadingKeys': ['RULESET', 'RULES', `${STATE_TABLE.prefix.rule}example`, 'RULELOG'] };
/** Reading the managed rules (the revision, then the rules) as `RefreshingRuleSet` does, when the stack gives the refresh bound. */
export const readsManagedRules = (why: string): RuntimeCall[] =>
  ['dynamodb:GetItem', 'dynamodb:Query'].map((action): RuntimeCall => ({ action, on: state, context: RULE_KEYS, when: [ENV.RULE_REFRESH_SECONDS], why }));
export const attributes = (...names: string[]) => ({ 'dynamodb:Attributes': [EVENTS_TABLE.partitionKey, ...names] });

/** Field encryption's data keys (wiring/field-encryption.ts), bound by their encryption context to the Events table. */
const fieldKeyCall = (action: 'kms:GenerateDataKey' | 'kms:Decrypt', why: string): RuntimeCall => ({
  action,
  on: { env: ENV.FIELD_KEY_ARN },
  // As fieldKeyContext(<the Events table>) makes it.
  context: { 'kms:EncryptionContext:table': { env: ENV.EVENTS_TABLE }, 'kms:EncryptionContext:purpose': FIELD_KEY_PURPOSE },
  when: [ENV.FIELD_ENCRYPTION],
  why,
});
export const SEAL = fieldKeyCall('kms:GenerateDataKey', 'seal sensitive fields before the put (field encryption)');
export const OPEN = fieldKeyCall('kms:Decrypt', 'open sensitive fields for a workflow (field encryption)');

/**
 * Appending an event, as every ingest path does: a conditional put, and a get to tell a duplicate from a conflict;
 * before the first event of an hour, its hour mark (lambdas/aws/event-hour-marks.ts), once per container.
 */
export const APPEND: RuntimeCall[] = [
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
export const READ_MARKS: RuntimeCall = { action: 'dynamodb:BatchGetItem', on: events, context: keys('HOURS#'), why: 'read the hour marks of the window' };
export const REFUSE: RuntimeCall = { action: 'sqs:SendMessage', on: deadLetters, why: 'send a record refused for its content to the dead-letter queue' };

/** Scheduling a flow-control wake-up (lambdas/aws/sqs-wake-ups.ts): a delayed message on the wake-up queue. */
export const SCHEDULE: RuntimeCall = { action: 'sqs:SendMessage', on: wakeUps, why: 'schedule a flow-control wake-up (SendMessageBatch)' };
