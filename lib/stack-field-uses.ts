/**
 * Which of the stack's functions seal or open sensitive event fields, and how (docs/security.md, "On AWS"):
 * `connectFieldEncryption` (lib/field-encryption.ts) gives each its environment and KMS grants.
 */
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { taskFileName } from '../lambdas/core/index.js';
import type { EngineStackParts } from './stack-parts.js';
import type { FieldUse } from './field-encryption.js';
import { BUILT_IN_TASKS } from './workflows.js';

/** @example connectFieldEncryption({ rules, key, eventsTableName, stateTable }, stackFieldUses(stack, settings.fastPath)) */
export function stackFieldUses(stack: EngineStackParts, fastPath: boolean): Array<[lambda.Function, FieldUse]> {
  const uses: Array<[lambda.Function, FieldUse]> = [
    // With the fast path, the ingest function also hands the events it sealed to their workflows.
    [stack.ingestion.ingestFunction, fastPath ? 'seal-open' : 'seal'],
    [stack.busIngestion.ingestFunction, 'seal'],
    ...stack.kinesisIngestion.map((k): [lambda.Function, FieldUse] => [k.ingestFunction, 'seal']),
    ...(stack.kafkaIngestion ? [[stack.kafkaIngestion.ingestFunction, 'seal'] as [lambda.Function, FieldUse]] : []),
    [stack.router.routerFunction, 'open'],
    [stack.sweeper.sweeperFunction, 'open'],
    // The flow-control consumer starts what a debounce, throttle or batch let through.
    [stack.flowControl.wakeFunction, 'open'],
    // Step Functions reports input and output in plaintext: the lifecycle seals them again.
    ...(stack.lifecycle ? [[stack.lifecycle.lifecycleFunction, 'seal-open'] as [lambda.Function, FieldUse]] : []),
    ...(stack.replay ? [[stack.replay.startFunction, 'open'] as [lambda.Function, FieldUse]] : []),
    // Stop and redrive store lifecycle events as the lifecycle does, and an Express redrive starts the original input again.
    ...(stack.executionActions ? [stack.executionActions.apiFunction, stack.executionActions.stepFunction].map((fn): [lambda.Function, FieldUse] => [fn, 'seal-open']) : []),
    // The one reader of the API that opens fields: revealing has its own routes and function.
    ...(stack.sensitiveReads ? [[stack.sensitiveReads.readFunction, 'open'] as [lambda.Function, FieldUse]] : []),
    ...[...stack.workflows.taskFunctions].filter(([task]) => taskFileName(task) === BUILT_IN_TASKS.emitEvent).map(([, fn]): [lambda.Function, FieldUse] => [fn, 'emit']),
    // The rules API seals what it appends (audit events, a schedule's manual fire), as ingest does.
    [stack.rulesApi.apiFunction, 'seal'],
    // These hold the key only through DynamoDB, SQS, EventBridge and Step Functions, and are denied a field's data key.
    ...(stack.replay ? [stack.replay.pageFunction, stack.replay.apiFunction].map((fn): [lambda.Function, FieldUse] => [fn, 'none']) : []),
    ...[...stack.workflows.taskFunctions].filter(([task]) => taskFileName(task) === BUILT_IN_TASKS.waitForEvent).map(([, fn]): [lambda.Function, FieldUse] => [fn, 'none']),
  ];
  return uses;
}
