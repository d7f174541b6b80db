/**
 * The embedded engine as a library (DESIGN §1, contract): `createEngine(config)` gives a Node
 * application the seed's functions without HTTP.
 *
 * @example
 * const engine = await createEngine({ eventSourcing: { storePath: ':memory:' } });
 * await engine.ingestEvent({ type: 'user_registration', source: 'web', data: { user_type: 'premium' } });
 * await engine.close();
 */
import { resolve } from 'node:path';
import { compileRules, planTriggers, type Condition, type EngineEvent, type ExecutionRecord, type ReplayJob, type Rule } from '../core/index.js';
import { defaultPaths, loadProject, ProjectError, type Project, type ProjectPaths } from '../project/load-project.js';
import { EmbeddedEngine } from './embedded-engine.js';
import { createLogger, type LogLevel } from './logger.js';
import { toApiExecution } from './sqlite-execution-store.js';

/** A trigger rule as the seed writes it; DESIGN §5's fields are accepted too. */
export interface TriggerRule {
  id?: string;
  eventType: string | string[];
  conditions?: Condition[];
  workflow: string;
  priority?: number;
  pattern?: Record<string, unknown>;
  stop?: boolean;
  correlateBy?: string;
  enabled?: boolean;
}

export interface EventSourceConfig {
  type: string;
  [setting: string]: unknown;
}

/** The seed's `EventDrivenEngineConfig`, plus where the project's files are. */
export interface EventDrivenEngineConfig {
  eventSources?: EventSourceConfig[];
  /** Rules given in code; when absent, `rules/*.yaml` are loaded. */
  triggerRules?: TriggerRule[];
  eventSourcing?: {
    /** SQLite file, or `:memory:` (the default for the library). */
    storePath?: string;
    /** Days events are kept; default 30. */
    retentionDays?: number;
  };
  realTimeExecution?: Record<string, unknown>;
  /** Project directories; default `rules/`, `workflows/`, `lambdas/tasks/` under the working directory. */
  paths?: Partial<ProjectPaths>;
  logLevel?: LogLevel;
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
  ingestEvent(event: unknown): Promise<void>;
  /** The rules this event would fire, in firing order (nothing is started). */
  routeEvent(event: EngineEvent): Promise<TriggerRule[]>;
  /** Runs the rule's workflow for the event (once per pair) and resolves when it ends. */
  executeTriggeredWorkflow(trigger: TriggerRule, event: EngineEvent): Promise<ExecutionResult>;
  /** Re-runs one workflow over the stored events with `startTime ≤ timestamp < endTime`. */
  replayEventStream(workflowId: string, startTime: Date | string, endTime: Date | string): Promise<ReplayResult>;
  /** Resolves when every ingested event is routed and every execution has ended. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function createEngine(config: EventDrivenEngineConfig = {}): Promise<Engine> {
  const paths = { ...defaultPaths(), ...config.paths };
  const project = config.triggerRules ? projectFromRules(config.triggerRules, paths) : loadProject(paths);
  const storePath = config.eventSourcing?.storePath ?? ':memory:';
  const engine = await EmbeddedEngine.open({
    project,
    dbPath: storePath === ':memory:' ? storePath : resolve(storePath),
    retentionDays: config.eventSourcing?.retentionDays ?? 30,
    logger: createLogger({ level: config.logLevel ?? 'warn' }),
  });
  const asRule = (trigger: TriggerRule): Rule => toRule(trigger, 0);

  return {
    async ingestEvent(event) {
      await engine.ingest(event);
    },
    async routeEvent(event) {
      return project.ruleSet.route(event).map(fromRule);
    },
    async executeTriggeredWorkflow(trigger, event) {
      const [planned] = planTriggers(event, [asRule(trigger)]);
      if (!planned) throw new Error('unreachable: one rule plans one trigger');
      if (!project.workflows.has(planned.workflowId)) throw new ProjectError([{ file: '(trigger)', line: 1, column: 1, path: 'workflow', message: `unknown workflow "${planned.workflowId}"` }]);
      return toApiExecution(await engine.execute(planned));
    },
    async replayEventStream(workflowId, startTime, endTime) {
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

/** Builds a project from rules given in code, checking their workflows exist on disk. */
function projectFromRules(triggerRules: readonly TriggerRule[], paths: ProjectPaths): Project {
  const base = loadProject({ ...paths, rulesDir: resolve(paths.rulesDir, '.edwe-no-rules') });
  const rules = triggerRules.map(toRule);
  const missing = rules.filter((rule) => !base.workflows.has(rule.workflow));
  if (missing.length > 0) {
    throw new ProjectError(missing.map((rule) => ({ file: '(config.triggerRules)', line: 1, column: 1, path: 'workflow', message: `rule "${rule.id}" names workflow "${rule.workflow}", which is not in ${paths.workflowsDir}` })));
  }
  return { ...base, rules, ruleSet: compileRules(rules) };
}

function toRule(trigger: TriggerRule, index: number): Rule {
  const id = trigger.id ?? generatedRuleId(trigger, index);
  const rule: Rule = {
    id,
    eventType: trigger.eventType,
    workflow: trigger.workflow,
    priority: trigger.priority ?? 0,
    conditions: trigger.conditions ?? [],
    stop: trigger.stop ?? false,
    enabled: trigger.enabled ?? true,
  };
  if (trigger.pattern !== undefined) rule.pattern = trigger.pattern;
  if (trigger.correlateBy !== undefined) rule.correlateBy = trigger.correlateBy;
  return rule;
}

function fromRule(rule: Rule): TriggerRule {
  const { location: _location, ...rest } = rule;
  return rest;
}

/** A stable id for a rule given without one: `<types>-<workflow>-<position>`, slugged. */
function generatedRuleId(trigger: TriggerRule, index: number): string {
  const types = Array.isArray(trigger.eventType) ? trigger.eventType.join('-') : trigger.eventType;
  const slug = `${types}-${trigger.workflow}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 56);
  return `${slug || 'rule'}-${index}`;
}
