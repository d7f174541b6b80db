/**
 * The embedded engine as a library (see docs/architecture.md): `createEngine(config)` gives a Node
 * application the seed's functions without HTTP.
 *
 * @example
 * const engine = await createEngine({ eventSourcing: { storePath: ':memory:' } });
 * await engine.ingestEvent({ type: 'user_registration', source: 'web', data: { user_type: 'premium' } });
 * await engine.close();
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  liveEnvelope,
  normaliseEvent,
  compileRules,
  encryptedFieldUses,
  parseEngineConfigValue,
  planTriggers,
  ValidationError,
  type Condition,
  type EngineEvent,
  type EventSourceConfig,
  type ExecutionRecord,
  type ReplayJob,
  type Rule,
} from '../core/index.js';
import { defaultPaths, loadProject, ProjectError, type Project, type ProjectPaths } from '../project/load-project.js';
import { EmbeddedEngine } from './embedded-engine.js';
import { createLogger, type LogLevel } from './logger.js';
import { toApiExecution } from './sqlite-execution-store.js';

/**
 * An event as the seed writes it: `timestamp` a `Date` or an ISO 8601 string with a time zone
 * (default: now), `id` assigned when absent. `data` is a JSON object.
 */
export interface Event {
  id?: string;
  type: string;
  source: string;
  timestamp?: Date | string;
  data?: Record<string, unknown>;
  correlationId?: string;
}

/** A trigger rule as the seed writes it (`eventType`, `conditions`, `workflowId`, `priority`); the rule language's fields are accepted too. */
export interface TriggerRule {
  id?: string;
  /** Required unless `all` is given. */
  eventType?: string | string[];
  /** A multi-event trigger: every one of these types, with one correlationId, within `within`. */
  all?: string[];
  within?: string;
  conditions?: Condition[];
  /** The workflow to start; `workflowId` is the seed's name for it. One of the two is required. */
  workflow?: string;
  workflowId?: string;
  priority?: number;
  pattern?: Record<string, unknown>;
  stop?: boolean;
  correlateBy?: string;
  enabled?: boolean;
}

/**
 * The seed's `EventDrivenEngineConfig` (camelCase or the seed's snake_case keys, validated by the
 * same reader as the seed's configuration file), plus where the embedded engine keeps its files.
 */
export interface EventDrivenEngineConfig {
  eventSources?: EventSourceConfig[];
  /** Rules given in code; when absent, `rules/*.yaml` are loaded. */
  triggerRules?: TriggerRule[];
  /** `retention` (`"30d"`, or a number of days), `replayEnabled`. */
  eventSourcing?: Record<string, unknown>;
  realTimeExecution?: Record<string, unknown> | boolean;
  /** SQLite file, or `:memory:` (the default for the library). */
  storePath?: string;
  /** Whether a commit waits for the OS (`normal`, default) or the disk (`full`); see README, Durability. */
  sync?: 'normal' | 'full';
  /** Project directories; default `rules/`, `workflows/`, `workflows/tasks/` under the working directory. */
  paths?: Partial<ProjectPaths>;
  logLevel?: LogLevel;
  /** The data key file for `eventSourcing.encrypt`; default `<storePath>.key` (a per-process key in memory). */
  dataKeyFile?: string;
}

export interface ExecutionResult extends ExecutionRecord {}

/** What a replay did: its counts, and the executions it started with their outcomes. */
export interface ReplayResult {
  replayId: string;
  workflowId: string;
  status: ReplayJob['status'];
  /** Events in the window routed to the workflow. */
  matched: number;
  /** Executions started. */
  emitted: number;
  /** Emissions that found no workflow to deliver to. */
  failed: number;
  /** Executions that ended other than SUCCEEDED. */
  executionsFailed: number;
  executions: ExecutionRecord[];
}

