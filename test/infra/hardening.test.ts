import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_SOURCES, anEdweStack, API_KEY_SETTINGS } from '../support/stacks.js';

type Resource = { Properties: Record<string, any> };

/** The engine key's ARN, as every encrypted resource names it. */
const KEY_ARN = { 'Fn::GetAtt': [expect.stringMatching(/^EventStoreKey/), 'Arn'] };
const values = (template: Template, type: string): Resource[] => Object.values(template.findResources(type)) as Resource[];

describe('encryption, tracing and logs of the full EdweStack (every source, API keys)', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(anEdweStack('Hardened', API_KEY_SETTINGS, ALL_SOURCES));
  });

  it('has one customer-managed key, rotated', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts both tables, the Kinesis stream, the bus and the alarm topic with it', () => {
    for (const table of values(template, 'AWS::DynamoDB::Table'))
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY_ARN });
    for (const stream of values(template, 'AWS::Kinesis::Stream')) expect(stream.Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: KEY_ARN });
    for (const bus of values(template, 'AWS::Events::EventBus')) expect(bus.Properties.KmsKeyIdentifier).toEqual(KEY_ARN);
    for (const topic of values(template, 'AWS::SNS::Topic')) expect(topic.Properties.KmsMasterKeyId).toEqual(KEY_ARN);
  });

  it('encrypts every queue with it and makes every queue and topic refuse plain HTTP', () => {
    const queues = Object.entries(template.findResources('AWS::SQS::Queue'));
    expect(queues.length).toBeGreaterThanOrEqual(5);
    for (const [id, queue] of queues) {
      // The bus's dead-letter queue catches the events the bus could not deliver because of the key, so it
      // cannot depend on that key: SQS-managed encryption (docs/operations.md).
      if (/BusDeadLetterQueue/.test(id)) expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      else expect(queue.Properties.KmsMasterKeyId, id).toEqual(KEY_ARN);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('encrypts every state machine with it, traces it, and logs every step to a group of its own', () => {
    const machines = values(template, 'AWS::StepFunctions::StateMachine');
    expect(machines.length).toBeGreaterThanOrEqual(4);
    for (const machine of machines) {
      expect(machine.Properties).toMatchObject({
        EncryptionConfiguration: { Type: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyId: KEY_ARN },
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL', Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } } }] },
      });
    }
  });

  it('encrypts every log group with it and keeps its logs a set time (30 days by default)', () => {
    const groups = Object.entries(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(20);
    for (const [id, group] of groups) expect(group.Properties, id).toMatchObject({ KmsKeyId: KEY_ARN, RetentionInDays: 30 });
  });

  it("lets CloudWatch Logs use the key for this account's log groups only, and EventBridge for its deliveries", () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudWatchLogsOfThisAccount',
            // The partition's host, not `amazonaws.com` written out (China's is amazonaws.com.cn).
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
          Match.objectLike({ Sid: 'EventBridgeDeliveriesOfThisAccount', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
          Match.objectLike({ Sid: 'CloudWatchAlarmsOfThisAccount', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('traces every function, every state machine and the API stage', () => {
    for (const fn of values(template, 'AWS::Lambda::Function')) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    for (const machine of values(template, 'AWS::StepFunctions::StateMachine')) expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    template.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
  });

  it('logs every function to its own group as JSON lines (Powertools), at INFO', () => {
    for (const fn of values(template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: expect.stringMatching(/Logs/) } });
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'edwe',
        POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^edwe-/),
      });
    }
  });
});

describe('log retention from the settings', () => {
  it('keeps every log group the configured number of days', () => {
    const template = Template.fromStack(anEdweStack('Retained', { logRetentionDays: 90 }));

    const retention = values(template, 'AWS::Logs::LogGroup').map((group) => group.Properties.RetentionInDays);
    expect(new Set(retention)).toEqual(new Set([90]));
  });
});
