/**
 * Flow control's wiring (lib/flow-control.ts): the wake-up queue as the environment names it, the scheduler on it, core's
 * FlowControl on the State table (lambdas/aws/dynamodb-flow-state-store.ts), and the wake-up consumer's dependencies.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { FlowControl, type FlowControlDeps } from '../../core/app/flow-control.js';
import type { Clock } from '../../core/clock.js';
import type { RuleSet } from '../../core/rules/types.js';
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
import { DynamoDbFlowStateStore } from '../dynamodb-flow-state-store.js';
import { SqsWakeUpScheduler } from '../sqs-wake-ups.js';
import { parseEnv, requiredVar, retentionDaysVar } from './env.js';
import { tracer } from './powertools.js';

/** The wake-up queue, set on every function that may schedule a wake-up (`FlowControl.grantSchedule`). */
export const FlowWakeEnv = z.object({ [ENV.FLOW_WAKE_QUEUE_URL]: requiredVar() });

/** What flow control keeps its state in and schedules on: the State table and the wake-up queue. */
export const FlowEnv = z.extend(FlowWakeEnv, { [ENV.STATE_TABLE]: requiredVar(), [ENV.RETENTION_DAYS]: retentionDaysVar() });

/** The scheduler on the queue the environment names, with a traced client. */
export function wakeUpSchedulerFrom(config: z.output<typeof FlowWakeEnv>, clock: Clock): SqsWakeUpScheduler {
  return new SqsWakeUpScheduler({ client: tracer.captureAWSv3Client(new SQSClient({})), queueUrl: config.FLOW_WAKE_QUEUE_URL, clock });
}

/** What a function gives flow control of its own: the rules, its starter, the execution store, clock, metrics and logs. */
export type FlowParts = Omit<FlowControlDeps, 'store' | 'wakeUps'>;

/** Core's FlowControl with its state in the State table and its wake-ups on the queue, both as the environment names them. */
export function flowControlFrom(config: z.output<typeof FlowEnv>, parts: FlowParts): FlowControl {
  const store = new DynamoDbFlowStateStore({
    client: tracer.captureAWSv3Client(new DynamoDBClient({})),
    tableName: config.STATE_TABLE,
    retentionDays: config.RETENTION_DAYS,
    clock: parts.clock,
  });
  return new FlowControl({ ...parts, store, wakeUps: wakeUpSchedulerFrom(config, parts.clock) });
}

/** Flow control in a function the stack gave the wake-up queue; `undefined` where it did not (flow-controlled rules then start at once). */
export function flowControlFromEnv(env: Record<string, string | undefined>, parts: FlowParts): FlowControl | undefined {
  return env[ENV.FLOW_WAKE_QUEUE_URL] === undefined ? undefined : flowControlFrom(parseEnv(FlowEnv, env), parts);
}

/**
 * Flow control for the ingest's fast path, which only asks which rules it governs (`startPlanned` leaves those to the
 * stream's router): the fast path may neither read the State table's flow items nor schedule, so nothing else is wired.
 */
export function flowRulesOnly(rules: Pick<RuleSet, 'rules'>, clock: Clock): Pick<FlowControl, 'governs' | 'offer' | 'cancel' | 'cancels'> {
  const refuse = (): never => {
    throw new Error('the fast path leaves flow-controlled rules to the router');
  };
  const unused = { read: refuse, write: refuse, clear: refuse, enqueue: refuse, peek: refuse, remove: refuse, noteSkip: refuse, skipsFor: refuse };
  return new FlowControl({
    // Read through: with managed rules the set changes at run time, and flow control re-reads it.
    ruleSet: {
      get rules() {
        return rules.rules;
      },
      route: refuse,
    },
    store: unused,
    wakeUps: { schedule: refuse },
    starter: { start: refuse },
    executions: { hold: refuse, get: refuse, finishIfQueued: refuse, byCorrelation: refuse },
    clock,
  });
}
