/**
 * The read side of the HTTP API, the same in both homes: `GET /events`, `GET /events/{id}`,
 * `GET /events/{id}/routing`, `GET /correlations/{id}`, `GET /executions` and `GET /executions/{name}`, from their query
 * parameters to their answers — or a NotFoundError naming what is missing.
 */
import type { EngineEvent } from '../envelope.js';
import { NotFoundError } from '../errors.js';
import { correlationIdFor, type ExecutionRecord } from '../execution.js';
import { isExecutionListing, parseExecutionListing, parseExecutionQuery } from '../execution-query.js';
import type { EventStore } from '../ports/events.js';
import { toApiExecution, type ExecutionPage, type ExecutionStore } from '../ports/executions.js';
import { parseEventQuery, type EventPage, type QueryParameters } from '../query.js';
import { explainRoute } from '../rules/rule-set.js';
import type { RuleSet } from '../rules/types.js';
import type { CorrelationTimeline } from '../timeline.js';
import { correlationTimeline } from './timeline.js';

export interface EngineQueriesDeps {
  events: Pick<EventStore, 'get' | 'query'>;
  executions: Pick<ExecutionStore, 'get' | 'list' | 'recent' | 'byCorrelation'>;
  /** Today's rules, to explain an event's routing; a home without them answers `routing` with NotFoundError. */
  ruleSet?: RuleSet;
}

/** Why a rule fires for an event, or why not: `edwe rules route` and `GET /events/{id}/routing` print it. */
export interface RoutingExplanation {
  rule: string;
  workflow: string;
  priority: number;
  outcome: 'fired' | 'cut' | 'skipped';
  reasons: string[];
  cutBy?: string;
  /** The correlation a fired rule's execution runs under. */
  correlationId?: string;
}

/** Every rule in priority order with its outcome for `event` and the reasons (the first failing one for a skipped rule). */
export function explainRouting(ruleSet: RuleSet, event: EngineEvent): RoutingExplanation[] {
  return explainRoute(ruleSet, event).map(({ rule, outcome, reasons, cutBy }) => ({
    rule: rule.id,
    workflow: rule.workflow,
    priority: rule.priority,
    outcome,
    reasons,
    ...(cutBy === undefined ? {} : { cutBy }),
    ...(outcome === 'fired' ? { correlationId: correlationIdFor(event, rule) } : {}),
  }));
}

/** A home without execution records (a deployment with no State table): timelines hold only events. */
export const NO_EXECUTIONS: EngineQueriesDeps['executions'] = {
  byCorrelation: async () => [],
  list: async () => ({ executions: [] }),
  recent: async () => ({ executions: [] }),
  get: async () => undefined,
};

/**
 * @example const page = await new EngineQueries({ events, executions }).events({ type: 'order.placed', limit: '50' })
 */
export class EngineQueries {
  constructor(private readonly deps: EngineQueriesDeps) {}

  /** @throws ValidationError naming each bad parameter. */
  events(parameters: QueryParameters): Promise<EventPage<EngineEvent>> {
    return this.deps.events.query(parseEventQuery(parameters));
  }

  /** @throws NotFoundError when no event has this id. */
  async event(id: string): Promise<EngineEvent> {
    const event = id === '' ? undefined : await this.deps.events.get(id);
    if (event === undefined) throw new NotFoundError(`No event with id "${id}"`);
    return event;
  }

  /**
   * How today's rules route a stored event (every rule, fired, cut or skipped, with the reasons).
   * @throws NotFoundError when no event has this id, or this home has no rules to explain with.
   */
  async routing(id: string): Promise<{ eventId: string; rules: RoutingExplanation[] }> {
    const event = await this.event(id);
    if (this.deps.ruleSet === undefined) throw new NotFoundError('This API does not explain routing');
    return { eventId: event.id, rules: explainRouting(this.deps.ruleSet, event) };
  }

  /** A correlation's first 1,000 events and its executions. @throws NotFoundError when it has neither. */
  async correlation(correlationId: string): Promise<CorrelationTimeline> {
    const timeline = await correlationTimeline(correlationId, this.deps);
    if (timeline.events.length === 0 && timeline.executions.length === 0) throw new NotFoundError(`No events or executions with correlationId "${correlationId}"`);
    return timeline;
  }

  /**
   * An event's or a correlation's executions in start order; with neither, every execution by workflow, status
   * and time, newest first.
   * @throws ValidationError naming each bad parameter.
   */
  executions(parameters: QueryParameters): Promise<ExecutionPage> {
    if (isExecutionListing(parameters)) return this.deps.executions.recent(parseExecutionListing(parameters));
    return this.deps.executions.list(parseExecutionQuery(parameters));
  }

  /** @throws NotFoundError when no execution has this name. */
  async execution(name: string): Promise<ExecutionRecord> {
    const execution = await this.deps.executions.get(name);
    if (execution === undefined) throw new NotFoundError(`No execution named "${name}"`);
    return toApiExecution(execution);
  }
}
