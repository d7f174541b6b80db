/**
 * The AWS wiring of replay: the environment the `Replay` construct sets, parsed once at cold start,
 * and the adapters and application objects built from it — the page runner, the replay API's jobs
 * and driver, the replayed-execution starter — and the replay adapters' dependencies made of them.
 * With managed rules deployed (RULE_REFRESH_SECONDS set), the functions that select events route by
 * the live set (files and managed layers, as the router does), and a job may ask for the rules in
 * force at each event's time: the managed layer's change log, read once per settled window.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from '../../core/schema.js';
import { compileRules, ReplayPageRunner, RulesAsOf, settledRulesAsOf, type Rule, type RuleSet, type RuleSetsAsOf } from '../../core/index.js';
import { ENV } from '../../layout/environment.js';
import { DynamoDbReplayJobStore } from '../dynamodb-replay-job-store.js';
import type { ReplayStartDeps } from '../eventbridge/replay-start.js';
import { EventBridgeReplayEmitter } from '../eventbridge-replay-emitter.js';
import type { ReplaysHttpDeps } from '../http/replays-http.js';
import type { ReplayPageDeps } from '../jobs/replay-page.js';
import { PowertoolsEngineMetrics } from '../powertools-engine-metrics.js';
import { SfnReplayDriver } from '../sfn-replay-driver.js';
import { SfnWorkflowStarter } from '../sfn-workflow-starter.js';
import { EnvironmentError, jsonMapVar, parseEnv, parseEnvWithMachines, requiredVar, retentionDaysVar, workflowIdsVar } from './env.js';
import { DeadLetterEnv, deadLettersFrom, storeFrom, StoreEnv } from './events.js';
import { fieldsFromEnv } from './field-encryption.js';
import { logger as sharedLogger, metrics as sharedMetrics, traced, tracer } from './powertools.js';
import { bundledRules, refreshingRulesFromEnv, ruleStoreFrom } from './rules.js';

/** The rules as JSON text, put into the bundle by esbuild `define` at synth (see lib/replay.ts). */
declare const __EDWE_RULES__: string | undefined;

type Env = Record<string, string | undefined>;

/** The State table, where replay jobs live. */
export const StateTableEnv = z.object({ [ENV.STATE_TABLE]: requiredVar() });

/** The deployment's ceiling on any job's rate, in entries per second (unset: none). */
export const RateCeilingEnv = z.object({
  [ENV.REPLAY_MAX_RATE]: z.optional(z.coerce.number({ error: 'must be a number of entries per second' }).check(z.positive({ error: 'must be above 0' }))),
});

/** Today's rules, compiled from the bundle (or from `rulesJson`, for tests). */
export function bundledRuleSet(rulesJson?: string): RuleSet {
  const text = rulesJson ?? (typeof __EDWE_RULES__ === 'undefined' ? undefined : __EDWE_RULES__);
  if (text === undefined) throw new EnvironmentError('The replay function was bundled without rules (__EDWE_RULES__ is not defined)');
  return compileRules(JSON.parse(text) as Rule[]);
}

/** Set by the stack when the managed layer is deployed; WORKFLOW_IDS then says which workflows a managed rule may name. */
const ManagedRulesEnv = z.object({
  [ENV.RULE_REFRESH_SECONDS]: z.optional(requiredVar()),
  /** Comma-separated workflow ids. */
  [ENV.WORKFLOW_IDS]: z.optional(workflowIdsVar()),
});

/** The rules a selecting function routes by: the bundle alone, or with managed rules the live set, its refresh, and the rules over time. */
export interface ReplayRules {
  ruleSet: RuleSet;
  refreshRules?: () => Promise<void>;
  rulesAsOf?: (until: string) => Promise<RuleSetsAsOf>;
}

/** The rules of a replay function: see `ReplayRules`. @throws EnvironmentError when managed rules are on without WORKFLOW_IDS */
export function replayRulesFromEnv(env: Env, rulesJson?: string): ReplayRules {
  const config = parseEnv(z.extend(StateTableEnv, ManagedRulesEnv.shape), env);
  if (config.RULE_REFRESH_SECONDS === undefined) return { ruleSet: bundledRuleSet(rulesJson) };
  const workflows = config.WORKFLOW_IDS;
  if (workflows === undefined) throw new EnvironmentError(`Invalid environment: ${ENV.WORKFLOW_IDS} is not set (${ENV.RULE_REFRESH_SECONDS} needs it)`);
  const files = bundledRules(rulesJson);
  const live = refreshingRulesFromEnv(env, files, workflows);
  const store = ruleStoreFrom(config);
  const clock = { now: () => Date.now() };
  return {
    ruleSet: live,
    refreshRules: () => live.fresh(),
    rulesAsOf: settledRulesAsOf((until) => RulesAsOf.load(store, files, workflows, until), clock),
  };
}

/** The job store on the table the environment names, with a traced client. */
export function replayJobsFrom(config: z.output<typeof StateTableEnv>): DynamoDbReplayJobStore {
  return new DynamoDbReplayJobStore({ client: tracer.captureAWSv3Client(new DynamoDBClient({})), tableName: config.STATE_TABLE });
}

