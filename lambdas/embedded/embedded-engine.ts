/**
 * The engine in one process: SQLite store → change feed → router → local ASL runner.
 * The HTTP server, the CLI and `createEngine` (the library entry) all drive this class.
 */
import { randomBytes } from 'node:crypto';
import {
  buildTimeline,
  CorrelationWaits,
  entryError,
  missingTriggerIds,
  MAX_QUERY_LIMIT,
  normaliseEvent,
  planTriggers,
  parseReplayRequest,
  REPLAY_SOURCE,
  ulid,
  type BatchEntryResult,
  type CorrelationTimeline,
  type EngineEvent,
  type EnvelopeContext,
  type TaskServices,
  type PutResult,
  type ReplayBusEntry,
  type ReplayJob,
  type ReplayRequest,
  type Trigger,
  type WaiterOutcome,
} from '../core/index.js';
import type { Project } from '../project/load-project.js';
import { LocalWorkflowRunner } from './asl-runner.js';
import { ChangeFeed } from './change-feed.js';
import { installTaskServices } from '../tasks/runtime.js';
import { GroupCommit } from './group-commit.js';
import { LocalBus, type BusEntry } from './local-bus.js';
import { LocalExecutions } from './local-executions.js';
import { LocalReplayJobs } from './replay-jobs.js';
import { SqliteJoinStore } from './sqlite-join-store.js';
import { SqliteWaiterStore } from './sqlite-waiter-store.js';
import { LocalTaskTokens, TaskTokens } from './task-tokens.js';
import { createLogger, type Logger } from './logger.js';
import { openDatabase, type SqliteDatabase, type SyncMode } from './sqlite-database.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { SqliteExecutionStore, toApiExecution, type StoredExecution } from './sqlite-execution-store.js';

export interface EmbeddedEngineOptions {
  project: Project;
  /** A file path, or `:memory:`. */
  dbPath: string;
  retentionDays?: number;
  /** Whether a commit waits for the OS (`normal`, default) or the disk (`full`). */
  sync?: SyncMode;
  logger?: Logger;
  now?: () => number;
}

export class EmbeddedEngine {
  readonly events: SqliteEventStore;
  readonly executions: SqliteExecutionStore;
  readonly waiters: SqliteWaiterStore;
  readonly replays: LocalReplayJobs;
  readonly #bus = new LocalBus();
  readonly #feed: ChangeFeed<EngineEvent>;
  readonly #writes: GroupCommit;
  readonly #waits: CorrelationWaits;
  readonly #joins: SqliteJoinStore;
  readonly #runs: LocalExecutions;
  readonly #envelope: EnvelopeContext;
  #closed = false;

