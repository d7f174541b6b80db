/**
 * The read side of the HTTP API, the same in both homes: `GET /events`, `GET /events/{id}`,
 * `GET /events/{id}/routing`, `GET /correlations/{id}`, `GET /executions` and `GET /executions/{name}`, from their query
 * parameters to their answers — or a NotFoundError naming what is missing.
 */
import type { EngineEvent } from '../envelope.js';
import { NotFoundError } from '../errors.js';
import { correlationIdFor, type ExecutionRecord } from '../execution.js';
import { isExecutionListing, parseExecutionListing, parseExecutionQuery } from '../execution-query.js';
import type { FieldEncryption } from '../field-encryption.js';
import type { EventStore } from '../ports/events.js';
import { toApiExecution, type ExecutionPage, type ExecutionStore } from '../ports/executions.js';
import { parseEventQuery, type EventPage, type QueryParameters } from '../query.js';
import { explainRoute } from '../rules/rule-set.js';
import type { FlowStateStore, SkipReason } from '../ports/flow-control.js';
import type { RuleSet } from '../rules/types.js';
import { correlationTimeline, parseTimelinePage, type CorrelationPage } from './timeline.js';

export interface EngineQueriesDeps {
  events: Pick<EventStore, 'get' | 'query'>;
  executions: Pick<ExecutionStore, 'get' | 'list' | 'recent' | 'byCorrelation'>;
  /** Today's rules, to explain an event's routing; a home without them answers `routing` with NotFoundError. */
  ruleSet?: RuleSet;
  /** Opens encrypted fields for a reader allowed to see them (`events:read-sensitive`); without it they stay sealed. */
  fields?: Pick<FieldEncryption, 'reveal'>;
  /** Flow control's skips, shown on the rules they skipped (`flow`). */
  flowSkips?: Pick<FlowStateStore, 'skipsFor'>;
}

/** How an event read answers: encrypted fields stay sealed unless the caller may see them. */
export interface ReadOptions {
  /** The caller holds `events:read-sensitive`: answer encrypted fields in the clear. */
  revealSensitive?: boolean;
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
  /** Flow control skipped the trigger of this fired rule, and why. */
  flow?: SkipReason;
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
  async events(parameters: QueryParameters, options: ReadOptions = {}): Promise<EventPage<EngineEvent>> {
    const page = await this.deps.events.query(parseEventQuery(parameters));
    return this.#revealing(options) ? { ...page, events: await this.#reveal(page.events) } : page;
  }

  /** @throws NotFoundError when no event has this id. */
  async event(id: string, options: ReadOptions = {}): Promise<EngineEvent> {
    const event = id === '' ? undefined : await this.deps.events.get(id);
    if (event === undefined) throw new NotFoundError(`No event with id "${id}"`);
    return this.#revealing(options) ? ((await this.#reveal([event]))[0] as EngineEvent) : event;
  }

  /**
   * How today's rules route a stored event (every rule, fired, cut or skipped, with the reasons).
   * @throws NotFoundError when no event has this id, or this home has no rules to explain with.
   */
  async routing(id: string): Promise<{ eventId: string; rules: RoutingExplanation[] }> {
    const event = await this.event(id);
    if (this.deps.ruleSet === undefined) throw new NotFoundError('This API does not explain routing');
    const rules = explainRouting(this.deps.ruleSet, event);
    const skips = (await this.deps.flowSkips?.skipsFor(event.id)) ?? [];
    for (const { ruleId, reason } of skips) {
      const rule = rules.find((r) => r.rule === ruleId);
      if (rule !== undefined) rule.flow = reason;
    }
    return { eventId: event.id, rules };
  }

  /**
   * A page of a correlation's events (`limit`, default 1,000; `cursor` continues) with the executions
   * started within it. @throws ValidationError for bad parameters, NotFoundError when it has neither.
   */
  async correlation(correlationId: string, parameters: QueryParameters = {}, options: ReadOptions = {}): Promise<CorrelationPage> {
    const timeline = await correlationTimeline(correlationId, this.deps, parseTimelinePage(parameters));
    if (timeline.events.length === 0 && timeline.executions.length === 0) throw new NotFoundError(`No events or executions with correlationId "${correlationId}"`);
    if (!this.#revealing(options)) return timeline;
    // The timeline's entries carry no event data; only the events themselves are opened.
    return { ...timeline, events: await this.#reveal(timeline.events) };
  }

  #revealing(options: ReadOptions): boolean {
    return options.revealSensitive === true && this.deps.fields !== undefined;
  }

  #reveal(events: readonly EngineEvent[]): Promise<EngineEvent[]> {
    const fields = this.deps.fields as Pick<FieldEncryption, 'reveal'>;
    return Promise.all(events.map((event) => fields.reveal(event)));
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
