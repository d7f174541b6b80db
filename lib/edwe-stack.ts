/**
 * The engine's AWS home: the Events table, ingestion from every configured source (HTTP, EventBridge,
 * Kinesis, Kafka), one state machine per workflow and the router between them — built from a loaded
 * project (rules, workflows and the seed configuration checked before anything is made).
 */
import { dirname, relative } from 'node:path';
import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Rule } from '../lambdas/core/index.js';
import { taskEntry, type Project } from '../lambdas/project/load-project.js';
import { BusIngestion } from './bus-ingestion.js';
import { planSources } from './engine-sources.js';
import { EventStore } from './event-store.js';
import { StateStore } from './state-store.js';
import { createDeadLetterQueue } from './ingest-function.js';
import { Ingestion } from './ingestion.js';
import { KafkaIngestion } from './kafka-ingestion.js';
import { KinesisIngestion } from './kinesis-ingestion.js';
import { Lifecycle } from './lifecycle.js';
import { Replay } from './replay.js';
import { Router } from './router.js';
import { Workflows } from './workflows.js';

export interface EdweStackProps extends StackProps {
  /** The project as `loadProject()` returns it; its seed configuration, if any, chooses the sources and retention. */
  readonly project: Project;
  /** Days an event is kept. Default: the configuration's `event_sourcing.retention`, else 30. */
  readonly retentionDays?: number;
  /** Who may call the HTTP API. Default IAM. */
  readonly ingestAuthorization?: apigw.AuthorizationType;
  /** The engine's key (table, stream, bus). Default: a new key with rotation. */
  readonly encryptionKey?: kms.IKey;
}

/**
 * @example new EdweStack(app, 'EdweStack', { project: loadProject() })
 * @throws EngineConfigError when the configuration's sources cannot be deployed (naming each key).
 */
export class EdweStack extends Stack {
  public readonly eventStore: EventStore;
  public readonly stateStore: StateStore;
  public readonly ingestion: Ingestion;
  public readonly busIngestion: BusIngestion;
  public readonly kinesisIngestion: KinesisIngestion[] = [];
  public readonly kafkaIngestion?: KafkaIngestion;
  /** Where records and events that could not be ingested go, from every source but HTTP (which answers the client). */
  public readonly ingestDeadLetterQueue: sqs.Queue;
  public readonly workflows: Workflows;
  public readonly router: Router;
  /** Workflow status changes → execution records and `workflow.*` events; absent for a project without workflows. */
  public readonly lifecycle?: Lifecycle;
  /** Replays (`/replays`); absent when the configuration sets `event_sourcing.replay_enabled: false`. */
  public readonly replay?: Replay;