  private constructor(
    readonly project: Project,
    private readonly db: SqliteDatabase,
    runner: LocalWorkflowRunner,
    tokens: TaskTokens,
    private readonly logger: Logger,
    private readonly now: () => number,
    readonly retentionDays: number,
  ) {
    this.#writes = new GroupCommit(db);
    this.events = new SqliteEventStore(db, { retentionDays, now, writes: this.#writes });
    this.executions = new SqliteExecutionStore(db, this.#writes);
    this.waiters = new SqliteWaiterStore(db, this.#writes);
    this.#joins = new SqliteJoinStore(db, this.#writes);
    this.#waits = new CorrelationWaits({ waiters: this.waiters, tokens: new LocalTaskTokens(tokens), events: { query: async (query) => this.events.query(query) }, clock: { now } });
    this.#runs = new LocalExecutions({
      store: this.executions,
      runner,
      waits: { onExecutionEnded: (name) => this.waiters.removeForExecution(name) },
      logger,
      now,
      emit: (event) => this.ingest(event),
      closing: () => this.#closed,
    });
    // Per-workflow "bus rules" for replayed events, as on AWS: each starts its workflow under the replay's name.
    for (const workflowId of project.workflows.keys()) {
      this.#bus.subscribe({ source: [REPLAY_SOURCE], detail: { workflowId: [workflowId] } }, (entry) => this.#startReplayed(entry));
    }
    this.replays = new LocalReplayJobs({
      db, events: this.events, writes: this.#writes, bus: this.#bus, ruleSet: project.ruleSet, logger, now, newId: () => ulid(now(), randomBytes(10)), retentionDays,
    });
    this.#envelope = { clock: { now }, ids: { newId: (t) => ulid(t, randomBytes(10)) } };
    this.#feed = new ChangeFeed(
      async (events) => {
        await this.#routeStored(events);
      },
      (events, error) =>
        this.logger.error('routing failed; the events stay unrouted until the next start', { eventIds: events.map((e) => e.id), error: String(error) }),
    );
  }

  /**
   * Opens the database, loads the workflows, resumes executions a previous process left running,
   * and sweeps events that were stored but never routed.
   */
  static async open(options: EmbeddedEngineOptions): Promise<EmbeddedEngine> {
    const tokens = new TaskTokens();
    const runner = await LocalWorkflowRunner.load(options.project.workflows.values(), options.project.paths, tokens);
    const engine = new EmbeddedEngine(
      options.project,
      openDatabase(options.dbPath, options.sync),
      runner,
      tokens,
      options.logger ?? createLogger(),
      options.now ?? Date.now,
      options.retentionDays ?? 30,
    );
    installTaskServices(engine.#taskServices());
    engine.#recover();
    engine.replays.resume();
    return engine;
  }

  /** Validates and stores one event (durably), then hands it to the router. */
  async ingest(input: unknown): Promise<PutResult & { event: EngineEvent }> {
    const event = normaliseEvent(input, this.#envelope);
    const result = await this.#writes.submit(() => this.events.putSync(event));
    this.#received(event, result);
    return { ...result, event };
  }

  /**
   * Stores a batch's valid entries in one transaction (one disk sync) and reports each entry:
   * its id, or why it was refused. Nothing already accepted is lost if a later entry is bad.
   */
  async ingestBatch(inputs: readonly unknown[], toInput: (entry: unknown) => unknown = (entry) => entry): Promise<{ failedCount: number; results: BatchEntryResult[] }> {
    const stored: Array<[EngineEvent, PutResult]> = [];
    let failedCount = 0;
    const results = await this.#writes.submit(() =>
      inputs.map((input): BatchEntryResult => {
        try {
          const event = normaliseEvent(toInput(input), this.#envelope);
          const result = this.events.putSync(event);
          stored.push([event, result]);
          return result.duplicate ? { id: result.id, duplicate: true } : { id: result.id };
        } catch (error) {
          failedCount++;
          return entryError(error);
        }
      }),
    );
    for (const [event, result] of stored) this.#received(event, result);
    return { failedCount, results };
  }

  /** The rules this event fires, and the executions they start (recorded before they run). */
  async route(event: EngineEvent): Promise<Trigger[]> {
    return ((await this.#routeStored([event]))[0] ?? []) as Trigger[];
  }

  /**
   * Starts one trigger's execution unless it already exists, and waits for it to end.
   * The same (event, rule) pair always yields the same execution.
   */
  async execute(trigger: Trigger): Promise<StoredExecution> {
    return this.#runs.execute(trigger);
  }

  /**
   * Starts a replay job (see LocalReplayJobs); with `wait`, resolves when the job and every
   * execution it started have ended.
   */
  async replay(request: ReplayRequest): Promise<ReplayJob> {
    return this.replays.start(request);
  }

  /** Validates a `POST /replays` body against this engine's workflows, rules and retention. */
  parseReplay(body: unknown): ReplayRequest {
    return parseReplayRequest(body, { now: this.now(), retentionDays: this.retentionDays, workflows: new Set(this.project.workflows.keys()), ruleSet: this.project.ruleSet });
  }

  /** Executions a replay started, with their outcomes, once the job has ended and they have too. */
  async replayExecutions(replayId: string): Promise<StoredExecution[]> {
    await this.replays.finished(replayId);
    await this.idle();
    return this.executions.byReplay(replayId);
  }

  /** A correlation's events and the executions tied to it, in time order. */
  timeline(correlationId: string): CorrelationTimeline {
    const executions = this.executions.byCorrelationSync(correlationId).map(toApiExecution);
    const { events } = this.events.querySync({ correlationId, limit: MAX_QUERY_LIMIT });
    const triggers = missingTriggerIds(events, executions).flatMap((id) => this.events.getSync(id) ?? []);
    return buildTimeline(correlationId, [...events, ...triggers], executions);
  }

  /** Executions in flight in this process. */
  get runningCount(): number {
    return this.#runs.inFlight;
  }

  executionsForEvent(eventId: string): StoredExecution[] {
    return this.executions.byEvent(eventId);
  }

  /** Resolves when every stored event is routed and every execution has finished. */
  async idle(): Promise<void> {
    for (;;) {
      await this.#feed.drained();
      if (this.#runs.inFlight === 0 && this.#feed.backlog === 0) return;
      await this.#runs.settled();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.idle();
    this.db.close();
  }

  #received(event: EngineEvent, result: PutResult): void {
    this.logger.info('event received', { eventId: event.id, type: event.type, source: event.source, correlationId: event.correlationId, duplicate: result.duplicate });
    if (!result.duplicate) this.#feed.publish(event);
  }

  /**
   * Routes a batch in one transaction: records each execution (the name is the primary key, so a
   * re-routed event starts nothing twice) and marks each event routed; then launches the new ones.
   */
  async #routeStored(events: readonly EngineEvent[]): Promise<Trigger[][]> {
    if (this.#closed) return [];
    const startedAt = new Date(this.now()).toISOString();
    const fresh: Trigger[] = [];
    const planned = await this.#writes.submit(() =>
      events.map((event) => {
        const rules = this.project.ruleSet.route(event);
        const triggers = planTriggers(event, rules);
        for (const rule of rules) {
          const joined = rule.join ? this.#joins.offerSync(rule, event) : undefined;
          if (joined) triggers.push(joined);
        }
        for (const trigger of triggers) if (this.executions.begin(trigger, startedAt)) fresh.push(trigger);
        this.events.markRouted(event.id);
        return triggers;
      }),
    );
    events.forEach((event, i) => this.logger.info('event routed', { eventId: event.id, type: event.type, rules: (planned[i] as Trigger[]).map((t) => t.ruleId) }));
    for (const trigger of fresh) this.#runs.launch(this.executions.getSync(trigger.executionName) as StoredExecution);
    for (const event of events) this.#logCompleted(await this.#waits.onRouted(event), event.correlationId);
    return planned;
  }

  /** A replayed event delivered by the bus: its execution is recorded and run like any other, once. */
  #startReplayed(entry: BusEntry): void {
    const { workflowId, ruleId, executionName, input } = (entry as ReplayBusEntry).detail;
    const trigger: Trigger = { workflowId, ruleId, executionName, input };
    this.#runs.startIfNew(trigger);
  }

  /** The services built-in tasks (`emit-event`, `wait-for-event`) use in this process. */
  #taskServices(): TaskServices {
    return {
      emitEvent: async ({ type, source, data, correlationId }) => {
        const { id } = await this.ingest({ type, source: source ?? 'edwe.emit-event', data: data ?? {}, correlationId });
        return { id };
      },
      registerWaiter: async (request) => {
        const outcome = await this.#waits.register(request);
        if (outcome) this.#logCompleted([outcome], request.correlationId);
      },
    };
  }

  #logCompleted(outcomes: readonly WaiterOutcome[], correlationId: string | undefined): void {
    for (const { token, eventId, delivered } of outcomes) if (delivered) this.logger.info('waiter completed', { token, eventId, correlationId });
  }

  /** After a crash: re-run executions that never finished, then route what was never routed. */
  #recover(): void {
    this.waiters.clear();
    for (const execution of this.executions.running()) {
      this.logger.warn('resuming an execution a previous run left unfinished', { executionName: execution.name, eventId: execution.eventId });
      this.#runs.launch(execution);
    }
    let swept = 0;
    for (const event of this.events.unrouted()) {
      this.#feed.publish(event);
      swept++;
    }
    if (swept > 0) this.logger.info('sweeper found unrouted events', { count: swept });
  }
}
