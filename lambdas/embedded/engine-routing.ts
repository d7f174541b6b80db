/**
 * The embedded engine's event path, wired on its stores: ingest → store → change feed → router → starter → runner,
 * with flow control, correlation waits, the lifecycle and the sweeper — the in-process stand-ins for DynamoDB
 * Streams, Lambda and Step Functions — plus the feed's consumer, starts outside routing and the recovery after a crash.
 * Built once by `EmbeddedEngine` (embedded-engine.ts), which owns the state the callbacks below report to.
 */
import { randomBytes } from 'node:crypto';
import {
  CorrelationActivity,
  CorrelationWaits,
  type EngineEvent,
  EventRouter,
  ExecutionLifecycle,
  type FieldEncryption,
  FlowControl,
  type IngestDeps,
  type Logger,
  liveEnvelope,
  type RuleSet,
  type StopCause,
  type Trigger,
} from '../core/index.js';
import type { Project } from '../project/load-project.js';
import type { LocalWorkflowRunner } from './asl-runner.js';
import { ChangeFeed, StoredEventSignals } from './change-feed.js';
import { EmbeddedWorkflowStarter } from './embedded-workflow-starter.js';
import type { EmbeddedStores } from './embedded-stores.js';
import { EngineSweeps } from './engine-sweeps.js';
import { LocalExecutions } from './local-executions.js';
import { LocalWorkflowControl } from './local-workflow-control.js';
import type { PrometheusEngineMetrics } from './prometheus-metrics.js';
import { SqliteFlowStateStore } from './sqlite-flow-state-store.js';
import { SqliteWakeUps } from './sqlite-wake-ups.js';
import { LocalTaskTokens, type TaskTokens } from './task-tokens.js';

/** What the engine that builds the event path tells it, and is told by it. */
export interface EngineHost {
  /** A store failure: health is degraded until a write succeeds. */
  noteStoreFailure(error: unknown): void;
  /** A write succeeded (an event was stored). */
  storeRecovered(): void;
  /** Whether the engine is closing (the runner ends no execution then, the feed's consumer routes nothing). */
  closing(): boolean;
  /** cancelOn's stop: as `POST /executions/{name}/stop` does (ABORTED, workflow.aborted). */
  stopExecution(name: string, cause: StopCause): Promise<unknown>;
}

export interface EngineRoutingDeps {
  project: Project;
  stores: EmbeddedStores;
  runner: LocalWorkflowRunner;
  tokens: TaskTokens;
  /** The live set: every reader sees a change to the managed layer from the next event on. */
  ruleSet: RuleSet;
  fields: FieldEncryption | undefined;
  metrics: PrometheusEngineMetrics;
  logger: Logger;
  now: () => number;
}

