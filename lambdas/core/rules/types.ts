/** Trigger rules as data (DESIGN §5): what they say, before and after compilation. */
import type { EngineEvent } from '../envelope.js';

export type ConditionOp =
  | 'equals' | 'not_equals' | 'in' | 'not_in' | 'gt' | 'gte' | 'lt' | 'lte' | 'between' | 'exists'
  | 'prefix' | 'suffix' | 'contains' | 'wildcard' | 'cidr' | 'equals_ignore_case';

/** One condition: a path into `event.data` (or `$.source` etc. for envelope fields), an operator, a value. */
export interface Condition {
  field: string;
  /** Defaults to `equals` (the seed's `field`/`value` form). */
  op?: ConditionOp;
  value?: unknown;
}

/** Where a rule was written, for error messages and `edwe rules route`. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface Rule {
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
  /** A path whose value becomes the correlationId when the event carries none. */
  correlateBy?: string;
  enabled: boolean;
  location?: SourceLocation;
}

/** Rules compiled for matching; `route` is the hot path. */
export interface RuleSet {
  readonly rules: readonly Rule[];
  /** All matching enabled rules, highest priority first (ties by id), cut after the first matching `stop` rule. */
  route(event: EngineEvent): Rule[];
}
