/**
 * EventBridge ingestion: the engine's event bus (encrypted with the engine's key) and a rule that
 * forwards everything put on it — except the engine's own replay and lifecycle events, which must
 * not come back in as new events — to the EventBridge ingest Lambda.
 *
 * Two failure paths end in the dead-letter queue: events EventBridge cannot deliver (after the
 * target's retry policy) via the target's dead-letter queue, and events the function refuses (a
 * thrown ValidationError, after Lambda's asynchronous retries) via the function's on-failure
 * destination, which records the error with the whole original event.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createFailureQueue, QueueOnFailure } from './encryption.js';
import { createIngestFunction, type EventTableProps } from './ingest-function.js';
import type { EdweFunctionProps } from './lambda-defaults.js';

/** Sources the engine itself puts on its bus: replays (see docs/architecture.md) and workflow lifecycle events (see docs/workflows.md). */
export const ENGINE_SOURCES = ['edwe.replay', 'edwe.workflows'] as const;

export interface BusIngestionProps extends EventTableProps {
  /** Where undeliverable and refused events go. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The bus's name. Default: a name CloudFormation generates. */
  readonly busName?: string;
  /** The bus's key. Default: the table's key (`encryptionKey`), else an AWS owned key. */
  readonly busKey?: kms.IKey;
  /** Merged over the function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/**
 * @example new BusIngestion(this, 'Bus', { table, encryptionKey, deadLetterQueue })
 */
export class BusIngestion extends Construct {
  public readonly bus: events.EventBus;
  public readonly rule: events.Rule;
  public readonly ingestFunction: NodejsFunction;
  /** With a customer-managed key: where the bus puts events it could not encrypt or decrypt. */
  public readonly busDeadLetterQueue: sqs.Queue | undefined;

  constructor(scope: Construct, id: string, props: BusIngestionProps) {
    super(scope, id);
    const key = props.busKey ?? props.encryptionKey;
    // Events the bus itself cannot process — an encryption or decryption error, such as the key being
    // disabled — go to a queue of their own, encrypted by SQS rather than by that same key.
    this.busDeadLetterQueue =
      key === undefined ? undefined : createFailureQueue(this, 'BusDeadLetterQueue', undefined, 'the engine bus (events it could not encrypt or decrypt)');
    this.bus = new events.EventBus(this, 'Bus', {
      ...(this.busDeadLetterQueue === undefined ? {} : { deadLetterQueue: this.busDeadLetterQueue }),
      ...(props.busName === undefined ? {} : { eventBusName: props.busName }),
      ...(key === undefined ? {} : { kmsKey: key }),
      description: 'edwe: events put here are stored by the engine and routed by its rules',
    });
    // CDK names the queue on the bus but lets no one send to it: EventBridge is let in, for this bus only.
    this.busDeadLetterQueue?.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EngineBusDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.busDeadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.bus.eventBusArn } },
      }),
    );

    this.ingestFunction = createIngestFunction(this, 'IngestFunction', {
      ...props,
      handler: 'ingest-eventbridge',
      serviceName: 'edwe-ingest-eventbridge',
      description: 'edwe: validates and stores events forwarded from the engine bus',
      invocation: 'async',
    });
    // EventBridge invokes asynchronously: a thrown error is retried by Lambda, then recorded here.
    this.ingestFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new QueueOnFailure(props.deadLetterQueue),
    });

    this.rule = new events.Rule(this, 'ForwardToEngine', {
      eventBus: this.bus,
      description: "edwe: forwards every event except the engine's own replays and lifecycle events",
      eventPattern: { source: events.Match.anythingBut(...ENGINE_SOURCES) },
      targets: [
        new targets.LambdaFunction(this.ingestFunction, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}
