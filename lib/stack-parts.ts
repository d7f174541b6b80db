/**
 * The parts of the engine's stack that its operator views (lib/stack-watch.ts) and its field-encryption wiring
 * (lib/stack-field-uses.ts) read. `EdweStack` implements it; those modules depend on this shape, not on the stack.
 */
import type { Stack } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { BusIngestion } from './bus-ingestion.js';
import type { EngineSettings } from './engine-settings.js';
import type { ExecutionActionsApi } from './execution-actions-api.js';
import type { FlowControl } from './flow-control.js';
import type { Ingestion } from './ingestion.js';
import type { KafkaIngestion } from './kafka-ingestion.js';
import type { KinesisIngestion } from './kinesis-ingestion.js';
import type { Lifecycle } from './lifecycle.js';
import type { Observability } from './observability.js';
import type { Replay } from './replay.js';
import type { Router } from './router.js';
import type { RulesApi } from './rules-api.js';
import type { Schedules } from './schedules.js';
import type { SensitiveReads } from './sensitive-reads.js';
import type { StateTable } from './state-table.js';
import type { Sweeper } from './sweeper.js';
import type { Workflows } from './workflows.js';

/** The stack's parts, as `EdweStack` documents them. */
export interface EngineStackParts extends Stack {
  readonly settings: EngineSettings;
  readonly stateTable: StateTable;
  readonly ingestion: Ingestion;
  readonly busIngestion: BusIngestion;
  readonly kinesisIngestion: KinesisIngestion[];
  readonly kafkaIngestion?: KafkaIngestion;
  readonly ingestDeadLetterQueue: sqs.Queue;
  readonly workflows: Workflows;
  readonly router: Router;
  readonly sweeper: Sweeper;
  readonly lifecycle?: Lifecycle;
  readonly schedules?: Schedules;
  readonly rulesApi: RulesApi;
  readonly flowControl: FlowControl;
  readonly replay?: Replay;
  readonly executionActions?: ExecutionActionsApi;
  readonly sensitiveReads?: SensitiveReads;
  readonly observability: Observability;
  readonly retentionDays: number;
  readonly startLatencyObjectiveMs: number | undefined;
}