const PageEnv = z.extend(StoreEnv, { ...StateTableEnv.shape, ...DeadLetterEnv.shape, ...RateCeilingEnv.shape, [ENV.EVENT_BUS_NAME]: requiredVar() });

/** The page runner of the replay page function: the time index, the job table, the engine bus, the dead-letter queue. */
export function replayPageRunnerFromEnv(env: Env = process.env, rulesJson?: string, rules: ReplayRules = replayRulesFromEnv(env, rulesJson)): ReplayPageRunner {
  const config = parseEnv(PageEnv, env);
  return new ReplayPageRunner({
    jobs: replayJobsFrom(config),
    events: storeFrom(config),
    emitter: new EventBridgeReplayEmitter({ client: tracer.captureAWSv3Client(new EventBridgeClient({})), eventBusName: config.EVENT_BUS_NAME }),
    deadLetters: deadLettersFrom(config),
    ruleSet: rules.ruleSet,
    ...(rules.rulesAsOf === undefined ? {} : { rulesAsOf: rules.rulesAsOf }),
    metrics: new PowertoolsEngineMetrics(sharedMetrics),
    ...(config.REPLAY_MAX_RATE === undefined ? {} : { maxRatePerSecond: config.REPLAY_MAX_RATE }),
  });
}

const ApiEnv = z.extend(StateTableEnv, {
  ...RateCeilingEnv.shape,
  [ENV.REPLAY_DRIVER_ARN]: requiredVar(),
  [ENV.RETENTION_DAYS]: retentionDaysVar(),
  /** Comma-separated workflow ids. */
  [ENV.WORKFLOW_IDS]: workflowIdsVar(),
});

/** What the replay API function is built from: the job table, the driver state machine, the rules, workflows, retention and ceiling. */
export interface ReplayApiWiring {
  jobs: DynamoDbReplayJobStore;
  driver: SfnReplayDriver;
  ruleSet: RuleSet;
  refreshRules?: () => Promise<void>;
  rulesAsOfEvent: boolean;
  workflows: ReadonlySet<string>;
  retentionDays: number;
  maxRatePerSecond?: number;
}

/** The replay API function's wiring: the job table, the driver state machine, the rules, workflows, retention and ceiling. */
export function replayApiFromEnv(env: Env = process.env, rulesJson?: string): ReplayApiWiring {
  const config = parseEnv(ApiEnv, env);
  const rules = replayRulesFromEnv(env, rulesJson);
  return {
    jobs: replayJobsFrom(config),
    driver: new SfnReplayDriver({ client: tracer.captureAWSv3Client(new SFNClient({})), stateMachineArn: config.REPLAY_DRIVER_ARN }),
    ruleSet: rules.ruleSet,
    ...(rules.refreshRules === undefined ? {} : { refreshRules: rules.refreshRules }),
    rulesAsOfEvent: rules.rulesAsOf !== undefined,
    workflows: config.WORKFLOW_IDS,
    retentionDays: config.RETENTION_DAYS,
    ...(config.REPLAY_MAX_RATE === undefined ? {} : { maxRatePerSecond: config.REPLAY_MAX_RATE }),
  };
}

const StartEnv = z.object({ [ENV.STATE_MACHINE_ARNS]: z.optional(jsonMapVar()), [ENV.STATE_MACHINE_ARN_PREFIX]: z.optional(requiredVar()) });

/** The starter of the replay start function: the engine's state machines from the environment. */
export function replayStarterFromEnv(env: Env = process.env): SfnWorkflowStarter {
  const { machines } = parseEnvWithMachines(StartEnv, env);
  const { fields } = fieldsFromEnv(env, traced);
  return new SfnWorkflowStarter({
    client: tracer.captureAWSv3Client(new SFNClient({})),
    stateMachineArns: machines,
    ...(fields === undefined ? {} : { reveal: (input) => fields.revealInput(input) }),
  });
}

/** The replay page function's dependencies: the runner built from the environment and the bundled rules. */
export function replayPageDepsFromEnv(env: Env = process.env, rulesJson?: string): ReplayPageDeps {
  const rules = replayRulesFromEnv(env, rulesJson);
  return {
    runner: replayPageRunnerFromEnv(env, rulesJson, rules),
    ...(rules.refreshRules === undefined ? {} : { refreshRules: rules.refreshRules }),
    logger: sharedLogger,
    metrics: sharedMetrics,
  };
}

/** The replay API function's dependencies, from the environment the `Replay` construct sets and the bundled rules. */
export function replaysDepsFromEnv(env: Env = process.env, rulesJson?: string): ReplaysHttpDeps {
  return { ...replayApiFromEnv(env, rulesJson), logger: sharedLogger, metrics: sharedMetrics };
}

/** The replay start function's dependencies: the engine's state machines from the environment. */
export function replayStartDepsFromEnv(env: Env = process.env): ReplayStartDeps {
  return { starter: replayStarterFromEnv(env), logger: sharedLogger, metrics: sharedMetrics };
}
