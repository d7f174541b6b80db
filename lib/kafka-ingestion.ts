/**
 * Kafka ingestion: one event source mapping per configured topic — Amazon MSK (`clusterArn`) or
 * self-managed brokers (`bootstrapServers` + a SASL/SCRAM secret) — into the Kafka ingest Lambda.
 * The mappings run in provisioned mode, which Lambda requires for partial batch responses
 * (ReportBatchItemFailures), bisection, bounded retries and an on-failure destination on Kafka.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AuthenticationMethod, ManagedKafkaEventSource, SelfManagedKafkaEventSource, type KafkaEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { KafkaSourceConfig } from '../lambdas/core/index.js';
import { QueueOnFailure } from './encryption.js';
import { createIngestFunction, type EventTableProps } from './ingest-function.js';
import type { EdweFunctionProps } from './lambda-defaults.js';

export interface KafkaIngestionProps extends EventTableProps {
  /** The Kafka sources as configured (`type: kafka`); each must name a cluster ARN or brokers and a secret. */
  readonly sources: readonly KafkaSourceConfig[];
  /** Where refused records and exhausted batches go. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Pollers per mapping (provisioned mode). Default 1 to 10. */
  readonly pollers?: { minimum: number; maximum: number };
  /** How self-managed brokers authenticate the secret's credentials. Default SASL/SCRAM-SHA-512. */
  readonly authenticationMethod?: AuthenticationMethod;
  /** Merged over the function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/**
 * @example new KafkaIngestion(this, 'Kafka', { table, encryptionKey, deadLetterQueue, sources: plan.kafka })
 */
export class KafkaIngestion extends Construct {
  public readonly ingestFunction: NodejsFunction;
  public readonly eventSources: Array<ManagedKafkaEventSource | SelfManagedKafkaEventSource> = [];

  constructor(scope: Construct, id: string, props: KafkaIngestionProps) {
    super(scope, id);
    this.ingestFunction = createIngestFunction(this, 'IngestFunction', {
      ...props,
      handler: 'ingest-kafka',
      serviceName: 'edwe-ingest-kafka',
      description: 'edwe: validates and stores events read from Kafka',
      invocation: 'stream',
      functionProps: { timeout: Duration.seconds(60), ...props.functionProps },
    });

    props.sources.forEach((source, i) => {
      const groupOf = (topic: string) =>
        source.consumerGroupId === undefined ? undefined : source.topics.length > 1 ? `${source.consumerGroupId}-${topic}` : source.consumerGroupId;
      const secret = source.secretArn === undefined ? undefined : secretsmanager.Secret.fromSecretCompleteArn(this, `Secret${i}`, source.secretArn);
      for (const topic of source.topics) {
        const common: KafkaEventSourceProps = {
          topic,
          // Existing topics have history: starting at the tip does not replay it into workflows.
          startingPosition: source.startingPosition === 'TRIM_HORIZON' ? lambda.StartingPosition.TRIM_HORIZON : lambda.StartingPosition.LATEST,
          batchSize: source.batchSize ?? 100,
          // A group id is unique per mapping: with several topics, each gets its own.
          ...(source.consumerGroupId === undefined ? {} : { consumerGroupId: groupOf(topic) as string }),
          ...(secret === undefined ? {} : { secret }),
          reportBatchItemFailures: true,
          bisectBatchOnError: true,
          retryAttempts: 10,
          // A record older than a day goes to the dead-letter queue instead of holding its partition.
          maxRecordAge: Duration.hours(24),
          onFailure: new QueueOnFailure(props.deadLetterQueue),
          provisionedPollerConfig: { minimumPollers: props.pollers?.minimum ?? 1, maximumPollers: props.pollers?.maximum ?? 10 },
        };
        const eventSource =
          source.clusterArn !== undefined
            ? new ManagedKafkaEventSource({ ...common, clusterArn: source.clusterArn })
            : new SelfManagedKafkaEventSource({
                ...common,
                bootstrapServers: source.bootstrapServers ?? [],
                authenticationMethod: props.authenticationMethod ?? AuthenticationMethod.SASL_SCRAM_512_AUTH,
              });
        this.ingestFunction.addEventSource(eventSource);
        this.eventSources.push(eventSource);
      }
      // MSK without a secret authenticates with IAM: the function's role must be let in to read the topics.
      if (source.clusterArn !== undefined && secret === undefined) {
        const groups = source.consumerGroupId === undefined ? undefined : source.topics.map((topic) => groupOf(topic) as string);
        const statement = mskIamReadStatement(source.clusterArn, source.topics, groups, i);
        this.ingestFunction.addToRolePolicy(statement);
        if (groups === undefined) {
          Validations.of(this.ingestFunction.role ?? this.ingestFunction).acknowledge({
            id: `AwsSolutions-IAM5[Resource::${groupArn(source.clusterArn, '*')}]`,
            reason:
              "Without consumer_group_id Lambda names each mapping's consumer group itself (a UUID), so the groups of this one cluster are named by a wildcard; configure consumer_group_id to name them exactly.",
          });
        }
      }
      if (source.clusterArn !== undefined) {
        Validations.of(this.ingestFunction.role ?? this.ingestFunction).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
          reason:
            'Added by CDK for an MSK event source mapping: the mapping reaches the cluster through network interfaces in its VPC, and the EC2 actions it needs have no resource-level permissions.',
        });
      }
    });
  }
}

/** What Lambda needs to read topics of an MSK cluster that uses IAM access control. */
function mskIamReadStatement(clusterArn: string, topics: readonly string[], groups: readonly string[] | undefined, index: number): iam.PolicyStatement {
  // arn:…:cluster/<name>/<uuid> → arn:…:topic/<name>/<uuid>/<topic> and arn:…:group/<name>/<uuid>/<group>
  const under = (kind: string, rest: string) => `${clusterArn.replace(':cluster/', `:${kind}/`)}/${rest}`;
  return new iam.PolicyStatement({
    sid: `ReadMskTopics${index}`,
    actions: [
      'kafka-cluster:Connect',
      'kafka-cluster:DescribeClusterDynamicConfiguration',
      'kafka-cluster:DescribeTopic',
      'kafka-cluster:ReadData',
      'kafka-cluster:DescribeGroup',
      'kafka-cluster:AlterGroup',
    ],
    resources: [clusterArn, ...topics.map((topic) => under('topic', topic)), ...(groups ?? ['*']).map((group) => groupArn(clusterArn, group))],
  });
}

/** The ARN of a consumer group of an MSK cluster (`*`: all of them). */
const groupArn = (clusterArn: string, group: string): string => `${clusterArn.replace(':cluster/', ':group/')}/${group}`;
