import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';
import { functionIdByService, testApp } from '../support/cdk.js';

/** The logical id of the log group CloudFormation names `/aws/vendedlogs/states/<stack>/<workflowId>`. */
function logGroupId(template: Template, workflowId: string): string {
  const [id] = Object.entries(template.findResources('AWS::Logs::LogGroup')).find(([, group]) => String(group.Properties.LogGroupName ?? '').endsWith(`/${workflowId}`)) ?? [];
  if (!id) throw new Error(`no log group for workflow ${workflowId}`);
  return id;
}

describe('Express lifecycle on AWS: the lifecycle function subscribed to each Express workflow’s log group', () => {
  let template: Template;
  let lifecycle: string;

  beforeAll(() => {
    // The repository project: send_confirmation is EXPRESS; onboarding_workflow and order_fulfilment are STANDARD.
    const stack = new EdweStack(testApp(), 'ExpressLifecycleStack', { project: loadProject(defaultPaths(PROJECT_ROOT)) });
    template = Template.fromStack(stack);
    lifecycle = functionIdByService(template, 'edwe-lifecycle');
  });

  it('subscribes the lifecycle function to the Express workflow’s log group, for the start and end records only', () => {
    const filters = Object.values(template.findResources('AWS::Logs::SubscriptionFilter'));

    expect(filters).toHaveLength(1);
    expect(filters[0]?.Properties).toEqual({
      LogGroupName: { Ref: logGroupId(template, 'send_confirmation') },
      DestinationArn: { 'Fn::GetAtt': [lifecycle, 'Arn'] },
      FilterName: 'edwe-express-lifecycle',
      FilterPattern:
        '{ $.type = "ExecutionStarted" || $.type = "ExecutionSucceeded" || $.type = "ExecutionFailed" || $.type = "ExecutionTimedOut" || $.type = "ExecutionAborted" }',
    });
  });

  it('lets CloudWatch Logs invoke the function for that log group only, and creates the permission before the subscription', () => {
    const permissions = Object.entries(template.findResources('AWS::Lambda::Permission')).filter(([, p]) => p.Properties.Principal === 'logs.amazonaws.com');

    expect(permissions).toHaveLength(1);
    const [permissionId, permission] = permissions[0] as [string, { Properties: Record<string, unknown> }];
    expect(permission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [lifecycle, 'Arn'] },
      Principal: 'logs.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [logGroupId(template, 'send_confirmation'), 'Arn'] },
    });
    // CloudWatch Logs checks the destination when the filter is created: without the permission first, creation fails.
    const [filter] = Object.values(template.findResources('AWS::Logs::SubscriptionFilter'));
    expect(filter?.DependsOn).toContain(permissionId);
  });

  it('keeps the Express workflow’s execution data in its logs, at the level that logs its start and end', () => {
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const express = machines.filter((m) => m.Properties.StateMachineType === 'EXPRESS');

    expect(express).toHaveLength(1);
    expect(express[0]?.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
  });
});