/** @example const routing = wireRouting({ project, stores, runner, tokens, ruleSet, fields, metrics, logger, now }, host) */
export function wireRouting(deps: EngineRoutingDeps, host: EngineHost) {
  const { project, stores, ruleSet, fields, metrics, logger, now } = deps;
  const clock = { now };
  const sealed = fields === undefined ? {} : { fields };
  const { events, executions, waiters, joins, marks, deadLetters, checkpoints, db, writes } = stores;
  const correlations = new CorrelationActivity({ metrics, clock });
  metrics.beforeScrape = () => correlations.expire();
  // The consumer (`route`, below) is called only once the whole path is built.
  const feed = new ChangeFeed<EngineEvent>(
    (batch) => route(batch),
    (batch, error) => {
      host.noteStoreFailure(error);
      logger.error('routing failed; the events stay unrouted until a sweep', { eventIds: batch.map((e) => e.id), error: String(error) });
    },
  );
  // What the store takes goes on the change feed, as DynamoDB Streams carries an inserted item to the router.
  const signals = new StoredEventSignals(events, (event) => feed.publish(event), now);
  const stream = signals.store;
  const ingest: IngestDeps = {
    store: stream,
    envelope: liveEnvelope(clock, randomBytes),
    metrics,
    ...sealed,
    onStored: (event, { duplicate }) => {
      host.storeRecovered();
      logger.info('event received', { eventId: event.id, type: event.type, source: event.source, correlationId: event.correlationId, duplicate });
    },
  };
  const flowStore = new SqliteFlowStateStore(db, writes);
  const wakeUps = new SqliteWakeUps(db, writes, { now, logger });
  // Flow control starts through the starter (built below, used only later) and stops as the stop API does.
  const flow = new FlowControl({
    ruleSet,
    store: flowStore,
    wakeUps,
    starter: { start: (trigger) => starter.start(trigger) },
    executions,
    stopExecution: (name, cause) => host.stopExecution(name, cause),
    metrics,
    logger,
    clock,
  });
  const lifecycle = new ExecutionLifecycle({ executions, events: stream, clock, metrics, flow, ...sealed });
  const runs = new LocalExecutions({
    runner: deps.runner,
    checkpoints,
    lifecycle,
    executions,
    onEnded: (name) => waiters.removeForExecution(name),
    logger,
    now,
    closing: () => host.closing(),
    ...sealed,
  });
  const workflowControl = new LocalWorkflowControl({ runs, checkpoints, executions });
  const starter = new EmbeddedWorkflowStarter({ executions, launch: (execution) => runs.launch(execution), clock });
  const waits = new CorrelationWaits({ waiters, tokens: new LocalTaskTokens(deps.tokens), events, clock });
  const objective = project.config?.realTimeExecution.maxLatencyMs;
  const measured = { metrics, correlations, ...(objective === undefined ? {} : { startLatencyObjectiveMs: objective }) };
  const router = new EventRouter({ ruleSet, starter, joins, waits, marks, logger, clock, flow, ...measured });
  const sweeps = new EngineSweeps(
    {
      marks,
      route: (event, receivedAt) => router.route(event, { via: 'sweeper', ...(receivedAt === undefined ? {} : { receivedAt }) }),
      deadLetters,
      clock,
      onFailed: (eventId, attempts, error) => logger.error('sweep of an event failed', { eventId, attempts, error: String(error) }),
    },
    logger,
  );
  /** The change feed's consumer: each event of the batch routed by the one router; a failure stays unrouted for the sweeper. */
  const route = async (batch: readonly EngineEvent[]): Promise<void> => {
    if (host.closing()) return;
    // Together, so that each routing step of the whole batch shares one commit.
    const context = (event: EngineEvent) => {
      const receivedAt = signals.receivedAt(event);
      return receivedAt === undefined ? { via: 'stream' } : { via: 'stream', receivedAt };
    };
    const outcomes = await Promise.allSettled(batch.map((event) => router.route(event, context(event))));
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'rejected') {
        host.noteStoreFailure(outcome.reason);
        logger.error('routing failed; the event stays unrouted until a sweep', { eventId: batch[i]?.id, error: String(outcome.reason) });
      }
    });
  };
  /** Starts a trigger outside routing (a replayed event from the bus), once. */
  const start = (trigger: Trigger): void => {
    runs.track(starter.start(trigger).catch((error: unknown) => logger.error('starting an execution failed', { executionName: trigger.executionName, error: String(error) })));
  };
  /** After a crash: resume executions that never finished at their checkpoints, then sweep what was never routed. */
  const recover = (): void => {
    waiters.clear();
    for (const execution of executions.running()) {
      const state = checkpoints.get(execution.name)?.state;
      logger.warn('resuming an execution a previous run left unfinished', {
        executionName: execution.name,
        eventId: execution.eventId,
        ...(state === undefined ? {} : { state }),
      });
      runs.launch(execution, { resumed: true });
    }
    runs.track(sweeps.startup().catch((error: unknown) => logger.error('the start-up sweep failed', { error: String(error) })));
  };
  return { feed, signals, ingest, flowStore, wakeUps, flow, lifecycle, runs, workflowControl, starter, waits, sweeps, start, recover };
}

/** The event path's parts, as `EmbeddedEngine` keeps them. */
export type EngineRouting = ReturnType<typeof wireRouting>;
