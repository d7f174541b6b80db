/** The ingestion EdweStack builds for the seed configuration's event sources: Kinesis, the bus, Kafka (MSK and self-managed) and a webhook. */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject, type Project } from '../../lambdas/project/load-project.js';
import { arnOf, functionIdByService, ref, testApp, withConfig } from '../support/cdk.js';

const CLUSTER_ARN = 'arn:aws:kafka:us-east-1:123456789012:cluster/orders/751d2973-a626-431c-9d4e-d7975eb44dd7-2';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:edwe/kafka-AbCdEf';

const SEED_CONFIG = `
event_sources:
  - type: kinesis
    stream_name: user-events
  - type: kafka
    topics: [orders, payments]
    cluster_arn: ${CLUSTER_ARN}
  - type: kafka
    topics: [clicks]
    bootstrap_servers: [broker-1.example.com:9096, broker-2.example.com:9096]
    secret_arn: ${SECRET_ARN}
  - type: webhook
    endpoint: /webhooks/github
  - type: eventbridge
    bus_name: edwe-events
event_sourcing:
  retention: 90d
`;

/** The event source mappings of the function whose service name is `service`. */
function mappingsOf(template: Template, service: string): Array<Record<string, any>> {
  const fn = functionIdByService(template, service);
  return Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))
    .filter((m) => m.Properties.FunctionName?.Ref === fn)
    .map((m) => m.Properties as Record<string, any>);
}

describe('EdweStack ingestion with the seed configuration', () => {
  let project: Project;
  let template: Template;

  beforeAll(() => {
    project = withConfig(loadProject(defaultPaths(PROJECT_ROOT)), SEED_CONFIG);
    template = Template.fromStack(new EdweStack(testApp(), 'Configured', { project }));
  });

  it('creates an on-demand Kinesis stream encrypted with the engine key', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: 'user-events',
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: arnOf('EventStoreKey') },
    });
  });

  it('reads the stream with per-record failures, bisection, bounded retries and the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf('KinesisIngestionStream'),
      FunctionName: ref('KinesisIngestionIngestFunction'),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      DestinationConfig: { OnFailure: { Destination: arnOf('IngestDeadLetterQueue') } },
    });
  });

  it('tells each stream ingest function its table, the configured retention and the dead-letter queue', () => {
    for (const service of ['edwe-ingest-kinesis', 'edwe-ingest-kafka']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: service,
            EVENTS_TABLE: ref('EventStoreEvents'),
            RETENTION_DAYS: '90',
            DEAD_LETTER_QUEUE_URL: ref('IngestDeadLetterQueue'),
          }),
        },
      });
    }
  });

  it('creates the named engine bus, encrypted with the engine key', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'edwe-events', KmsKeyIdentifier: arnOf('EventStoreKey') });
  });

  it("forwards everything on the bus except the engine's replay and lifecycle sources, with a target dead-letter queue", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref('BusIngestionBus'),
      EventPattern: { source: [{ 'anything-but': ['edwe.replay', 'edwe.workflows'] }] },
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: arnOf('BusIngestionIngestFunction'),
          DeadLetterConfig: { Arn: arnOf('IngestDeadLetterQueue') },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 },
        }),
      ],
    });
  });

  it('sends events the bus ingest function refuses to the dead-letter queue after two retries', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref('BusIngestionIngestFunction'),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: arnOf('IngestDeadLetterQueue') } },
    });
  });

  it('lets EventBridge, for this rule only, deliver to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref('IngestDeadLetterQueue')],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': arnOf('BusIngestionForwardToEngine') } },
          }),
        ]),
      },
    });
  });

  it('maps each MSK topic to the Kafka function with partial batch responses in provisioned mode', () => {
    const msk = mappingsOf(template, 'edwe-ingest-kafka').filter((m) => m.EventSourceArn === CLUSTER_ARN);

    expect(msk.map((m) => m.Topics)).toEqual([['orders'], ['payments']]);
    for (const mapping of msk) {
      expect(mapping).toMatchObject({
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        StartingPosition: 'LATEST',
        ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 10 },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^IngestDeadLetterQueue/), 'Arn'] } } },
      });
    }
  });

  it('lets the Kafka function into the IAM-authenticated MSK cluster to read exactly its topics', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref.startsWith('KafkaIngestionIngestFunction')))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
    const topic = (name: string) => `${CLUSTER_ARN.replace(':cluster/', ':topic/')}/${name}`;

    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'ReadMskTopics0',
        Effect: 'Allow',
        Action: expect.arrayContaining(['kafka-cluster:Connect', 'kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData', 'kafka-cluster:AlterGroup']),
        Resource: [CLUSTER_ARN, topic('orders'), topic('payments'), `${CLUSTER_ARN.replace(':cluster/', ':group/')}/*`].sort(),
      }),
    );
  });

  it('maps the self-managed topic to the brokers with SASL/SCRAM credentials from the secret', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref('KafkaIngestionIngestFunction'),
      Topics: ['clicks'],
      SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: ['broker-1.example.com:9096', 'broker-2.example.com:9096'] } },
      SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH', URI: SECRET_ARN }],
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('accepts POST on the configured webhook path through the ingest function', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'webhooks' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'github' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: ref('IngestionApiwebhooksgithub'),
      Integration: Match.objectLike({ Uri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([arnOf('IngestionIngestFunction')])]) }) }),
    });
  });

  it('keeps events for the configured retention (the table TTL and RETENTION_DAYS of every function that writes or reads)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    const withRetention = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) => fn.Properties.Environment?.Variables?.RETENTION_DAYS !== undefined);
    // The ingest functions, the query function, and those that store lifecycle, emitted and replayed events or records.
    expect(withRetention.length).toBeGreaterThanOrEqual(5);
    expect(new Set(withRetention.map((fn) => fn.Properties.Environment.Variables.RETENTION_DAYS))).toEqual(new Set(['90']));
  });
});