export interface Engine {
  /** Validates and durably stores the event; routing and execution follow asynchronously. */
  ingestEvent(event: Event | EngineEvent): Promise<void>;
  /** The rules this event would fire, in firing order (nothing is started). */
  routeEvent(event: Event | EngineEvent): Promise<TriggerRule[]>;
  /** Runs the rule's workflow for the event (once per pair: give the event an `id`) and resolves when it ends. */
  executeTriggeredWorkflow(trigger: TriggerRule, event: Event | EngineEvent): Promise<ExecutionResult>;
  /** Re-runs one workflow over the stored events with `startTime ≤ timestamp < endTime`. */
  replayEventStream(workflowId: string, startTime: Date | string, endTime: Date | string): Promise<ReplayResult>;
  /** Resolves when every ingested event is routed and every execution has ended. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function createEngine(config: EventDrivenEngineConfig = {}): Promise<Engine> {
  const { storePath = ':memory:', sync = 'normal', paths: pathOverrides, logLevel, dataKeyFile, ...seed } = config;
  const settings = parseEngineConfigValue(seed, 'createEngine(config)');
  const paths = { ...defaultPaths(), ...pathOverrides };
  const project = config.triggerRules ? projectFromRules(settings.triggerRules, paths) : loadProject(paths);
  const misuses = encryptedFieldUses(project.rules, settings.eventSourcing.encrypt);
  if (misuses.length > 0) throw new ProjectError(misuses.map(({ key, message }) => ({ file: 'createEngine(config)', line: 1, column: 1, path: key, message })));
  const envelope = liveEnvelope({ now: () => Date.now() }, randomBytes);
  const toEngineEvent = (event: Event | EngineEvent): EngineEvent => normaliseEvent(withIsoTimestamp(event), envelope);
  const engine = await EmbeddedEngine.open({
    project,
    dbPath: storePath === ':memory:' ? storePath : resolve(storePath),
    retentionDays: settings.eventSourcing.retentionSeconds / 86_400,
    sync,
    logger: createLogger({ level: logLevel ?? 'warn' }),
    // Given in code, else the project configuration's (rules/*.yaml).
    ...(settings.eventSourcing.encrypt.length === 0 ? {} : { encrypt: settings.eventSourcing.encrypt }),
    ...(dataKeyFile === undefined ? {} : { dataKeyFile: resolve(dataKeyFile) }),
  });

  return {
    async ingestEvent(event) {
      await engine.ingest(withIsoTimestamp(event));
    },
    async routeEvent(event) {
      return engine.ruleSet.route(toEngineEvent(event)).map(fromRule);
    },
    async executeTriggeredWorkflow(trigger, event) {
      const rule = toRule(trigger);
      if (rule.join) throw new ValidationError(`Rule "${rule.id}" is a multi-event trigger: it fires when its events have all arrived, not for one event`);
      const [planned] = planTriggers(toEngineEvent(event), [rule]);
      if (!planned) throw new Error('unreachable: one rule plans one trigger');
      if (!project.workflows.has(planned.workflowId))
        throw new ProjectError([{ file: '(trigger)', line: 1, column: 1, path: 'workflow', message: `unknown workflow "${planned.workflowId}"` }]);
      return toApiExecution(await engine.execute(planned));
    },
    async replayEventStream(workflowId, startTime, endTime) {
      if (!settings.eventSourcing.replayEnabled) throw new ValidationError('Replay is disabled by event_sourcing.replay_enabled: false');
      const iso = (t: Date | string) => (t instanceof Date ? t.toISOString() : t);
      const job = await engine.replay(engine.parseReplay({ workflowId, startTime: iso(startTime), endTime: iso(endTime) }));
      const executions = (await engine.replayExecutions(job.replayId)).map(toApiExecution);
      const { status, matched, emitted, failed } = engine.replays.get(job.replayId);
      const executionsFailed = executions.filter((e) => e.status !== 'SUCCEEDED').length;
      return { replayId: job.replayId, workflowId, status, matched, emitted, failed, executionsFailed, executions };
    },
    idle: () => engine.idle(),
    close: () => engine.close(),
  };
}

/**
 * The seed's `timestamp: Date` as the envelope's ISO string; anything else is left for the envelope's
 * validation to judge. @throws ValidationError for an invalid `Date`.
 */
function withIsoTimestamp(event: unknown): unknown {
  if (typeof event !== 'object' || event === null || !((event as Event).timestamp instanceof Date)) return event;
  const timestamp = (event as Event).timestamp as Date;
  if (Number.isNaN(timestamp.getTime())) throw new ValidationError('Invalid event: timestamp: is an invalid Date', [{ path: 'timestamp', message: 'is an invalid Date' }]);
  return { ...event, timestamp: timestamp.toISOString() };
}

/** Builds a project from rules given in code, checking their workflows exist on disk. */
function projectFromRules(rules: Rule[], paths: ProjectPaths): Project {
  const base = loadProject({ ...paths, rulesDir: resolve(paths.rulesDir, '.edwe-no-rules') });
  const missing = rules.filter((rule) => !base.workflows.has(rule.workflow));
  if (missing.length > 0) {
    throw new ProjectError(
      missing.map((rule) => ({
        file: '(config.triggerRules)',
        line: 1,
        column: 1,
        path: 'workflow',
        message: `rule "${rule.id}" names workflow "${rule.workflow}", which is not in ${paths.workflowsDir}`,
      })),
    );
  }
  return { ...base, rules, ruleSet: compileRules(rules) };
}

function toRule(trigger: TriggerRule): Rule {
  return parseEngineConfigValue({ triggerRules: [trigger] }, 'trigger').triggerRules[0] as Rule;
}

/** A loaded rule as the config form (which `toRule` reads back): a join is written as `all` + `within`. */
function fromRule(rule: Rule): TriggerRule {
  // The version is the engine's bookkeeping, not a field a trigger rule is written with.
  const { location: _location, version: _version, join, eventType, ...rest } = rule;
  return join ? ({ ...rest, all: join.types, within: `${join.withinMs}ms` } as TriggerRule) : { ...rest, eventType };
}
