/**
 * The read side of the HTTP API, the same in both homes: `GET /events`, `GET /events/{id}`,
 * `GET /correlations/{id}`, `GET /executions` and `GET /executions/{name}`, from their query
 * parameters to their answers — or a NotFoundError naming what is missing.
 */
import type { EngineEvent } from '../envelope.js';
import { NotFoundError } from '../errors.js';
import type { ExecutionRecord } from '../execution.js';
import { parseExecutionQuery } from '../execution-query.js';
import type { EventStore } from '../ports/events.js';
import { toApiExecution, type ExecutionPage, type ExecutionStore } from '../ports/executions.js';
import { parseEventQuery, type EventPage, type QueryParameters } from '../query.js';
import { correlationTimeline, parseTimelinePage, type CorrelationPage } from './timeline.js';

export interface EngineQueriesDeps {
  events: Pick<EventStore, 'get' | 'query'>;
  executions: Pick<ExecutionStore, 'get' | 'list' | 'byCorrelation'>;
}

/** A home without execution records (a deployment with no State table): timelines hold only events. */
export const NO_EXECUTIONS: EngineQueriesDeps['executions'] = { byCorrelation: async () => [], list: async () => ({ executions: [] }), get: async () => undefined };

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
   * A page of a correlation's events (`limit`, default 1,000; `cursor` continues) with the executions
   * started within it. @throws ValidationError for bad parameters, NotFoundError when it has neither.
   */
  async correlation(correlationId: string, parameters: QueryParameters = {}): Promise<CorrelationPage> {
    const timeline = await correlationTimeline(correlationId, this.deps, parseTimelinePage(parameters));
    if (timeline.events.length === 0 && timeline.executions.length === 0) throw new NotFoundError(`No events or executions with correlationId "${correlationId}"`);
    return timeline;
  }

  /** @throws ValidationError naming each bad parameter. */
  executions(parameters: QueryParameters): Promise<ExecutionPage> {
    return this.deps.executions.list(parseExecutionQuery(parameters));
  }

  /** @throws NotFoundError when no execution has this name. */
  async execution(name: string): Promise<ExecutionRecord> {
    const execution = await this.deps.executions.get(name);
    if (execution === undefined) throw new NotFoundError(`No execution named "${name}"`);
    return toApiExecution(execution);
  }
}
