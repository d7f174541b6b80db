/**
 * The engine's AWS home: the Events table, ingestion from every configured source (HTTP, EventBridge,
 * Kinesis, Kafka), one state machine per workflow and the router between them, the sweeper for what
 * the router missed, replays, and the alarms and dashboard over all of it — built from a loaded
 * project (rules, workflows and the seed configuration checked before anything is made) and the
 * deployment's settings (lib/engine-settings.ts: props, else `cdk.json` context).
 *
 * Hardened: one customer-managed key (rotated) encrypts the tables, stream, queues, topic,
 * bus, state machines and log groups; every function has a role of its own with named actions;
 * every function and state machine is traced and logs to a group with a set retention.
 */
import { dirname } from 'node:path';
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULT_RETENTION_DAYS } from '../lambdas/layout/events-table.js';
import { taskEntry, type Project } from '../lambdas/project/load-project.js';
import { ENV } from '../lambdas/layout/environment.js';
import { BusIngestion } from './bus-ingestion.js';
import { warnStartRates } from './capacity-warnings.js';
import { allowServicesToUseKey } from './encryption.js';
import { resolveSettings, type EngineSettings, type SettingsInput } from './engine-settings.js';
import { planSources } from './engine-sources.js';
import { EventTable } from './event-table.js';
import { connectFieldEncryption } from './field-encryption.js';
import { stackFieldUses } from './stack-field-uses.js';
import type { FlowControl } from './flow-control.js';
import { StateTable } from './state-table.js';
import { createDeadLetterQueue } from './ingest-function.js';
import { Ingestion } from './ingestion.js';
import { KafkaIngestion } from './kafka-ingestion.js';
import { KinesisIngestion } from './kinesis-ingestion.js';
import { Lifecycle } from './lifecycle.js';
import type { Observability } from './observability.js';
import type { EngineStackParts } from './stack-parts.js';
import { portableRules, stackFlowControl } from './stack-routing.js';
import { stackOutputs, watchStack } from './stack-watch.js';
import { ExecutionActionsApi } from './execution-actions-api.js';
import { Replay } from './replay.js';
import { RulesApi } from './rules-api.js';
import { Router } from './router.js';
import { Schedules } from './schedules.js';
import { SensitiveReads } from './sensitive-reads.js';
import { Sweeper } from './sweeper.js';
import { workflowArnPrefix, Workflows } from './workflows.js';

export interface EdweStackProps extends StackProps, Partial<SettingsInput> {
  /** The project as `loadProject()` returns it; its seed configuration, if any, chooses the sources and retention. */
  readonly project: Project;
  /** Days an event is kept. Default: the configuration's `event_sourcing.retention`, else 30. */
  readonly retentionDays?: number;
  /** Overrides `auth` with another authorization type for every method (e.g. NONE). Default: by `auth`, IAM. */
  readonly ingestAuthorization?: apigw.AuthorizationType;
  /** The engine's key (every encrypted resource). Default: a new key with rotation. */
  readonly encryptionKey?: kms.IKey;
}

/**
 * @example new EdweStack(app, 'EdweStack', { project: loadProject(), auth: 'api-key', access: { callers: [{ apiKey: 'shop', sources: ['shop.*'] }] } })
 * @throws EngineConfigError when the configuration's sources or the settings cannot be deployed (naming each key).
 */
export class EdweStack extends Stack implements EngineStackParts {
  public readonly settings: EngineSettings;
  public readonly eventTable: EventTable;
  public readonly stateTable: StateTable;
  public readonly ingestion: Ingestion;
  public readonly busIngestion: BusIngestion;
  public readonly kinesisIngestion: KinesisIngestion[] = [];
  public readonly kafkaIngestion?: KafkaIngestion;
  /** Where records and events that could not be ingested go, from every source but HTTP (which answers the client). */
  public readonly ingestDeadLetterQueue: sqs.Queue;
  public readonly workflows: Workflows;
  public readonly router: Router;
  /** Routes the events the router never did (a `routedAt` missing some minutes after receipt). */
  public readonly sweeper: Sweeper;
  /** Workflow status changes → execution records and `workflow.*` events; absent for a project without workflows. */
  public readonly lifecycle?: Lifecycle;
  /** EventBridge Scheduler schedules of the schedule rules; absent when no enabled rule has a `schedule`. */
  public readonly schedules?: Schedules;
  /** Managed rules (`/rules`): the rules API and backtests; the routing functions refresh from it. */
  public readonly rulesApi: RulesApi;
  /** Flow control's wake-up queue and consumer (debounce, throttle, concurrency, rateLimit, batch). */
  public readonly flowControl: FlowControl;
  /** Replays (`/replays`); absent when the configuration sets `event_sourcing.replay_enabled: false`. */
  public readonly replay?: Replay;
  /** Stop, redrive and bulk actions (`/executions/{name}/stop|redrive`, `/executions/actions`); absent for a project without workflows. */
  public readonly executionActions?: ExecutionActionsApi;
  /** With `event_sourcing.encrypt` entries: `GET /sensitive/events…`, the reads that open sealed fields (lib/sensitive-reads.ts). */
  public readonly sensitiveReads?: SensitiveReads;
  public readonly observability: Observability;
  /** Days an event is kept (the table's TTL). */
  public readonly retentionDays: number;
  /** `real_time_execution.max_latency`, when the seed configuration sets it: the router counts starts later than it, and an alarm watches the count. */
  public readonly startLatencyObjectiveMs: number | undefined;

