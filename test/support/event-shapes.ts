/**
 * Events as AWS delivers them to a Lambda, shaped after the examples in the AWS documentation:
 * an EventBridge rule target's event, and MSK / self-managed Kafka event source mapping batches.
 */
import type { EventBridgeEvent, MSKEvent, MSKRecord, SelfManagedKafkaEvent } from 'aws-lambda';

/** An EventBridge event as a rule delivers it to its Lambda target ("Amazon EventBridge events" in the user guide). */
export function eventBridgeEvent(overrides: Partial<EventBridgeEvent<string, unknown>> = {}): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'user_registration',
    source: 'web-app',
    account: '111122223333',
    time: '2017-12-22T18:43:48Z',
    region: 'us-west-1',
    resources: [],
    detail: { userId: 'u-123', user_type: 'premium' },
    ...overrides,
  };
}

export const MSK_CLUSTER_ARN = 'arn:aws:kafka:us-east-1:123456789012:cluster/vpc-2priv-2pub/751d2973-a626-431c-9d4e-d7975eb44dd7-2';

/** One Kafka record; `value` is the JSON of `payload` (or the raw text given), base64 as Lambda delivers it. */
export function kafkaRecord(topic: string, partition: number, offset: number, payload: unknown): MSKRecord {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    topic,
    partition,
    offset,
    timestamp: 1545084650987 + offset,
    timestampType: 'CREATE_TIME',
    key: Buffer.from(`key-${offset}`).toString('base64'),
    value: Buffer.from(text).toString('base64'),
    headers: [{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }],
  };
}

/** Records grouped by `<topic>-<partition>`, as the records map of a Kafka event. */
function byPartition(records: readonly MSKRecord[]): Record<string, MSKRecord[]> {
  const grouped: Record<string, MSKRecord[]> = {};
  for (const record of records) (grouped[`${record.topic}-${record.partition}`] ??= []).push(record);
  return grouped;
}

/** An Amazon MSK batch ("Using Lambda with Amazon MSK": the example event). */
export const mskEvent = (...records: MSKRecord[]): MSKEvent => ({
  eventSource: 'aws:kafka',
  eventSourceArn: MSK_CLUSTER_ARN,
  bootstrapServers: 'b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092',
  records: byPartition(records),
});

/** A self-managed Kafka batch ("Using Lambda with self-managed Apache Kafka": the example event). */
export const selfManagedKafkaEvent = (...records: MSKRecord[]): SelfManagedKafkaEvent => ({
  eventSource: 'SelfManagedKafka',
  bootstrapServers: 'b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092',
  records: byPartition(records),
});

/** What a Step Functions status change says about one execution. */
export interface StatusChangeFields {
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: number;
  stopDate?: number;
  /** The execution input; `null` when too large to be included (`inputDetails.included: false`). */
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
}

/**
 * A "Step Functions Execution Status Change" event as the default bus delivers it to a rule's target
 * (the Step Functions developer guide's EventBridge examples): JSON text for input and output, epoch
 * milliseconds for the dates, null for what the status does not have.
 */
export function statusChangeEvent(fields: StatusChangeFields): EventBridgeEvent<'Step Functions Execution Status Change', unknown> {
  const executionArn = `${fields.stateMachineArn.replace(':stateMachine:', ':execution:')}:${fields.name}`;
  const included = fields.input !== null;
  return {
    version: '0',
    id: `status-${fields.name}-${fields.status}`,
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: new Date(fields.stopDate ?? fields.startDate).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: fields.stateMachineArn,
      name: fields.name,
      status: fields.status,
      startDate: fields.startDate,
      stopDate: fields.stopDate ?? null,
      input: included ? JSON.stringify(fields.input) : null,
      inputDetails: { included },
      output: fields.output === undefined ? null : JSON.stringify(fields.output),
      outputDetails: fields.output === undefined ? null : { included: true },
      ...(fields.error === undefined ? {} : { error: fields.error }),
      ...(fields.cause === undefined ? {} : { cause: fields.cause }),
    },
  };
}
