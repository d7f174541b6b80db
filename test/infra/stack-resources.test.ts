/**
 * EdweStack with the repository project: its tables, stream routing, failure queue, API, the ingest function's
 * permissions, one state machine per workflow, and how every function runs (X-Ray layer, runtime, tracing).
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject, type Project } from '../../lambdas/project/load-project.js';
import { statementsOfRole, testApp } from '../support/cdk.js';
import { MARK_KEYS_CONDITION } from './support/hour-marks.js';

describe('EdweStack with the repository project', () => {
  let template: Template;
  let project: Project;

  beforeAll(() => {
    project = loadProject(defaultPaths(PROJECT_ROOT));
    template = Template.fromStack(new EdweStack(testApp(), 'EdweStack', { project }));
  });

  it("gives every function the engine's X-Ray layer (the SDK Powertools Tracer imports, left out of the bundles), one layer per stack", () => {
    const layers = Object.keys(template.findResources('AWS::Lambda::LayerVersion'));
    expect(layers).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::LayerVersion', { CompatibleRuntimes: ['nodejs22.x'], Description: Match.stringLikeRegexp('^edwe: aws-xray-sdk-core ') });
    const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(10);
    const without = functions.filter(([, fn]) => !((fn.Properties.Layers ?? []) as unknown[]).some((layer) => JSON.stringify(layer) === JSON.stringify({ Ref: layers[0] })));
    expect(without.map(([id]) => id)).toEqual([]);
  });

  it('keeps events in a streamed, expiring, recoverable table encrypted with a rotated customer key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventStoreKey'), 'Arn'] } },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byTime',
          KeySchema: [
            { AttributeName: 'tpk', KeyType: 'HASH' },
            { AttributeName: 'tsk', KeyType: 'RANGE' },
          ],
        }),
        Match.objectLike({
          IndexName: 'byCorrelation',
          KeySchema: [
            { AttributeName: 'cpk', KeyType: 'HASH' },
            { AttributeName: 'tsk', KeyType: 'RANGE' },
          ],
        }),
        Match.objectLike({
          IndexName: 'byUnrouted',
          KeySchema: [
            { AttributeName: 'unrouted', KeyType: 'HASH' },
            { AttributeName: 'receivedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        }),
      ],
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('keeps executions, waiters, joins and replay jobs in a State table under the same key, indexed by event, correlation, workflow and status', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventStoreKey'), 'Arn'] } },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byEvent',
          KeySchema: [
            { AttributeName: 'epk', KeyType: 'HASH' },
            { AttributeName: 'esk', KeyType: 'RANGE' },
          ],
        }),
        Match.objectLike({
          IndexName: 'byCorrelation',
          KeySchema: [
            { AttributeName: 'cpk', KeyType: 'HASH' },
            { AttributeName: 'esk', KeyType: 'RANGE' },
          ],
        }),
        // The listings' sparse indexes carry the listed fields only, never the input or the output.
        ...(['byWorkflow', 'byStatus'] as const).map((IndexName) =>
          Match.objectLike({
            IndexName,
            KeySchema: [
              { AttributeName: IndexName === 'byWorkflow' ? 'wpk' : 'spk', KeyType: 'HASH' },
              { AttributeName: 'esk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: Match.arrayWith(['workflowId', 'status', 'startedAt']) },
          }),
        ),
        // The correlation metrics pass's sparse index: keys only (the pass reads each item as it deletes it).
        Match.objectLike({
          IndexName: 'byActivity',
          KeySchema: [
            { AttributeName: 'apk', KeyType: 'HASH' },
            { AttributeName: 'ask', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        }),
      ],
    });
  });

  it('routes only inserts, reporting failures per record, bisecting, with bounded retries and a failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventStoreEvents'), 'StreamArn'] },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: 'EVT#' }] } } } }) }] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 3600,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RouterFailureQueue'), 'Arn'] } } },
    });
  });

  it('sends failed records to a queue encrypted with the engine key that refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventStoreKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('serves POST /events (the ingest function) and GET /events/{id} (the query function) through the Lambda proxy, signed with IAM, on a traced stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'events' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{id}' });
    for (const [method, fn] of [
      ['POST', 'IngestionIngestFunction'],
      ['GET', 'IngestionQueryFunction'],
    ]) {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: method,
        AuthorizationType: 'AWS_IAM',
        Integration: {
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
          Uri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${fn}`), 'Arn'] }])]) }),
        },
      });
    }
    // `GET /events/{id}` is the query function's: it cannot open a sealed field, the ingest function (fast path) can.
    const ingestGets = Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'GET' } })).filter((m) =>
      JSON.stringify(m.Properties.Integration?.Uri ?? '').includes('IngestionIngestFunction'),
    );
    expect(ingestGets).toEqual([]);
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'v1', TracingEnabled: true });
    // The account's CloudWatch role for API Gateway is one per account and region: the stack leaves it alone unless told.
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('lets the ingest function put and get events, and nothing else on the table but hour marks (an update of HOURS# keys, a Scan of the time index)', () => {
    const onEvents = statementsOfRole(template, 'IngestionIngestFunction').filter(
      (s) => String(s.Action).includes('dynamodb:') && JSON.stringify(s.Resource).includes('EventStoreEvents'),
    );
    expect(onEvents).toEqual([
      expect.objectContaining({ Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventStoreEvents/), 'Arn'] } }),
      expect.objectContaining({ Effect: 'Allow', Action: 'dynamodb:UpdateItem', Condition: MARK_KEYS_CONDITION }),
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'dynamodb:Scan',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^EventStoreEvents/), 'Arn'] }, '/index/byTime']] },
      }),
    ]);
    expect([...((onEvents[0]?.Action ?? []) as string[])].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
  });

  it("lets the ingest function's fast path write execution records and read the managed rules, nothing else, on the State table", () => {
    const onState = statementsOfRole(template, 'IngestionIngestFunction').filter((s) => JSON.stringify(s.Resource).includes('StateStore'));
    expect(onState).toEqual([
      expect.objectContaining({ Effect: 'Allow', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EXEC#*'] } } }),
      expect.objectContaining({ Effect: 'Allow', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RULE*'] } } }),
    ]);
    expect([...((onState[0]?.Action ?? []) as string[])].sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect([...((onState[1]?.Action ?? []) as string[])].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
  });

  it('gives the ingest function its table and retention', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENTS_TABLE: { Ref: Match.stringLikeRegexp('^EventStoreEvents') }, RETENTION_DAYS: '30' }) },
    });
  });

  it('builds one state machine per workflow, each task placeholder substituted with its function', () => {
    // The Workflows construct's machines; other constructs (the replay driver) may add their own.
    const workflowMachines = Object.keys(template.findResources('AWS::StepFunctions::StateMachine')).filter((id) => id.startsWith('Workflows'));
    expect(workflowMachines).toHaveLength(project.workflows.size);
    for (const workflow of project.workflows.values()) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: workflow.settings.type,
        TracingConfiguration: { Enabled: true },
        DefinitionSubstitutions: Object.fromEntries(workflow.tasks.map((task) => [task, { 'Fn::GetAtt': [Match.stringLikeRegexp(`^WorkflowsTask${task}`), 'Arn'] }])),
      });
    }
  });

  it('runs every function on Node 22, arm64, traced, with its Powertools service name', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
        Environment: { Variables: expect.objectContaining({ POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^edwe-/) }) },
      });
    }
  });
});