  constructor(scope: Construct, id: string, props: EdweStackProps) {
    super(scope, id, props);
    const { project } = props;
    const plan = planSources(project.config);
    for (const warning of plan.warnings) Annotations.of(this).addWarningV2('edwe:source-left-out', warning);
    const retentionDays = props.retentionDays ?? plan.retentionDays;

    this.eventStore = new EventStore(this, 'EventStore', props.encryptionKey === undefined ? {} : { encryptionKey: props.encryptionKey });
    const { encryptionKey } = this.eventStore;
    // CDK's Table types tableStreamArn as `string | undefined` where ITable has it optional, which
    // exactOptionalPropertyTypes refuses; the value is the same object.
    const table = this.eventStore.table as unknown as dynamodb.ITable;
    const stored = { table, encryptionKey, ...(retentionDays === undefined ? {} : { retentionDays }) };

    this.stateStore = new StateStore(this, 'StateStore', { encryptionKey });
    const stateTable = this.stateStore.table as unknown as dynamodb.ITable;

    this.ingestion = new Ingestion(this, 'Ingestion', {
      ...stored,
      stateTable,
      webhookPaths: plan.webhookPaths,
      ...(props.ingestAuthorization === undefined ? {} : { authorizationType: props.ingestAuthorization }),
    });

    this.ingestDeadLetterQueue = createDeadLetterQueue(this, 'IngestDeadLetterQueue');
    const deadLetterQueue = this.ingestDeadLetterQueue;
    this.busIngestion = new BusIngestion(this, 'BusIngestion', {
      ...stored,
      deadLetterQueue,
      ...(plan.eventBridge?.busName === undefined ? {} : { busName: plan.eventBridge.busName }),
    });
    plan.kinesis.forEach((source, i) => {
      this.kinesisIngestion.push(new KinesisIngestion(this, i === 0 ? 'KinesisIngestion' : `KinesisIngestion${i + 1}`, { ...stored, deadLetterQueue, source }));
    });
    if (plan.kafka.length > 0) this.kafkaIngestion = new KafkaIngestion(this, 'KafkaIngestion', { ...stored, deadLetterQueue, sources: plan.kafka });

    this.workflows = new Workflows(this, 'Workflows', {
      workflows: project.workflows,
      taskEntry: (task) => taskEntry(project.paths, task),
      taskServices: { eventsTable: table, stateTable, encryptionKey, ...(retentionDays === undefined ? {} : { retentionDays }) },
    });

    this.router = new Router(this, 'Router', {
      table,
      rules: portableRules(project.rules, dirname(project.paths.rulesDir)),
      stateMachines: this.workflows.stateMachines,
      workflowTypes: Object.fromEntries([...project.workflows.values()].map((w) => [w.id, w.settings.type])),
      stateTable,
      encryptionKey,
      ...(retentionDays === undefined ? {} : { retentionDays }),
    });

    if (this.workflows.stateMachines.size > 0) {
      this.lifecycle = new Lifecycle(this, 'Lifecycle', {
        stateMachines: this.workflows.stateMachines,
        eventsTable: table,
        stateTable,
        encryptionKey,
        ...(retentionDays === undefined ? {} : { retentionDays }),
      });
      new CfnOutput(this, 'LifecycleDeadLetterQueueUrl', { value: this.lifecycle.deadLetterQueue.queueUrl });
    }

    if (project.config?.eventSourcing.replayEnabled !== false) {
      this.replay = new Replay(this, 'Replay', {
        api: this.ingestion.api,
        bus: this.busIngestion.bus,
        eventsTable: table,
        stateTable: this.stateStore.table,
        encryptionKey,
        rules: portableRules(project.rules, dirname(project.paths.rulesDir)),
        stateMachines: this.workflows.stateMachines,
        ...(retentionDays === undefined ? {} : { retentionDays }),
      });
      new CfnOutput(this, 'ReplayDeadLetterQueueUrl', { value: this.replay.deadLetterQueue.queueUrl });
    }

    new CfnOutput(this, 'EventsTableName', { value: table.tableName });
    new CfnOutput(this, 'StateTableName', { value: this.stateStore.table.tableName });
    new CfnOutput(this, 'ApiUrl', { value: this.ingestion.api.url });
    new CfnOutput(this, 'EventBusName', { value: this.busIngestion.bus.eventBusName });
    this.kinesisIngestion.forEach((k, i) => new CfnOutput(this, i === 0 ? 'KinesisStreamName' : `KinesisStreamName${i + 1}`, { value: k.stream.streamName }));
    new CfnOutput(this, 'IngestDeadLetterQueueUrl', { value: deadLetterQueue.queueUrl });
    new CfnOutput(this, 'FailureQueueUrl', { value: this.router.failureQueue.queueUrl });
    new CfnOutput(this, 'StateMachineArns', {
      value: this.toJsonString(Object.fromEntries([...this.workflows.stateMachines].map(([wid, m]) => [wid, m.stateMachineArn]))),
    });
  }
}

/** Rules with their source files relative to the project: the bundle should not carry the build machine's paths. */
function portableRules(rules: readonly Rule[], root: string): Rule[] {
  return rules.map((rule) => (rule.location === undefined ? rule : { ...rule, location: { ...rule.location, file: relative(root, rule.location.file) } }));
}
