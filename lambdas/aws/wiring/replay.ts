/**
 * The AWS wiring of replay: the environment the `Replay` construct sets, parsed once at cold start,
 * and the adapters and application objects built from it — the page runner, the replay API's jobs
 * and driver, the replayed-execution starter. The Lambda entries in `lambdas/handlers/` only wrap them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { compileRules, ReplayPageRunner, type EngineMetrics, type Rule, type RuleSet } from '../../core/index.js';
import { EnvironmentError, jsonMapVar, parseEnv, requiredVar } from '../../handlers/env.js';
import { count, countForWorkflow } from '../../handlers/metric-names.js';
import { metrics as sharedMetrics, tracer } from '../../handlers/powertools.js';
import { DeadLetterEnv, deadLettersFrom, storeFrom, StoreEnv } from '../../handlers/wiring.js';
import { DEFAULT_RETENTION_DAYS } from '../../layout/events-table.js';
import { DynamoDbReplayJobStore } from '../dynamodb-replay-job-store.js';
import { EventBridgeReplayEmitter } from '../eventbridge-replay-emitter.js';
import { SfnReplayDriver } from '../sfn-replay-driver.js';
import { SfnWorkflowStarter } from '../sfn-workflow-starter.js';

/** The rules as JSON text, put into the bundle by esbuild `define` at synth (see lib/replay.ts). */
declare const __EDWE_RULES__: string | undefined;

type Env = Record<string, string | undefined>;

/** The State table, where replay jobs live. */
export const StateTableEnv = z.object({ STATE_TABLE: requiredVar() });

/** The deployment's ceiling on any job's rate, in entries per second (unset: none). */
export const RateCeilingEnv = z.object({
  REPLAY_MAX_RATE: z.coerce.number({ error: 'must be a number of entries per second' }).positive({ error: 'must be above 0' }).optional(),
});

/** Today's rules, compiled from the bundle (or from `rulesJson`, for tests). */
export function bundledRuleSet(rulesJson?: string): RuleSet {
  const text = rulesJson ?? (typeof __EDWE_RULES__ === 'undefined' ? undefined : __EDWE_RULES__);
  if (text === undefined) throw new EnvironmentError('The replay function was bundled without rules (__EDWE_RULES__ is not defined)');
  return compileRules(JSON.parse(text) as Rule[]);
}

/** The job store on the table the environment names, with a traced client. */
export function replayJobsFrom(config: z.output<typeof StateTableEnv>): DynamoDbReplayJobStore {
  return new DynamoDbReplayJobStore({ client: tracer.captureAWSv3Client(new DynamoDBClient({})), tableName: config.STATE_TABLE });
}

/** Core's metrics port on the function's Powertools Metrics (EMF). */
export const emfMetrics = (metrics: Parameters<typeof count>[0] & Parameters<typeof countForWorkflow>[0]): EngineMetrics => ({
  count: (name, value) => count(metrics, name, value),
  countForWorkflow: (name, workflowId, value) => countForWorkflow(metrics, name, workflowId, value),
});

const PageEnv = StoreEnv.extend(StateTableEnv.shape).extend(DeadLetterEnv.shape).extend(RateCeilingEnv.shape).extend({ EVENT_BUS_NAME: requiredVar() });

/** The page runner of the replay page function: the time index, the job table, the engine bus, the dead-letter queue. */
export function replayPageRunnerFromEnv(env: Env = process.env, rulesJson?: string): ReplayPageRunner {
  const config = parseEnv(PageEnv, env);
  return new ReplayPageRunner({
    jobs: replayJobsFrom(config),
    events: storeFrom(config),
    emitter: new EventBridgeReplayEmitter({ client: tracer.captureAWSv3Client(new EventBridgeClient({})), eventBusName: config.EVENT_BUS_NAME }),
    deadLetters: deadLettersFrom(config),
    ruleSet: bundledRuleSet(rulesJson),
    metrics: emfMetrics(sharedMetrics),
    ...(config.REPLAY_MAX_RATE === undefined ? {} : { maxRatePerSecond: config.REPLAY_MAX_RATE }),
  });
}

const ApiEnv = StateTableEnv.extend(RateCeilingEnv.shape).extend({
  REPLAY_DRIVER_ARN: requiredVar(),
  RETENTION_DAYS: z.coerce.number({ error: 'must be a number of days' }).int().positive().default(DEFAULT_RETENTION_DAYS),
  /** Comma-separated workflow ids. */
  WORKFLOW_IDS: requiredVar().transform((text) => new Set(text.split(',').map((id) => id.trim()).filter((id) => id !== ''))),
});

/** What the replay API function is built from: the job table, the driver state machine, the rules, workflows, retention and ceiling. */
export interface ReplayApiWiring {
  jobs: DynamoDbReplayJobStore;
  driver: SfnReplayDriver;
  ruleSet: RuleSet;
  workflows: ReadonlySet<string>;
  retentionDays: number;
  maxRatePerSecond?: number;
}

export function replayApiFromEnv(env: Env = process.env, rulesJson?: string): ReplayApiWiring {
  const config = parseEnv(ApiEnv, env);
  return {
    jobs: replayJobsFrom(config),
    driver: new SfnReplayDriver({ client: tracer.captureAWSv3Client(new SFNClient({})), stateMachineArn: config.REPLAY_DRIVER_ARN }),
    ruleSet: bundledRuleSet(rulesJson),
    workflows: config.WORKFLOW_IDS,
    retentionDays: config.RETENTION_DAYS,
    ...(config.REPLAY_MAX_RATE === undefined ? {} : { maxRatePerSecond: config.REPLAY_MAX_RATE }),
  };
}

const StartEnv = z.object({ STATE_MACHINE_ARNS: jsonMapVar() });

/** The starter of the replay start function: the engine's state machines from the environment. */
export function replayStarterFromEnv(env: Env = process.env): SfnWorkflowStarter {
  const config = parseEnv(StartEnv, env);
  return new SfnWorkflowStarter({ client: tracer.captureAWSv3Client(new SFNClient({})), stateMachineArns: config.STATE_MACHINE_ARNS });
}
