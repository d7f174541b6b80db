/** The lifecycle function's wiring: from the environment the `Lifecycle` construct sets (lib/lifecycle.ts) to the lifecycle adapter's dependencies. */
import { ExecutionLifecycle } from '../../core/index.js';
import { ENV } from '../../layout/environment.js';
import type { LifecycleDeps } from '../eventbridge/lifecycle.js';
import { jsonMapVar, parseEnvWithMachines, requiredVar, workflowIdsOf } from './env.js';
import { storeFrom, StoreEnv } from './events.js';
import { logger, metrics } from './powertools.js';
import { stateFrom, StateEnv } from './state.js';

const LifecycleEnv = StoreEnv.extend(StateEnv.shape).extend({
  [ENV.STATE_MACHINE_ARNS]: jsonMapVar().optional(),
  [ENV.STATE_MACHINE_ARN_PREFIX]: requiredVar().optional(),
});

/** The lifecycle function's dependencies: core's ExecutionLifecycle on both tables, and the state machines by ARN. */
export function lifecycleDepsFromEnv(env: Record<string, string | undefined> = process.env): LifecycleDeps {
  const config = parseEnvWithMachines(LifecycleEnv, env);
  const clock = { now: () => Date.now() };
  const workflowIds = workflowIdsOf(config.machines);
  return {
    lifecycle: new ExecutionLifecycle({ executions: stateFrom(config, clock).executions, events: storeFrom(config), clock }),
    workflowIds,
    logger,
    metrics,
  };
}
