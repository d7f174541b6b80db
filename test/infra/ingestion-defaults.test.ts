/** The ingestion EdweStack builds with no configuration: the bus, the HTTP API's query routes, the default retention. */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';
import { arnOf, ref, testApp } from '../support/cdk.js';
import { READING_MARKS } from './support/hour-marks.js';

describe('EdweStack ingestion with no configuration', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(new EdweStack(testApp(), 'Plain', { project: loadProject(defaultPaths(PROJECT_ROOT)) }));
    // A synth takes a while on a busy machine.
  }, 180_000);

  it("creates no Kinesis stream and no Kafka mapping: the router's stream and flow control's wake-up queue are the only mappings", () => {
    template.resourceCountIs('AWS::Kinesis::Stream', 0);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventStoreEvents'), 'StreamArn'] } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FlowControl'), 'Arn'] } });
  });

  it('still creates the engine bus and its forwarding rule', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: [{ 'anything-but': ['edwe.replay', 'edwe.workflows'] }] } });
  });

  it('serves GET /events, GET /events/{id} and GET /correlations/{correlationId} through the query function, signed with IAM', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'correlations' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{correlationId}' });
    for (const resource of ['IngestionApievents', 'IngestionApieventsid', 'IngestionApicorrelationscorrelationId']) {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        AuthorizationType: 'AWS_IAM',
        ResourceId: ref(`${resource}[0-9A-F]{8}$`),
        Integration: Match.objectLike({ Type: 'AWS_PROXY', Uri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([arnOf('IngestionQueryFunction')])]) }) }),
      });
    }
  });

  it('lets the query function query the named indexes of both tables, get an event or an execution record, and nothing else', () => {
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
      READING_MARKS,
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
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^StateStoreState/), 'Arn'] }, '/index/byStatus']] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^StateStoreState/), 'Arn'] }, '/index/byWorkflow']] },
        ],
      },
      { Sid: 'GetEvent', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventStoreEvents/), 'Arn'] } },
    ]);
  });

  it("lets the query function use the key only as DynamoDB does for the two tables: it cannot open a field's data key", () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref.startsWith('IngestionQueryFunction')))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>)
      .filter((s) => JSON.stringify(s.Action).includes('kms:'));

    expect(statements).toEqual([
      {
        Sid: 'KeyViaDynamoDB',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
        Condition: {
          StringEquals: {
            'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
            'kms:CallerAccount': { Ref: 'AWS::AccountId' },
            'kms:EncryptionContext:aws:dynamodb:tableName': [{ Ref: expect.stringMatching(/^EventStoreEvents/) }, { Ref: expect.stringMatching(/^StateStoreState/) }],
            'kms:EncryptionContext:aws:dynamodb:subscriberId': { Ref: 'AWS::AccountId' },
          },
        },
      },
    ]);
  });

  it('has no revealing reads (GET /sensitive/…) without encrypted fields to reveal', () => {
    template.resourcePropertiesCountIs('AWS::ApiGateway::Resource', { PathPart: 'sensitive' }, 0);
  });

  it('keeps events 30 days', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'edwe-query', RETENTION_DAYS: '30' }) } });
  });
});
