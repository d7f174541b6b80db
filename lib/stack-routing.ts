/**
 * The routing side of the engine's stack: the rules as the functions bundle them (paths relative to the project),
 * and flow control wired to the functions that route (router, sweeper) and end executions (lifecycle).
 */
import { relative } from 'node:path';
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type { Rule } from '../lambdas/core/index.js';
import { FlowControl, grantCancelOn, type FlowControlProps } from './flow-control.js';
import type { EngineStackParts } from './stack-parts.js';

/** Rules with their source files relative to the project: the bundle should not carry the build machine's paths. */
export function portableRules(rules: readonly Rule[], root: string): Rule[] {
  return rules.map((rule) => (rule.location === undefined ? rule : { ...rule, location: { ...rule.location, file: relative(root, rule.location.file) } }));
}

/**
 * Flow control: the wake-up queue and its consumer, and the grants of the functions that take part —
 * routing schedules wake-ups and (`cancelOn`) stops executions; the lifecycle's end of an execution
 * frees its concurrency slot. Always there, even when no rule file uses it: a rule managed through
 * the rules API may start using it after the deploy.
 */
export function stackFlowControl(stack: Stack & Pick<EngineStackParts, 'router' | 'sweeper' | 'lifecycle'>, routing: FlowControlProps): FlowControl {
  const flow = new FlowControl(stack, 'FlowControl', routing);
  for (const fn of [stack.router.routerFunction, stack.sweeper.sweeperFunction]) {
    flow.grantSchedule(fn);
    grantCancelOn(fn, routing.stateTable, routing.table);
  }
  if (stack.lifecycle) flow.grantRelease(stack.lifecycle.lifecycleFunction, routing);
  new CfnOutput(stack, 'FlowWakeDeadLetterQueueUrl', { value: flow.deadLetterQueue.queueUrl });
  // `edwe dlq redrive flow-wake` sends dead-lettered wake-ups back to it.
  new CfnOutput(stack, 'FlowWakeQueueUrl', { value: flow.queue.queueUrl });
  return flow;
}
