/**
 * The engine in one process: SQLite store → change feed → router → local ASL runner.
 * The HTTP server, the CLI and `createEngine` (the library entry) all drive this class.
 */
import { randomBytes } from 'node:crypto';
import {
  normaliseEvent,
  planTriggers,
  ulid,
  type EngineEvent,
  type EnvelopeContext,
  type PutResult,
  type Trigger,
} from '../core/index.js';
import type { Project } from '../project/load-project.js';
import { LocalWorkflowRunner } from './asl-runner.js';
import { ChangeFeed } from './change-feed.js';
import { createLogger, type Logger } from './logger.js';
import { openDatabase, type SqliteDatabase } from './sqlite-database.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { SqliteExecutionStore, type StoredExecution } from './sqlite-execution-store.js';

export interface EmbeddedEngineOptions {
  project: Project;
  /** A file path, or `:memory:`. */
  dbPath: string;
  retentionDays?: number;
  logger?: Logger;
  now?: () => number;
}

export class EmbeddedEngine {
  readonly events: SqliteEventStore;
  readonly executions: SqliteExecutionStore;
  readonly #feed: ChangeFeed<EngineEvent>;
  readonly #running = new Set<Promise<void>>();
  readonly #envelope: EnvelopeContext;
  #closed = false;

  private constructor(
    readonly project: Project,
    private readonly db: SqliteDatabase,
    private readonly runner: LocalWorkflowRunner,
    private readonly logger: Logger,
    private readonly now: () => number,
    retentionDays: number,
  ) {
    this.events = new SqliteEventStore(db, { retentionDays, now });
    this.executions = new SqliteExecutionStore(db);
    this.#envelope = { clock: { now }, ids: { newId: (t) => ulid(t, randomBytes(10)) } };
    this.#feed = new ChangeFeed(
      (event) => this.#routeStored(event),
      (event, error) => this.logger.error('routing failed; the event stays unrouted until the next start', { eventId: event.id, error: String(error) }),
    );
  }

  /**
   * Opens the database, loads the workflows, resumes executions a previous process left running,
   * and sweeps events that were stored but never routed.
   */
  static async open(options: EmbeddedEngineOptions): Promise<EmbeddedEngine> {
    const runner = await LocalWorkflowRunner.load(options.project.workflows.values(), options.project.paths);
    const engine = new EmbeddedEngine(
      options.project,
      openDatabase(options.dbPath),
      runner,
      options.logger ?? createLogger(),
      options.now ?? Date.now,
      options.retentionDays ?? 30,
    );
    engine.#recover();
    return engine;
  }

  /** Validates and stores one event (durably), then hands it to the router. */
  async ingest(input: unknown): Promise<PutResult & { event: EngineEvent }> {
    const event = normaliseEvent(input, this.#envelope);
    const result = this.events.putSync(event);
    this.logger.info('event received', { eventId: event.id, type: event.type, source: event.source, correlationId: event.correlationId, duplicate: result.duplicate });
    if (!result.duplicate) this.#feed.publish(event);
    return { ...result, event };
  }

  /** The rules this event fires, and the executions they start (recorded before they run). */
  async route(event: EngineEvent): Promise<Trigger[]> {
    const rules = this.project.ruleSet.route(event);
    const triggers = planTriggers(event, rules);
    const startedAt = new Date(this.now()).toISOString();
    const fresh = this.db.transaction(() => {
      const begun = triggers.filter((trigger) => this.executions.begin(trigger, startedAt));
      this.events.markRouted(event.id);
      return begun;
    })();
    this.logger.info('event routed', { eventId: event.id, type: event.type, rules: rules.map((r) => r.id) });
    for (const trigger of fresh) {
      const record = this.executions.get(trigger.executionName);
      if (record) this.#launch(record);
    }
    return triggers;
  }

  executionsForEvent(eventId: string): StoredExecution[] {
    return this.executions.byEvent(eventId);
  }

  /** Resolves when every stored event is routed and every execution has finished. */
  async idle(): Promise<void> {
    for (;;) {
      await this.#feed.drained();
      if (this.#running.size === 0 && this.#feed.backlog === 0) return;
      await Promise.allSettled([...this.#running]);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.idle();
    this.db.close();
  }

  async #routeStored(event: EngineEvent): Promise<void> {
    if (this.#closed) return;
    await this.route(event);
  }

  #launch(execution: StoredExecution): void {
    const { name, workflowId, ruleId, eventId, correlationId } = execution;
    this.logger.info('execution started', { executionName: name, workflowId, ruleId, eventId, correlationId });
    const run = this.runner
      .run(workflowId, execution.input, { executionName: name, startTime: execution.startedAt })
      .then((outcome) => {
        if (this.#closed && !this.db.open) return;
        const { status, ...result } = outcome;
        this.executions.finish(name, status, new Date(this.now()).toISOString(), result);
        const fields = { executionName: name, workflowId, ruleId, eventId, correlationId, status, ...(result.error ? { error: result.error } : {}) };
        if (status === 'SUCCEEDED') this.logger.info('execution finished', fields);
        else this.logger.warn('execution finished', fields);
      });
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }

  /** After a crash: re-run executions that never finished, then route what was never routed. */
  #recover(): void {
    for (const execution of this.executions.running()) {
      this.logger.warn('resuming an execution a previous run left unfinished', { executionName: execution.name, eventId: execution.eventId });
      this.#launch(execution);
    }
    let swept = 0;
    for (const event of this.events.unrouted()) {
      this.#feed.publish(event);
      swept++;
    }
    if (swept > 0) this.logger.info('sweeper found unrouted events', { count: swept });
  }
}
