import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject, type Project } from '../../lambdas/project/load-project.js';
import { testApp, withConfig } from '../support/cdk.js';
import { READING_MARKS } from './support/hour-marks.js';

type Resource = { Properties: Record<string, any> };

/** The logical id of the one function whose Powertools service name is `service`. */
function functionId(template: Template, service: string): string {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service);
  if (found === undefined) throw new Error(`no function with service name ${service}`);
  return found[0];
}

/** Every statement of the policies attached to the role of the function whose service name is `service`. */
function statementsOf(template: Template, service: string): Array<Record<string, any>> {
  const fn = template.findResources('AWS::Lambda::Function')[functionId(template, service)] as Resource;
  const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
}

const actionsOf = (statement: Record<string, any>): string[] => [statement.Action].flat() as string[];
const busArn = { 'Fn::GetAtt': [expect.stringMatching(/^BusIngestionBus/), 'Arn'] };

describe('EdweStack replay (repository project)', () => {
  let project: Project;
  let template: Template;

  beforeAll(() => {
    project = loadProject(defaultPaths(PROJECT_ROOT));
    template = Template.fromStack(new EdweStack(testApp(), 'ReplayStack', { project }));
    // A synth takes a while on a busy machine.
  }, 180_000);

  it('puts one rule per workflow on the engine bus, matching that workflow’s replayed events, to the start function', () => {
    const start = functionId(template, 'edwe-replay-start');
    for (const workflowId of project.workflows.keys()) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: Match.stringLikeRegexp('^BusIngestionBus') },
        EventPattern: { source: ['edwe.replay'], detail: { workflowId: [workflowId] } },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [start, 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReplayDeadLetterQueue'), 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 },
          }),
        ],
      });
    }
    const replayRules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('"edwe.replay"]'));
    expect(replayRules).toHaveLength(project.workflows.size);
  });

  it('keeps replayed events out of live ingestion: the forwarding rule excludes edwe.replay', () => {
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: [{ 'anything-but': Match.arrayWith(['edwe.replay']) }] } });
  });

  it('lets the start function start the engine’s state machines and nothing else', () => {
    const statements = statementsOf(template, 'edwe-replay-start').filter((s) => actionsOf(s).some((a) => a.startsWith('states:')));
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!)).toEqual(['states:StartExecution']);
    expect([statements[0]!.Resource].flat()).toHaveLength(project.workflows.size);
    for (const resource of [statements[0]!.Resource].flat()) expect(resource).toEqual({ Ref: expect.stringMatching(/^Workflows/) });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId(template, 'edwe-replay-start') },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReplayDeadLetterQueue'), 'Arn'] } } },
    });
  });

  it('lets the page function put events only on the engine bus, query only the time index, read only the managed rules, and dead-letter to the replay queue', () => {
    const statements = statementsOf(template, 'edwe-replay');
    const events = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
    expect(events).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn })]);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [expect.anything(), '/index/byTime']] } }));
    expect(
      statements
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('dynamodb:'))
        .sort(),
    ).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    // The hour marks of the window: read-only, their keys only.
    expect(statements).toContainEqual(READING_MARKS);
    // The live set and, for "as-of-event", the change log: read-only, managed-rule keys only.
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'ManagedRules',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StateStoreState/), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RULE*'] } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'ReplayJobs',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StateStoreState/), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['REPLAY#*'] } },
      }),
    );
    expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['sqs:SendMessage']));
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('states:'))).toEqual([]);
  });

  it('gives the page function its tables, bus, queue, rate ceiling and managed rules, and five minutes', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'edwe-replay',
          EVENTS_TABLE: { Ref: Match.stringLikeRegexp('^EventStoreEvents') },
          STATE_TABLE: { Ref: Match.stringLikeRegexp('^StateStoreState') },
          EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('^BusIngestionBus') },
          DEAD_LETTER_QUEUE_URL: { Ref: Match.stringLikeRegexp('^ReplayDeadLetterQueue') },
          REPLAY_MAX_RATE: '150',
          // Managed rules: refreshed as the router's are; a managed rule names one of these workflows.
          RULE_REFRESH_SECONDS: '10',
          WORKFLOW_IDS: [...project.workflows.keys()].join(','),
        }),
      },
    });
  });

  it('drives jobs with a Standard state machine that invokes the page function and may start only itself', () => {
    const [id, machine] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).find(([logicalId]) => logicalId.startsWith('ReplayDriver')) ?? [];
    expect(machine?.Properties).toMatchObject({ StateMachineType: 'STANDARD', StateMachineName: expect.stringMatching(/-Driver$/), TracingConfiguration: { Enabled: true } });
    expect(machine?.Properties.DefinitionSubstitutions).toEqual({
      ReplayPageFunctionArn: { 'Fn::GetAtt': [functionId(template, 'edwe-replay'), 'Arn'] },
      StateTableName: { Ref: expect.stringMatching(/^StateStoreState/) },
    });
    const role = machine?.Properties.RoleArn['Fn::GetAtt'][0] as string;
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'states:StartExecution', Sid: 'ContinueAsNew' }));
    expect(JSON.stringify(statements.find((s) => s.Sid === 'ContinueAsNew')?.Resource)).toContain(`:stateMachine:${machine?.Properties.StateMachineName}`);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'lambda:InvokeFunction' }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'dynamodb:UpdateItem' }));
    expect(id).toBeDefined();
  });

  it('serves POST /replays, GET and DELETE /replays/{replayId}, signed with IAM, through the replay API function', () => {
    const api = functionId(template, 'edwe-replays-api');
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'replays' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{replayId}' });
    for (const method of ['POST', 'GET', 'DELETE']) {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: method,
        AuthorizationType: 'AWS_IAM',
        ResourceId: { Ref: Match.stringLikeRegexp(method === 'POST' ? '^IngestionApireplays[0-9A-F]{8}$' : '^IngestionApireplaysreplayId') },
        Integration: Match.objectLike({ Type: 'AWS_PROXY', Uri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [api, 'Arn'] }])] }) }),
      });
    }
    const apiStatements = statementsOf(template, 'edwe-replays-api');
    expect(apiStatements.filter((s) => actionsOf(s).includes('states:StartExecution')).map((s) => s.Resource)).toEqual([{ Ref: expect.stringMatching(/^ReplayDriver/) }]);
  });

  it('keeps refused entries and failed starts in an encrypted, TLS-only queue', () => {
    const [queueId] = Object.keys(template.findResources('AWS::SQS::Queue')).filter((logicalId) => logicalId.startsWith('ReplayDeadLetterQueue'));
    expect(queueId).toBeDefined();
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventStoreKey'), 'Arn'] },
      MessageRetentionPeriod: 14 * 86_400,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('EdweStack with replay_enabled: false', () => {
  it('deploys no replay API, driver, rules or functions', () => {
    const project = withConfig(loadProject(defaultPaths(PROJECT_ROOT)), 'event_sourcing:\n  replay_enabled: false\n');
    const template = Template.fromStack(new EdweStack(testApp(), 'NoReplay', { project }));

    expect(Object.keys(template.findResources('AWS::StepFunctions::StateMachine')).filter((id) => id.startsWith('Replay'))).toEqual([]);
    expect(Object.values(template.findResources('AWS::ApiGateway::Resource')).map((r) => r.Properties.PathPart)).not.toContain('replays');
    expect(JSON.stringify(template.findResources('AWS::Events::Rule'))).not.toContain('"source":["edwe.replay"]');
  });
});
