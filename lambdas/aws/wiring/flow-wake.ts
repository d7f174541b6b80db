/** The flow-control wake-up function's wiring (lib/flow-control.ts): flow control on the router's own dependencies. */
import type { FlowControl } from '../../core/app/flow-control.js';
import type { Clock } from '../../core/clock.js';
import type { FlowWakeDeps } from '../jobs/flow-wake.js';
import { parseEnv } from './env.js';
import { FlowWakeEnv, wakeUpSchedulerFrom } from './flow.js';
import { logger, metrics } from './powertools.js';
import { routingDepsFromEnv } from './routing.js';

/**
 * The wake-up consumer's dependencies: flow control on the router's rules, starter and State table, so that what a
 * wake-up starts is started exactly as routing would have started it.
 * @throws EnvironmentError when FLOW_WAKE_QUEUE_URL (or a routing variable) is missing.
 */
export function flowWakeDepsFromEnv(env: Record<string, string | undefined> = process.env, rulesJson?: string): FlowWakeDeps {
  const config = parseEnv(FlowWakeEnv, env);
  const routing = rulesJson === undefined ? routingDepsFromEnv(env) : routingDepsFromEnv(env, rulesJson);
  const flow = routing.flow as FlowControl;
  const clock: Clock = { now: () => Date.now() };
  return { wake: (wakeUp) => flow.wake(wakeUp), scheduler: wakeUpSchedulerFrom(config, clock), clock, logger, metrics };
}
