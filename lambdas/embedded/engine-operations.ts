/**
 * The embedded engine's operator side, wired on its stores: the read API, schedules, replays, and stop, redrive and
 * bulk actions. Built once by `EmbeddedEngine`; kept apart from the routing path it drives (embedded-engine.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  EngineQueries,
  ExecutionActions,
  type EngineMetrics,
  type ExecutionLifecycle,
  type EncryptRule,
  FieldEncryption,
  type IngestDeps,
  type Logger,
  queuedStops,
  REPLAY_SOURCE,
  type ReplayBusEntry,
  RuleCatalog,
  RulesAsOf,
  readRuleDocument,
  ScheduleRunner,
  scheduleView,
  settledRulesAsOf,
  type Trigger,
  ulidIds,
  type WorkflowControl,
} from '../core/index.js';
import type { Project } from '../project/load-project.js';
import { LocalBulkActions } from './bulk-action-jobs.js';
import type { EmbeddedStores } from './embedded-stores.js';
import { LocalBus } from './local-bus.js';
import { LocalDataKeys } from './local-data-keys.js';
import { LocalReplayJobs } from './replay-jobs.js';
import { ScheduleTimer } from './schedule-timer.js';
import type { SqliteFlowStateStore } from './sqlite-flow-state-store.js';
import { SqliteScheduleState } from './sqlite-schedule-state.js';

/** What the operator side needs from the engine that builds it. */
export interface EngineOperationsDeps {
  project: Project;
  stores: EmbeddedStores;
  rules: RuleCatalog;
  ingest: IngestDeps;
  lifecycle: ExecutionLifecycle;
  /** Where stop and redrive act: the runner's control, or one a test passes in. */
  control: WorkflowControl;
  flowStore: SqliteFlowStateStore;
  fields: FieldEncryption | undefined;
  metrics: EngineMetrics;
  logger: Logger;
  now: () => number;
  retentionDays: number;
  /** Starts a replayed trigger outside routing, once (the engine tracks it). */
  start: (trigger: Trigger) => void;
}

/** The operator side's services, as `EmbeddedEngine` exposes them. */
export interface EngineOperations {
  queries: EngineQueries;
  schedules: ScheduleRunner;
  scheduleTimer: ScheduleTimer;
  replays: LocalReplayJobs;
  actions: ExecutionActions;
  bulkActions: LocalBulkActions;
}

/** @example const ops = wireOperations({ project, stores, rules, ingest, lifecycle, control, flowStore, fields, metrics, logger, now, retentionDays, start }) */
export function wireOperations(deps: EngineOperationsDeps): EngineOperations {
  const { project, stores, rules, fields, metrics, logger, now, retentionDays } = deps;
  const { events, executions, db, writes } = stores;
  const clock = { now };
  const ruleSet = rules.ruleSet;
  // Per-workflow "bus rules" for replayed events, as on AWS: each starts its workflow under the replay's name.
  const bus = new LocalBus();
  for (const workflowId of project.workflows.keys()) {
    bus.subscribe({ source: [REPLAY_SOURCE], detail: { workflowId: [workflowId] } }, (entry) => {
      const { ruleId, ruleVersion, executionName, input } = (entry as ReplayBusEntry).detail;
      deps.start({ workflowId, ruleId, executionName, input, ...(ruleVersion === undefined ? {} : { ruleVersion }) });
    });
  }
  const queries = new EngineQueries({ events, executions, ruleSet, flowSkips: deps.flowStore, ...(fields === undefined ? {} : { fields }) });
  const ids = ulidIds(randomBytes);
  const newId = () => ids.newId(now());
  // The live set: a schedule rule created, changed or disabled through the rules API fires (or stops) without a restart.
  const schedules = new ScheduleRunner({ rules: () => rules.ruleSet.rules, ingest: deps.ingest, state: new SqliteScheduleState(db, writes), clock, ids, logger });
  const scheduleTimer = new ScheduleTimer(schedules, now, logger);
  // `rules: "as-of-event"`: the managed rules' recorded changes give the set in force at each event's time.
  const rulesAsOf = settledRulesAsOf((until: string) => RulesAsOf.load(stores.rules, project.rules, project.workflows, until, readRuleDocument), clock);
  const replays = new LocalReplayJobs({ db, events, writes, bus, ruleSet, rulesAsOf, logger, now, newId, retentionDays });
  // A QUEUED execution is stopped where flow control holds it: its record ends ABORTED, its trigger leaves the queue.
  const queued = queuedStops({ executions, skips: deps.flowStore, metrics, clock });
  const actions = new ExecutionActions({ executions, control: deps.control, lifecycle: deps.lifecycle, clock, queued });
  const bulkActions = new LocalBulkActions({ db, writes, executions, actions, logger, now, newId, retentionDays });
  return { queries, schedules, scheduleTimer, replays, actions, bulkActions };
}

/** What opening the rules and the field keys needs. */
export interface EngineRulesOptions {
  project: Project;
  stores: EmbeddedStores;
  encrypt: EncryptRule[];
  /** The data key file; `undefined`: a per-process key. */
  keyFile: string | undefined;
  /** Where rule changes are audited (the engine's own ingest, once it exists). */
  audit: (event: unknown) => Promise<unknown>;
  now: () => number;
  logger: Logger;
}

/**
 * The field keys and both layers of rules, opened after the store (opening it creates the database's directory,
 * where the key file goes); the store is closed again when either fails.
 */
export async function openEngineRules(options: EngineRulesOptions): Promise<{ fields: FieldEncryption | undefined; rules: RuleCatalog }> {
  const { project, stores, encrypt, now, logger } = options;
  try {
    const fields = encrypt.length === 0 ? undefined : new FieldEncryption(encrypt, LocalDataKeys.open(options.keyFile));
    const rules = await RuleCatalog.open({
      store: stores.rules,
      files: project.rules,
      workflows: project.workflows,
      // A managed rule may only ask whether an encrypted field exists, as the rule files may.
      encrypt,
      audit: options.audit,
      clock: { now },
      logger,
      // `GET /rules/{id}` (and the listing) show a schedule rule's next three fires.
      describe: scheduleView({ now }),
    });
    return { fields, rules };
  } catch (error) {
    stores.close();
    throw error;
  }
}
