/**
 * The read side of the HTTP API, the same in both homes: `GET /events`, `GET /events/{id}`,
 * `GET /correlations/{id}`, `GET /executions` and `GET /executions/{name}`, from their query
 * parameters to their answers — or a NotFoundError naming what is missing.
 */
import type { EngineEvent } from '../envelope.js';
import { NotFoundError } from '../errors.js';
import type { FieldEncryption } from '../field-encryption.js';
import type { ExecutionRecord } from '../execution.js';
import { parseExecutionQuery } from '../execution-query.js';
import type { EventStore } from '../ports/events.js';
import { toApiExecution, type ExecutionPage, type ExecutionStore } from '../ports/executions.js';
import { parseEventQuery, type EventPage, type QueryParameters } from '../query.js';
import type { CorrelationTimeline } from '../timeline.js';
import { correlationTimeline } from './timeline.js';

export interface EngineQueriesDeps {
  events: Pick<EventStore, 'get' | 'query'>;
  executions: Pick<ExecutionStore, 'get' | 'list' | 'byCorrelation'>;
  /** Opens encrypted fields for a reader allowed to see them (`events:read-sensitive`); without it they stay sealed. */
  fields?: Pick<FieldEncryption, 'reveal'>;
}

/** How an event read answers: encrypted fields stay sealed unless the caller may see them. */
export interface ReadOptions {
  /** The caller holds `events:read-sensitive`: answer encrypted fields in the clear. */
  revealSensitive?: boolean;
}

/** A home without execution records (a deployment with no State table): timelines hold only events. */
export const NO_EXECUTIONS: EngineQueriesDeps['executions'] = { byCorrelation: async () => [], list: async () => ({ executions: [] }), get: async () => undefined };

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

  /** A correlation's first 1,000 events and its executions. @throws NotFoundError when it has neither. */
  async correlation(correlationId: string, options: ReadOptions = {}): Promise<CorrelationTimeline> {
    const timeline = await correlationTimeline(correlationId, this.deps);
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