  constructor(scope: Construct, id: string, props: EdweStackProps) {
    super(scope, id, props);
    const { project } = props;
    const plan = planSources(project.config);
    for (const warning of plan.warnings) Annotations.of(this).addWarningV2('edwe:source-left-out', warning);
    this.settings = resolveSettings(this, props);
    const { settings } = this;
    const retentionDays = props.retentionDays ?? plan.retentionDays;
    this.retentionDays = retentionDays ?? DEFAULT_RETENTION_DAYS;
    const logRetention = settings.logRetentionDays as logs.RetentionDays;

    // The construct ids stay 'EventStore' and 'StateStore': they name the tables' logical ids, and a new id would replace a deployed table.
    this.eventTable = new EventTable(this, 'EventStore', props.encryptionKey === undefined ? {} : { encryptionKey: props.encryptionKey });
    const { encryptionKey } = this.eventTable;
    allowServicesToUseKey(encryptionKey);
    // CDK's Table types tableStreamArn as `string | undefined` where ITable has it optional, which
    // exactOptionalPropertyTypes refuses; the value is the same object.
    const table = this.eventTable.table as unknown as dynamodb.ITable;
    const stored = { table, encryptionKey, ...(retentionDays === undefined ? {} : { retentionDays }) };
    const logged = { functionProps: { logRetention } };

    this.stateTable = new StateTable(this, 'StateStore', { encryptionKey });
    const stateTable = this.stateTable.table as unknown as dynamodb.ITable;

    this.workflows = new Workflows(this, 'Workflows', {
      workflows: project.workflows,
      taskEntry: (task) => taskEntry(project.paths, task),
      encryptionKey,
      logRetention,
      taskServices: { eventsTable: table, stateTable, encryptionKey, ...(retentionDays === undefined ? {} : { retentionDays }) },
    });
    warnStartRates(this, project.workflows.values());
    const rules = portableRules(project.rules, dirname(project.paths.rulesDir));
    const workflowTypes = Object.fromEntries([...project.workflows.values()].map((w) => [w.id, w.settings.type]));

    this.ingestion = new Ingestion(this, 'Ingestion', {
      ...stored,
      stateTable,
      ...(settings.fastPath
        ? {
            fastPath: {
              rules,
              stateMachines: this.workflows.stateMachines,
              workflowTypes,
              stateTable,
              stateMachineArnPrefix: workflowArnPrefix(this),
              ruleRefreshSeconds: settings.ruleRefreshSeconds,
            },
          }
        : {}),
      webhookPaths: plan.webhookPaths,
      auth: settings.auth,
      throttle: settings.throttle,
      apiCloudWatchRole: settings.apiCloudWatchRole,
      logRetention,
      ...(settings.access === undefined ? {} : { access: settings.access }),
      ...(settings.quota === undefined ? {} : { quota: settings.quota }),
      ...(props.ingestAuthorization === undefined ? {} : { authorizationType: props.ingestAuthorization }),
    });

    this.ingestDeadLetterQueue = createDeadLetterQueue(this, 'IngestDeadLetterQueue', encryptionKey);
    const deadLetterQueue = this.ingestDeadLetterQueue;
    this.busIngestion = new BusIngestion(this, 'BusIngestion', {
      ...stored,
      ...logged,
      deadLetterQueue,
      ...(plan.eventBridge?.busName === undefined ? {} : { busName: plan.eventBridge.busName }),
    });
    plan.kinesis.forEach((source, i) => {
      this.kinesisIngestion.push(new KinesisIngestion(this, i === 0 ? 'KinesisIngestion' : `KinesisIngestion${i + 1}`, { ...stored, ...logged, deadLetterQueue, source }));
    });
    if (plan.kafka.length > 0) this.kafkaIngestion = new KafkaIngestion(this, 'KafkaIngestion', { ...stored, ...logged, deadLetterQueue, sources: plan.kafka });

    const maxLatencyMs = project.config?.realTimeExecution.maxLatencyMs;
    this.startLatencyObjectiveMs = maxLatencyMs;
    // The workflow machines are named `<prefix><workflow id>`: functions get the prefix, not 30 ARNs.
    const stateMachineArnPrefix = workflowArnPrefix(this);
    // The query function derives each Standard execution's ARN from them, for the console's link to Step Functions.
    this.ingestion.queryFunction.addEnvironment(ENV.STATE_MACHINE_ARN_PREFIX, stateMachineArnPrefix);
    this.ingestion.queryFunction.addEnvironment(ENV.WORKFLOW_TYPES, JSON.stringify(workflowTypes));
    const routing = {
      table,
      stateMachineArnPrefix,
      rules,
      stateMachines: this.workflows.stateMachines,
      workflowTypes,
      stateTable,
      encryptionKey,
      logRetention,
      ruleRefreshSeconds: settings.ruleRefreshSeconds,
      correlationMetrics: settings.correlationMetrics,
      ...(retentionDays === undefined ? {} : { retentionDays }),
      ...(maxLatencyMs === undefined ? {} : { startLatencyObjectiveMs: maxLatencyMs }),
    };
    this.router = new Router(this, 'Router', routing);
    this.sweeper = new Sweeper(this, 'Sweeper', {
      ...routing,
      failureQueue: this.router.failureQueue,
      every: Duration.minutes(settings.sweeper.everyMinutes),
      minAge: Duration.minutes(settings.sweeper.minAgeMinutes),
      maxAttempts: settings.sweeper.maxAttempts,
    });

    this.rulesApi = new RulesApi(this, 'RulesApi', {
      api: this.ingestion.api,
      eventsTable: table,
      stateTable,
      encryptionKey,
      rules,
      workflowIds: [...project.workflows.keys()],
      encrypt: project.config?.eventSourcing.encrypt ?? [],
      logRetention,
      ...(retentionDays === undefined ? {} : { retentionDays }),
    });

    if (this.workflows.stateMachines.size > 0) {
      this.lifecycle = new Lifecycle(this, 'Lifecycle', {
        stateMachines: this.workflows.stateMachines,
        expressLogGroups: new Map([...this.workflows.logGroups].filter(([id]) => project.workflows.get(id)?.settings.type === 'EXPRESS')),
        stateMachineArnPrefix,
        eventsTable: table,
        stateTable,
        encryptionKey,
        logRetention,
        // For flow control's concurrency: an execution's end frees its slot and may start the next waiting trigger.
        rules,
        ruleRefreshSeconds: settings.ruleRefreshSeconds,
        workflowTypes,
        ...(retentionDays === undefined ? {} : { retentionDays }),
      });
      new CfnOutput(this, 'LifecycleDeadLetterQueueUrl', { value: this.lifecycle.deadLetterQueue.queueUrl });
      this.executionActions = new ExecutionActionsApi(this, 'ExecutionActions', {
        api: this.ingestion.api,
        eventsTable: table,
        stateTable,
        encryptionKey,
        logRetention,
        stateMachines: this.workflows.stateMachines,
        stateMachineArnPrefix,
        workflowTypes,
        ...(retentionDays === undefined ? {} : { retentionDays }),
      });
    }
    this.flowControl = stackFlowControl(this, routing);

    if (project.config?.eventSourcing.replayEnabled !== false) {
      this.replay = new Replay(this, 'Replay', {
        api: this.ingestion.api,
        bus: this.busIngestion.bus,
        eventsTable: table,
        stateTable: this.stateTable.table,
        encryptionKey,
        logRetention,
        rules,
        stateMachines: this.workflows.stateMachines,
        stateMachineArnPrefix,
        ruleRefreshSeconds: settings.ruleRefreshSeconds,
        ...(retentionDays === undefined ? {} : { retentionDays }),
        ...(settings.replayMaxRate === undefined ? {} : { maxRatePerSecond: settings.replayMaxRate }),
      });
      new CfnOutput(this, 'ReplayDeadLetterQueueUrl', { value: this.replay.deadLetterQueue.queueUrl });
    }

    if (project.rules.some((r) => r.enabled && r.schedule !== undefined))
      this.schedules = new Schedules(this, 'Schedules', { rules: project.rules, target: this.busIngestion.ingestFunction });

    const encrypt = project.config?.eventSourcing.encrypt ?? [];
    if (encrypt.length > 0) {
      this.sensitiveReads = new SensitiveReads(this, 'SensitiveReads', {
        api: this.ingestion.api,
        eventsTable: table,
        stateTable,
        encryptionKey,
        logRetention,
        ...(retentionDays === undefined ? {} : { retentionDays }),
      });
    }
    connectFieldEncryption({ rules: encrypt, key: encryptionKey, eventsTableName: table.tableName, stateTable }, stackFieldUses(this, settings.fastPath));
    this.observability = watchStack(this, encryptionKey);
    stackOutputs(this, table);
  }
}
