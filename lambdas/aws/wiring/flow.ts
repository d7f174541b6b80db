/**
 * Flow control's wiring (lib/flow-control.ts): the wake-up queue as the environment names it, the
 * scheduler on it, and the wake-up consumer's dependencies — the flow-control application on the
 * router's rules, starter and State table.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '../../core/index.js';
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
import type { FlowWakeDeps } from '../jobs/flow-wake.js';
import { SqsWakeUpScheduler } from '../sqs-wake-ups.js';
import { EnvironmentError, parseEnv, requiredVar } from './env.js';
import { tracer } from './powertools.js';

/** The wake-up queue, set on every function that may schedule a wake-up (`FlowControl.grantSchedule`). */
export const FlowWakeEnv = z.object({ [ENV.FLOW_WAKE_QUEUE_URL]: requiredVar() });

/** The scheduler on the queue the environment names, with a traced client. */
export function wakeUpSchedulerFrom(config: z.output<typeof FlowWakeEnv>, clock: Clock): SqsWakeUpScheduler {
  return new SqsWakeUpScheduler({ client: tracer.captureAWSv3Client(new SQSClient({})), queueUrl: config.FLOW_WAKE_QUEUE_URL, clock });
}

/** The scheduler, or `undefined` in a function the stack gave no wake-up queue (no rule uses flow control). */
export function wakeUpSchedulerFromEnv(env: Record<string, string | undefined>, clock: Clock): SqsWakeUpScheduler | undefined {
  return env[ENV.FLOW_WAKE_QUEUE_URL] === undefined ? undefined : wakeUpSchedulerFrom(parseEnv(FlowWakeEnv, env), clock);
}

/** The wake-up consumer's dependencies. */
export function flowWakeDepsFromEnv(env: Record<string, string | undefined> = process.env): FlowWakeDeps {
  const clock: Clock = { now: () => Date.now() };
  const scheduler = wakeUpSchedulerFrom(parseEnv(FlowWakeEnv, env), clock);
  throw new EnvironmentError(`flow control is not wired yet (scheduler on ${scheduler ? 'the queue' : 'nothing'})`);
}
