/**
 * The ingest function's fast path (docs/capacity.md, "The fast path"): core's EventRouter on the
 * router's rules and state machines, starting only, with a starter that makes one try and never reads
 * the State table. Built when the ingest function is given the state machines (lib/ingestion.ts).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { compileRules, EventRouter, FastPath, type FieldEncryption, type Rule } from '../../core/index.js';
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
import { PowertoolsEngineMetrics } from '../powertools-engine-metrics.js';
import { powertoolsLogger } from '../powertools-logger.js';
import { RecordedWorkflowStarter } from '../recorded-workflow-starter.js';
import { SfnWorkflowStarter } from '../sfn-workflow-starter.js';
import { EnvironmentError, jsonMapVar, parseEnvWithMachines, requiredVar } from './env.js';
import { flowRulesOnly } from './flow.js';
import { logger, metrics, tracer } from './powertools.js';
import { refreshingRulesFromEnv } from './rules.js';
import { stateFrom, StateEnv } from './state.js';

/** The rules as JSON text, put into the bundle by esbuild `define` at synth (see lib/router.ts). */
declare const __EDWE_RULES__: string | undefined;

/** What the fast path reads: the State table and the state machines, as the router is given them. */
const FastPathEnv = z.extend(StateEnv, {
  [ENV.STATE_MACHINE_ARNS]: z.optional(jsonMapVar()),
  [ENV.STATE_MACHINE_ARN_PREFIX]: z.optional(requiredVar()),
  [ENV.WORKFLOW_TYPES]: z.optional(jsonMapVar()),
});

/**
 * The fast path, or `undefined` when the environment names no state machines (the fast path is off).
 * @throws EnvironmentError when state machines are named but the rules are missing, or a rule's workflow has no ARN.
 */
export function fastPathFromEnv(
  env: Record<string, string | undefined>,
  rulesJson?: string,
  fields?: Pick<FieldEncryption, 'revealInput'>,
): Pick<FastPath, 'run'> | undefined {
  if (env[ENV.STATE_MACHINE_ARNS] === undefined && env[ENV.STATE_MACHINE_ARN_PREFIX] === undefined) return undefined;
  const config = parseEnvWithMachines(FastPathEnv, env);
  const { machines } = config;
  const arnOf = typeof machines === 'function' ? machines : (workflowId: string) => machines.get(workflowId);
  const text = rulesJson ?? (typeof __EDWE_RULES__ === 'undefined' ? undefined : __EDWE_RULES__);
  if (text === undefined) throw new EnvironmentError('The ingest function was given state machines but bundled without rules (__EDWE_RULES__ is not defined)');
  const rules = JSON.parse(text) as Rule[];
  const missing = [...new Set(rules.map((r) => r.workflow))].filter((w) => arnOf(w) === undefined);
  if (missing.length > 0) throw new EnvironmentError(`Invalid environment: STATE_MACHINE_ARNS has no ARN for workflow ${missing.join(', ')}`);
  const engineMetrics = new PowertoolsEngineMetrics(metrics);
  const starter = new RecordedWorkflowStarter({
    starter: new SfnWorkflowStarter({
      client: tracer.captureAWSv3Client(new SFNClient({})),
      stateMachineArns: machines,
      ...(fields === undefined ? {} : { reveal: (input) => fields.revealInput(input) }),
    }),
    executions: stateFrom(config).executions,
    expressWorkflows: new Set(
      Object.entries(config.WORKFLOW_TYPES ?? {})
        .filter(([, type]) => type === 'EXPRESS')
        .map(([id]) => id),
    ),
    // One try: a throttled start is the stream's to retry, not the HTTP caller's to wait for.
    backoff: { tries: 1 },
    firstOnly: true,
  });
  const clock = { now: () => Date.now() };
  const logs = powertoolsLogger(logger);
  // With managed rules deployed (RULE_REFRESH_SECONDS set), the files layer plus the State table's, kept fresh.
  const managed =
    env[ENV.RULE_REFRESH_SECONDS] === undefined ? undefined : refreshingRulesFromEnv(env, rules, { has: (workflowId) => arnOf(workflowId) !== undefined }, clock);
  // Flow-controlled rules are the stream router's: the fast path is told which they are, and starts the others.
  const ruleSet = managed ?? compileRules(rules);
  const router = new EventRouter({ ruleSet, starter, logger: logs, metrics: engineMetrics, clock, flow: flowRulesOnly(ruleSet, clock) });
  const fastPath = new FastPath({ router, logger: logs, metrics: engineMetrics });
  return managed === undefined ? fastPath : { run: async (events) => (await managed.fresh(), fastPath.run(events)) };
}
