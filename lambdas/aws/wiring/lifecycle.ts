/** The lifecycle function's wiring: from the environment the `Lifecycle` construct sets (lib/lifecycle.ts) to the lifecycle adapter's dependencies. */
import { ExecutionLifecycle } from '../../core/index.js';
import { PowertoolsEngineMetrics } from '../powertools-engine-metrics.js';
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
import type { LifecycleDeps } from '../eventbridge/lifecycle.js';
import { jsonMapVar, parseEnvWithMachines, requiredVar, workflowIdsOf } from './env.js';
import { storeFrom, StoreEnv } from './events.js';
import { fieldsFromEnv } from './field-encryption.js';
import { logger, metrics, traced } from './powertools.js';
import { stateFrom, StateEnv } from './state.js';

const LifecycleEnv = z.extend(z.extend(StoreEnv, StateEnv.shape), {
  [ENV.STATE_MACHINE_ARNS]: z.optional(jsonMapVar()),
  [ENV.STATE_MACHINE_ARN_PREFIX]: z.optional(requiredVar()),
});

/** The lifecycle function's dependencies: core's ExecutionLifecycle on both tables, and the state machines by ARN. */
export function lifecycleDepsFromEnv(env: Record<string, string | undefined> = process.env): LifecycleDeps {
  const config = parseEnvWithMachines(LifecycleEnv, env);
  const clock = { now: () => Date.now() };
  const workflowIds = workflowIdsOf(config.machines);
  return {
    lifecycle: new ExecutionLifecycle({
      executions: stateFrom(config, clock).executions,
      events: storeFrom(config),
      clock,
      metrics: new PowertoolsEngineMetrics(metrics),
      // Step Functions reports an execution's input and output in plaintext: sealed again before they are kept.
      ...fieldsFromEnv(env, traced),
    }),
    workflowIds,
    logger,
    metrics,
  };
}
