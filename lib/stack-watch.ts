/**
 * What the engine's stack shows its operators: the alarms and dashboard over every part (lib/observability.ts)
 * and the outputs a deployer and `edwe dlq` look up. Called once each, at the end of `EdweStack`'s constructor.
 */
import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { EngineStackParts } from './stack-parts.js';
import { FLOW_WAKE_MAX_AGE } from './flow-control.js';
import { METRICS_NAMESPACE } from './lambda-defaults.js';
import { Observability } from './observability.js';
import { ROUTER_SERVICE } from './router.js';
import { SWEEPER_SERVICE } from './sweeper.js';

/** Alarms and the dashboard over every function, stream consumer, failure queue, state machine and the API. */
export function watchStack(stack: EngineStackParts, encryptionKey: kms.IKey): Observability {
  const functions: Record<string, lambda.IFunction> = {
    ingest: stack.ingestion.ingestFunction,
    query: stack.ingestion.queryFunction,
    'ingest-eventbridge': stack.busIngestion.ingestFunction,
    router: stack.router.routerFunction,
    sweeper: stack.sweeper.sweeperFunction,
    'rules-api': stack.rulesApi.apiFunction,
    ...(stack.sensitiveReads ? { 'query-sensitive': stack.sensitiveReads.readFunction } : {}),
  };
  const streamConsumers: Record<string, lambda.IFunction> = { router: stack.router.routerFunction };
  stack.kinesisIngestion.forEach((k, i) => {
    const name = i === 0 ? 'ingest-kinesis' : `ingest-kinesis-${i + 1}`;
    functions[name] = streamConsumers[name] = k.ingestFunction;
  });
  if (stack.kafkaIngestion) functions['ingest-kafka'] = streamConsumers['ingest-kafka'] = stack.kafkaIngestion.ingestFunction;
  if (stack.lifecycle) functions.lifecycle = stack.lifecycle.lifecycleFunction;
  functions['flow-wake'] = stack.flowControl.wakeFunction;
  if (stack.executionActions) Object.assign(functions, { 'execution-actions': stack.executionActions.apiFunction, 'bulk-action-step': stack.executionActions.stepFunction });
  if (stack.replay) Object.assign(functions, { 'replay-api': stack.replay.apiFunction, 'replay-page': stack.replay.pageFunction, 'replay-start': stack.replay.startFunction });
  for (const [task, fn] of stack.workflows.taskFunctions) functions[`task-${task}`] = fn;

  const deadLetterQueues: Record<string, sqs.IQueue> = { 'ingest-dead-letters': stack.ingestDeadLetterQueue, 'router-failures': stack.router.failureQueue };
  if (stack.lifecycle) deadLetterQueues['lifecycle-dead-letters'] = stack.lifecycle.deadLetterQueue;
  deadLetterQueues['flow-wake-dead-letters'] = stack.flowControl.deadLetterQueue;
  if (stack.busIngestion.busDeadLetterQueue) deadLetterQueues['bus-dead-letters'] = stack.busIngestion.busDeadLetterQueue;
  if (stack.replay) deadLetterQueues['replay-dead-letters'] = stack.replay.deadLetterQueue;
  if (stack.schedules) deadLetterQueues['schedule-dead-letters'] = stack.schedules.deadLetterQueue;
  const stateMachines = new Map<string, sfn.IStateMachine>(stack.workflows.stateMachines);
  if (stack.replay) stateMachines.set('replay-driver', stack.replay.driver);
  if (stack.executionActions) stateMachines.set('bulk-action-driver', stack.executionActions.driver);

  const busName = stack.busIngestion.bus.eventBusName;
  const rules: Record<string, { rule: events.IRule; busName?: string }> = {
    'bus-forward': { rule: stack.busIngestion.rule, busName },
    'sweeper-schedule': { rule: stack.sweeper.schedule },
  };
  const asyncFunctions: Record<string, lambda.IFunction> = { 'ingest-eventbridge': stack.busIngestion.ingestFunction, sweeper: stack.sweeper.sweeperFunction };
  if (stack.lifecycle) {
    rules['lifecycle-status-changes'] = { rule: stack.lifecycle.rule };
    asyncFunctions.lifecycle = stack.lifecycle.lifecycleFunction;
  }
  if (stack.replay) {
    for (const [workflowId, rule] of stack.replay.rules) rules[`replay-start-${workflowId}`] = { rule, busName };
    asyncFunctions['replay-start'] = stack.replay.startFunction;
  }

  return new Observability(stack, 'Observability', {
    rules,
    asyncFunctions,
    encryptionKey,
    namespace: METRICS_NAMESPACE,
    api: stack.ingestion.api,
    functions,
    streamConsumers,
    deadLetterQueues,
    queueAges: { 'flow-wake-ups': { queue: stack.flowControl.queue, maxAge: FLOW_WAKE_MAX_AGE, anchor: 'wake-ups-run-late' } },
    stateMachines,
    ...(stack.startLatencyObjectiveMs === undefined ? {} : { startLatencyObjective: { ms: stack.startLatencyObjectiveMs, service: ROUTER_SERVICE } }),
    ...(stack.settings.alarmEmail === undefined ? {} : { alarmEmail: stack.settings.alarmEmail }),
    ...(stack.settings.correlationMetrics ? { correlationMetrics: { service: SWEEPER_SERVICE, every: Duration.minutes(stack.settings.sweeper.everyMinutes) } } : {}),
  });
}

/** What a deployer and `edwe dlq` look up: URLs, names, queues, the dashboard. */
export function stackOutputs(stack: EngineStackParts, table: dynamodb.ITable): void {
  new CfnOutput(stack, 'EventsTableName', { value: table.tableName });
  new CfnOutput(stack, 'EventRetentionDays', { value: String(stack.retentionDays) });
  new CfnOutput(stack, 'StateTableName', { value: stack.stateTable.table.tableName });
  new CfnOutput(stack, 'ApiUrl', { value: stack.ingestion.api.url });
  new CfnOutput(stack, 'EventBusName', { value: stack.busIngestion.bus.eventBusName });
  stack.kinesisIngestion.forEach((k, i) => new CfnOutput(stack, i === 0 ? 'KinesisStreamName' : `KinesisStreamName${i + 1}`, { value: k.stream.streamName }));
  new CfnOutput(stack, 'IngestDeadLetterQueueUrl', { value: stack.ingestDeadLetterQueue.queueUrl });
  new CfnOutput(stack, 'FailureQueueUrl', { value: stack.router.failureQueue.queueUrl });
  new CfnOutput(stack, 'SweeperFunctionName', { value: stack.sweeper.sweeperFunction.functionName });
  new CfnOutput(stack, 'StateMachineArns', {
    value: stack.toJsonString(Object.fromEntries([...stack.workflows.stateMachines].map(([wid, m]) => [wid, m.stateMachineArn]))),
  });
  new CfnOutput(stack, 'AlarmTopicArn', { value: stack.observability.topic.topicArn });
  new CfnOutput(stack, 'DashboardUrl', { value: stack.observability.dashboardUrl });
  for (const [name, key] of stack.ingestion.apiKeys) {
    new CfnOutput(stack, `ApiKeyId${name.replace(/[^A-Za-z0-9]/g, '')}`, {
      value: key.keyId,
      description: `API key of caller ${name}: aws apigateway get-api-key --include-value --api-key <id>`,
    });
  }
}
