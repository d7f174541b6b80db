import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { EngineConfigError } from '../../lib/engine-sources.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject, type Project } from '../../lambdas/project/load-project.js';
import { testApp, withConfig } from '../support/cdk.js';

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

const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });
const arnOf = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });

/** The logical id of the one function whose Powertools service name is `service`. */
function functionId(template: Template, service: string): string {
  const [id] =
    Object.entries(template.findResources('AWS::Lambda::Function')).find(([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service) ?? [];
  if (id === undefined) throw new Error(`no function with service name ${service}`);
  return id;
}

/** The event source mappings of the function whose service name is `service`. */
function mappingsOf(template: Template, service: string): Array<Record<string, any>> {
  const fn = functionId(template, service);
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

describe('EdweStack ingestion with no configuration', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(new EdweStack(testApp(), 'Plain', { project: loadProject(defaultPaths(PROJECT_ROOT)) }));
  });

  it("creates no Kinesis stream and no Kafka mapping; the router's stream mapping is the only one", () => {
    template.resourceCountIs('AWS::Kinesis::Stream', 0);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventStoreEvents'), 'StreamArn'] } });
  });

  it('still creates the engine bus and its forwarding rule', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: [{ 'anything-but': ['edwe.replay', 'edwe.workflows'] }] } });
  });

  it('serves GET /events and GET /correlations/{correlationId} through the query function, signed with IAM', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'correlations' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{correlationId}' });
    for (const resource of ['IngestionApievents', 'IngestionApicorrelationscorrelationId']) {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        AuthorizationType: 'AWS_IAM',
        ResourceId: ref(`${resource}[0-9A-F]{8}$`),
        Integration: Match.objectLike({ Type: 'AWS_PROXY', Uri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([arnOf('IngestionQueryFunction')])]) }) }),
      });
    }
  });

  it('lets the query function query the named indexes of both tables, read execution records, and nothing else', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref.startsWith('IngestionQueryFunction')),
    );
    const statements = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>)
      .filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));

    expect(statements).toEqual([
      {
        Sid: 'QueryEventIndexes',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: [
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^EventStoreEvents/), 'Arn'] }, '/index/byCorrelation']] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^EventStoreEvents/), 'Arn'] }, '/index/byTime']] },
        ],
      },
      {
        Sid: 'GetExecutionRecords',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StateStoreState/), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EXEC#*'] } },
      },
      {
        Sid: 'QueryExecutionIndexes',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: [
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^StateStoreState/), 'Arn'] }, '/index/byCorrelation']] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^StateStoreState/), 'Arn'] }, '/index/byEvent']] },
        ],
      },
    ]);
  });

  it('keeps events 30 days', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'edwe-query', RETENTION_DAYS: '30' }) } });
  });
});

describe('EdweStack with a configuration it cannot deploy', () => {
  const project = loadProject(defaultPaths(PROJECT_ROOT));
  const synth = (yaml: string) => () => new EdweStack(testApp(), 'Invalid', { project: withConfig(project, yaml) });

  it('names the missing secret of a self-managed Kafka source', () => {
    expect(synth('event_sources:\n  - type: kafka\n    topics: [t]\n    bootstrap_servers: [b:9092]')).toThrow(
      new EngineConfigError(['event_sources[0] (kafka).secret_arn: required with bootstrap_servers (a Secrets Manager secret with the SASL/SCRAM credentials)']),
    );
  });

  it('names a cluster ARN that is not one', () => {
    expect(synth('event_sources:\n  - type: kafka\n    topics: [t]\n    cluster_arn: arn:aws:s3:::bucket')).toThrow(
      /event_sources\[0\] \(kafka\)\.cluster_arn: "arn:aws:s3:::bucket" is not an MSK cluster ARN/,
    );
  });

  it('names the shard count a provisioned stream lacks, and one an on-demand stream should not have', () => {
    expect(synth('event_sources:\n  - type: kinesis\n    mode: provisioned')).toThrow(/event_sources\[0\] \(kinesis\)\.shard_count: required with mode: provisioned/);
    expect(synth('event_sources:\n  - type: kinesis\n    shard_count: 2')).toThrow(/event_sources\[0\] \(kinesis\)\.shard_count: only for mode: provisioned/);
  });

  it('names a webhook path that would take over a route of the API', () => {
    expect(synth('event_sources:\n  - type: webhook\n    endpoints: [/rules]')).toThrow(
      /event_sources\[0\] \(webhook\)\.endpoints: "\/rules" is a path of the engine's own API/,
    );
  });
});

describe("EdweStack with the seed's own configuration example", () => {
  const SEED_EXAMPLE = `
event_sources:
  - type: "kafka"
    topics: ["user-events", "system-events"]
  - type: "webhook"
    endpoints: ["/api/events"]
event_sourcing:
  enabled: true
  retention: "30d"
  replay_enabled: true
`;

  it('synthesizes as written: the webhook route is made, the Kafka source without a cluster is left out with a warning', () => {
    const stack = new EdweStack(testApp(), 'Seed', { project: withConfig(loadProject(defaultPaths(PROJECT_ROOT)), SEED_EXAMPLE) });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'api' });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    Annotations.fromStack(stack).hasWarning('/Seed', Match.stringLikeRegexp('event_sources\\[0\\] \\(kafka\\): no cluster_arn .* topics user-events, system-events'));
  });
});

describe('EdweStack with a provisioned stream', () => {
  it('gives the stream the configured shard count', () => {
    const project = withConfig(loadProject(defaultPaths(PROJECT_ROOT)), 'event_sources:\n  - type: kinesis\n    mode: provisioned\n    shard_count: 4\n    batch_size: 500');
    const template = Template.fromStack(new EdweStack(testApp(), 'Provisioned', { project }));

    template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 4, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 500, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });
});
