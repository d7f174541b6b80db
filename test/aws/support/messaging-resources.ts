/**
 * What events travel on, on moto: SQS queues (standing in for Lambda targets and dead-letter queues),
 * the engine bus with its forwarding and replay rules (patterns as lib/bus-ingestion.ts and
 * lib/replay.ts write them inline), and the Kinesis source as lib/kinesis-ingestion.ts builds it.
 */
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { compilePattern, REPLAY_SOURCE } from '../../../lambdas/core/index.js';
import { ENGINE_SOURCES } from '../../../lib/bus-ingestion.js';
import type { AwsClients } from './aws-clients.js';
import { DEFAULT_MAX_RECORD_AGE, RECOVERY_MARGIN } from '../../../lib/kinesis-ingestion.js';

/**
 * The engine bus's forwarding rule: everything but the engine's own sources, as
 * `Match.anythingBut(...ENGINE_SOURCES)` renders it. The pattern itself is written inline in
 * lib/bus-ingestion.ts; only ENGINE_SOURCES is shared, so the shape is checked against the template.
 */
export const FORWARD_TO_ENGINE_PATTERN = { source: [{ 'anything-but': [...ENGINE_SOURCES] }] };

/**
 * The bus rule that hands one workflow's replayed events to the replay start function. Written inline
 * in lib/replay.ts; only REPLAY_SOURCE (core) is shared, so the shape is checked against the template.
 */
export const replayRulePattern = (workflowId: string) => ({ source: [REPLAY_SOURCE], detail: { workflowId: [workflowId] } });

/** A Kinesis source as `KinesisIngestion` builds it without configuration: on demand, kept 24 hours. */
// Retention outlives the mapping's maximum record age by the recovery margin (lib/kinesis-ingestion.ts).
export const KINESIS_STREAM_DEFAULTS = { mode: 'ON_DEMAND', retentionHours: DEFAULT_MAX_RECORD_AGE.toHours() + RECOVERY_MARGIN.toHours() } as const;

export interface Queue {
  url: string;
  arn: string;
}

export async function createQueue(clients: AwsClients, name: string): Promise<Queue> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
}

export interface BusRule {
  bus: string;
  name: string;
  pattern: unknown;
  /** The target's ARN: here always an SQS queue standing in for the real target. */
  targetArn: string;
}

/**
 * Puts a rule with one target. The pattern is compiled by the engine's own matcher first: moto does
 * not reject an invalid pattern, and one bad rule makes every later PutEvents on its bus fail.
 */
export async function putRule(clients: AwsClients, rule: BusRule): Promise<void> {
  compilePattern(rule.pattern);
  await clients.eventBridge.send(new PutRuleCommand({ Name: rule.name, EventBusName: rule.bus, EventPattern: JSON.stringify(rule.pattern), State: 'ENABLED' }));
  await clients.eventBridge.send(new PutTargetsCommand({ Rule: rule.name, EventBusName: rule.bus, Targets: [{ Id: 'target', Arn: rule.targetArn }] }));
}

/** The engine bus and its forwarding rule, whose target (the EventBridge ingest Lambda on AWS) is `target`. */
export async function createEngineBus(clients: AwsClients, busName: string, target: Queue): Promise<{ busName: string; busArn: string; forwardRule: string }> {
  const { EventBusArn } = await clients.eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const forwardRule = 'ForwardToEngine';
  await putRule(clients, { bus: busName, name: forwardRule, pattern: FORWARD_TO_ENGINE_PATTERN, targetArn: target.arn });
  return { busName, busArn: EventBusArn as string, forwardRule };
}

export async function createKinesisStream(clients: AwsClients, streamName: string): Promise<{ streamName: string; streamArn: string }> {
  await clients.kinesis.send(new CreateStreamCommand({ StreamName: streamName, StreamModeDetails: { StreamMode: KINESIS_STREAM_DEFAULTS.mode } }));
  const { StreamDescriptionSummary } = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  return { streamName, streamArn: StreamDescriptionSummary?.StreamARN as string };
}
