/** The lifecycle function's wiring: from the environment the `Lifecycle` construct sets (lib/lifecycle.ts) to the lifecycle adapter's dependencies. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { ExecutionLifecycle } from '../../core/app/lifecycle.js';
import type { FieldEncryption } from '../../core/field-encryption.js';
import { compileRules } from '../../core/rules/rule-set.js';
import type { Rule } from '../../core/rules/types.js';
import { PowertoolsEngineMetrics } from '../powertools-engine-metrics.js';
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
import type { LifecycleDeps } from '../eventbridge/lifecycle.js';
import { powertoolsLogger } from '../powertools-logger.js';
import { RecordedWorkflowStarter } from '../recorded-workflow-starter.js';
import { SfnWorkflowControl } from '../sfn-workflow-control.js';
import { SfnWorkflowStarter } from '../sfn-workflow-starter.js';
import { jsonMapVar, parseEnvWithMachines, requiredVar, workflowIdsOf, type StateMachineArns } from './env.js';
import { storeFrom, StoreEnv } from './events.js';
import { fieldsFromEnv } from './field-encryption.js';
import { flowControlFromEnv } from './flow.js';
import { logger, metrics, traced, tracer } from './powertools.js';
import { refreshingRulesFromEnv } from './rules.js';
import { stateFrom, StateEnv } from './state.js';

/** The rules as JSON text, put into the bundle by esbuild `define` at synth (lib/lifecycle.ts, for flow control). */
declare const __EDWE_RULES__: string | undefined;

const LifecycleEnv = z.extend(z.extend(StoreEnv, StateEnv.shape), {
  [ENV.STATE_MACHINE_ARNS]: z.optional(jsonMapVar()),
  [ENV.STATE_MACHINE_ARN_PREFIX]: z.optional(requiredVar()),
  [ENV.WORKFLOW_TYPES]: z.optional(jsonMapVar()),
});

/** The lifecycle function's dependencies: core's ExecutionLifecycle on both tables, and the state machines by ARN. */
export function lifecycleDepsFromEnv(env: Record<string, string | undefined> = process.env, rulesJson?: string): LifecycleDeps {
  const config = parseEnvWithMachines(LifecycleEnv, env);
  const clock = { now: () => Date.now() };
  const workflowIds = workflowIdsOf(config.machines);
  const { executions } = stateFrom(config, clock);
  const engineMetrics = new PowertoolsEngineMetrics(metrics);
  const { fields } = fieldsFromEnv(env, traced);
  const text = rulesJson ?? (typeof __EDWE_RULES__ === 'undefined' ? undefined : __EDWE_RULES__);
  // An execution's end frees its concurrency slot, and may start the key's next waiting trigger: flow control, when the stack bundled the rules and gave the queue.
  const files = text === undefined ? undefined : (JSON.parse(text) as Rule[]);
  // With managed rules deployed (RULE_REFRESH_SECONDS set), the rules as the router follows them: a managed rule's slots are released too.
  const managed =
    files === undefined || env[ENV.RULE_REFRESH_SECONDS] === undefined
      ? undefined
      : refreshingRulesFromEnv(env, files, { has: (workflowId) => arnOf(config.machines, workflowId) !== undefined }, clock);
  const flow =
    files === undefined
      ? undefined
      : flowControlFromEnv(env, {
          ruleSet: managed ?? compileRules(files),
          ...(managed === undefined ? {} : { refreshRules: () => managed.fresh(), confirmRules: () => managed.confirm() }),
          starter: starterOf(config.machines, executions, config.WORKFLOW_TYPES ?? {}, fields),
          executions,
          metrics: engineMetrics,
          logger: powertoolsLogger(logger),
          clock,
        });
  return {
    lifecycle: new ExecutionLifecycle({
      executions,
      events: storeFrom(config),
      clock,
      metrics: engineMetrics,
      ...(flow === undefined ? {} : { flow }),
      // Step Functions reports an execution's input and output in plaintext: sealed again before they are kept.
      ...(fields === undefined ? {} : { fields }),
    }),
    workflowIds,
    logger,
    metrics,
  };
}

/** The ARN of a workflow's state machine, from either form the environment gives them in. */
const arnOf = (machines: StateMachineArns, workflowId: string): string | undefined => (typeof machines === 'function' ? machines(workflowId) : machines.get(workflowId));

/** The starter of the triggers a freed slot lets through: recorded as the router records its starts. */
function starterOf(
  machines: StateMachineArns,
  executions: ReturnType<typeof stateFrom>['executions'],
  types: Record<string, string>,
  fields: Pick<FieldEncryption, 'revealInput'> | undefined,
): RecordedWorkflowStarter {
  const expressWorkflows = new Set(
    Object.entries(types)
      .filter(([, type]) => type === 'EXPRESS')
      .map(([id]) => id),
  );
  const client = tracer.captureAWSv3Client(new SFNClient({}));
  // A start that lost to a drop of its QUEUED record is stopped again (its starter, for an Express restart, is never asked here).
  const stateMachineArns = (workflowId: string) => arnOf(machines, workflowId);
  const control: SfnWorkflowControl = new SfnWorkflowControl({ client, stateMachineArns, expressWorkflows, starter: { start: (trigger) => starter.start(trigger) } });
  const starter: RecordedWorkflowStarter = new RecordedWorkflowStarter({
    starter: new SfnWorkflowStarter({ client, stateMachineArns: machines, ...(fields === undefined ? {} : { reveal: (input) => fields.revealInput(input) }) }),
    executions,
    expressWorkflows,
    stopper: control,
    onUnstopped: (execution, error) =>
      logger.error('a start that lost to a drop could not be stopped: it runs under an ABORTED record', { executionName: execution.name, error: error as Error }),
  });
  return starter;
}
