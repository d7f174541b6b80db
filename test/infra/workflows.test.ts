import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { workflowArnPrefix } from '../../lib/workflows.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject, type Project } from '../../lambdas/project/load-project.js';
import { actionsOf, dependencyCycle, functionIdByDescription, functionIdByService, statementsOfFunction, testApp } from '../support/cdk.js';
import { MARKING } from './support/hour-marks.js';

const arnOf = (prefix: string) => ({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix}`)), 'Arn'] });

describe('EdweStack workflows on AWS (the repository project: order flow with the built-in tasks)', () => {
  let project: Project;
  let stack: EdweStack;
  let template: Template;
  let machineArns: unknown[];

  beforeAll(() => {
    project = loadProject(defaultPaths(PROJECT_ROOT));
    stack = new EdweStack(testApp(), 'WorkflowsStack', { project });
    template = Template.fromStack(stack);
    machineArns = [...stack.workflows.stateMachines.values()].map((machine) => stack.resolve(machine.stateMachineArn));
  });

  /** The statements of a function's policies that touch a service (`states:`, `dynamodb:`, `kms:`). */
  const statementsOn = (functionId: string, service: string) =>
    statementsOfFunction(template, functionId).filter((s) => actionsOf(s).some((action) => action.startsWith(service)));

  it("substitutes the built-in task functions into the order workflow's definition", () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: {
        ReserveStock: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsTaskReserveStock'), 'Arn'] },
        WaitForEvent: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsTaskWaitForEvent'), 'Arn'] },
        EmitEvent: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsTaskEmitEvent'), 'Arn'] },
      },
    });
  });

  it("follows the status changes of the engine's own state machines on the default bus, with a dead-letter queue", () => {
    const lifecycle = functionIdByService(template, 'edwe-lifecycle');
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern?.source?.[0] === 'aws.states');

    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties).not.toHaveProperty('EventBusName');
    expect(rules[0]?.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      // Every workflow machine's ARN starts with the stack's prefix, and no other machine's does.
      detail: { stateMachineArn: [{ prefix: stack.resolve(workflowArnPrefix(stack)) }] },
    });
    const names = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map((m) => m.Properties.StateMachineName as string);
    expect(names.filter((name) => name.startsWith('WorkflowsStack_')).sort()).toEqual([...project.workflows.keys()].map((id) => `WorkflowsStack_${id}`).sort());
    expect(rules[0]?.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [lifecycle, 'Arn'] },
        DeadLetterConfig: { Arn: arnOf('LifecycleDeadLetterQueue') },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 },
      }),
    ]);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: lifecycle },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LifecycleDeadLetterQueue'), 'Arn'] } } },
    });
  });

  it('lets the lifecycle function append events, keep execution records, read the managed rules and free flow-control slots, nothing more', () => {
    const lifecycle = functionIdByService(template, 'edwe-lifecycle');

    expect(statementsOn(lifecycle, 'dynamodb:')).toEqual([
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: arnOf('EventStoreEvents') }),
      ...MARKING,
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: arnOf('StateStoreState'),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EXEC#*'] } },
      }),
      // A managed rule's concurrency slot is freed by the rule as it is now: the live set, read-only.
      expect.objectContaining({
        Sid: 'ManagedRules',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: arnOf('StateStoreState'),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RULE*'] } },
      }),
      expect.objectContaining({
        Sid: 'ReleaseFlowControlSlots',
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        Resource: arnOf('StateStoreState'),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['FLOW#*', 'EXEC#*'] } },
      }),
    ]);
  });

  it("lets the router start and complete tasks of the engine's state machines only, and keep its State table items", () => {
    const router = functionIdByService(template, 'edwe-router');

    expect(statementsOn(router, 'states:')).toEqual([
      expect.objectContaining({ Action: 'states:StartExecution', Resource: machineArns }),
      expect.objectContaining({ Action: 'states:SendTaskSuccess', Resource: machineArns }),
      // cancelOn: the executions of this stack's workflow machines only (their names share the stack's prefix).
      expect.objectContaining({ Sid: 'StopWorkflowExecutions', Action: 'states:StopExecution' }),
    ]);
    expect(statementsOn(router, 'dynamodb:').filter((s) => JSON.stringify(s.Resource).includes('StateStoreState'))).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        Resource: arnOf('StateStoreState'),
      }),
      // cancelOn finds the correlation's executions by the correlation index.
      expect.objectContaining({ Sid: 'FindCorrelationExecutions', Action: 'dynamodb:Query' }),
    ]);
  });

  it('tells the router its State table and which workflows are Express', () => {
    const router = template.findResources('AWS::Lambda::Function')[functionIdByService(template, 'edwe-router')];
    const types = Object.fromEntries([...project.workflows.values()].map((w) => [w.id, w.settings.type]));

    expect(router?.Properties.Environment.Variables).toMatchObject({ STATE_TABLE: { Ref: expect.stringMatching(/^StateStoreState/) }, WORKFLOW_TYPES: JSON.stringify(types) });
  });

  it("lets wait-for-event keep waiters, read the correlation index and complete tasks of the engine's machines only", () => {
    const wait = functionIdByDescription(template, 'edwe task wait-for-event');

    expect(statementsOn(wait, 'states:')).toEqual([expect.objectContaining({ Action: 'states:SendTaskSuccess', Resource: machineArns })]);
    expect(statementsOn(wait, 'dynamodb:')).toEqual([
      expect.objectContaining({ Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], Resource: arnOf('StateStoreState') }),
      expect.objectContaining({ Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [arnOf('EventStoreEvents'), '/index/byCorrelation']] } }),
    ]);
  });

  it('lets emit-event append events (and mark their hours) and nothing else', () => {
    const emit = functionIdByDescription(template, 'edwe task emit-event');

    expect(statementsOn(emit, 'dynamodb:')).toEqual([
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: arnOf('EventStoreEvents') }),
      ...MARKING,
    ]);
    expect(statementsOn(emit, 'states:')).toEqual([]);
  });

  it('gives the built-in tasks the tables and retention, and the other tasks nothing of the engine', () => {
    const variables = (id: string) => template.findResources('AWS::Lambda::Function')[id]?.Properties.Environment.Variables;
    const tables = {
      EVENTS_TABLE: { Ref: expect.stringMatching(/^EventStoreEvents/) },
      STATE_TABLE: { Ref: expect.stringMatching(/^StateStoreState/) },
      RETENTION_DAYS: '30',
    };

    expect(variables(functionIdByDescription(template, 'edwe task wait-for-event'))).toMatchObject(tables);
    expect(variables(functionIdByDescription(template, 'edwe task emit-event'))).toMatchObject(tables);
    expect(variables(functionIdByDescription(template, 'edwe task reserve-stock'))).not.toHaveProperty('EVENTS_TABLE');
  });

  it('grants no wildcard action to any function', () => {
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<Record<string, any>>).flatMap(actionsOf),
    );

    expect(actions.filter((action) => action === '*' || action.endsWith(':*'))).toEqual([]);
  });

  it('serves GET /executions and GET /executions/{name} from the query function, reading execution records only', () => {
    const query = functionIdByService(template, 'edwe-query');
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'executions' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{name}' });

    expect(statementsOn(query, 'dynamodb:').filter((s) => JSON.stringify(s.Resource).includes('StateStoreState'))).toEqual([
      expect.objectContaining({ Action: 'dynamodb:GetItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EXEC#*'] } } }),
      expect.objectContaining({
        Action: 'dynamodb:Query',
        Resource: ['byCorrelation', 'byEvent', 'byStatus', 'byWorkflow'].map((index) => ({ 'Fn::Join': ['', [arnOf('StateStoreState'), `/index/${index}`]] })),
      }),
    ]);
  });

  it('has no dependency cycle between the task functions, their grants and the state machines that name them', () => {
    expect(dependencyCycle(template)).toBeUndefined();
  });
});
