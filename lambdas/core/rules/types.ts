/** Trigger rules as data (see docs/rules.md): what they say, before and after compilation. */
import type { EngineEvent } from '../envelope.js';
import type { ScheduleFields } from './schedule.js';
import type { FlowControlSpec } from './flow-control-spec.js';

/** Every condition operator, in the order the docs list them. */
export const CONDITION_OPS = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'exists',
  'prefix',
  'suffix',
  'contains',
  'wildcard',
  'cidr',
  'equals_ignore_case',
] as const;

/** A condition operator (see docs/rules.md). */
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** One condition: a path into `event.data` (or `$.source` etc. for envelope fields), an operator, a value. */
export interface Condition {
  field: string;
  /** Defaults to `equals` (the seed's `field`/`value` form). */
  op?: ConditionOp;
  value?: unknown;
}

/** An EventBridge event pattern (a JSON object); see `compilePattern`. */
export type EventPattern = Record<string, unknown>;

/** Where a rule was written, for error messages and `edwe rules route`. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** Where each key of the rule is written, e.g. `workflow`, for errors found after parsing. */
  keys?: Record<string, { line: number; column: number }>;
}

/** A trigger rule as loaded (see docs/rules.md), defaults filled in; a schedule rule has `ScheduleFields` (rules/schedule.ts). */
export interface Rule extends ScheduleFields {
  id: string;
  /** One type, several, or `"*"` for every type. */
  eventType: string | string[];
  workflow: string;
  /** Higher fires first. */
  priority: number;
  conditions: Condition[];
  /** An EventBridge event pattern over the whole envelope. */
  pattern?: Record<string, unknown>;
  /** When this rule matches, no lower-priority rule fires. */
  stop: boolean;
  /**
   * A path whose value becomes the correlationId when the event carries none. Stored in the
   * field-path form (`orderId` reads `event.data.orderId`, `$.data.orderId` the envelope).
   */
  correlateBy?: string;
  enabled: boolean;
  /**
   * A multi-event trigger (`all:` + `within:`): the rule fires once per correlation, when an event
   * of every listed type has arrived within the window; `eventType` is then the same list.
   */
  join?: JoinSpec;
  /** Flow control (`debounce`, `throttle`, `concurrency`, `rateLimit`, `batch`, `cancelOn`): see flow-control.ts. */
  flow?: FlowControlSpec;
  location?: SourceLocation;
  /** The version of the rule (managed rules: their counter; files rules: a digest of the rule), recorded on the executions it starts. */
  version?: number | string;
}

export interface JoinSpec {
  types: string[];
  /** The most time between the first and the last of the joined events. */
  withinMs: number;
}

/** Rules compiled for matching; `route` is the hot path. */
export interface RuleSet {
  /** The enabled rules, in firing order. */
  readonly rules: readonly Rule[];
  /** The ids of the disabled rules it was compiled from (flow control ends what waits for a rule disabled). */
  readonly disabled?: ReadonlySet<string> | undefined;
  /** All matching enabled rules, highest priority first (ties by id), cut after the first matching `stop` rule. */
  route(event: EngineEvent): Rule[];
}

/** Why one rule did or did not fire for an event (`edwe rules route`). */
export interface RouteExplanation {
  rule: Rule;
  /** `fired`: matched and fires; `cut`: matched but an earlier `stop` rule ended routing; `skipped`: did not match. */
  outcome: 'fired' | 'cut' | 'skipped';
  /** What held (for `fired`/`cut`) or the first thing that did not (for `skipped`), in words. */
  reasons: string[];
  /** For `cut`: the id of the stop rule that cut it. */
  cutBy?: string;
}
