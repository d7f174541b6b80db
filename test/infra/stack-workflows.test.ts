/**
 * EdweStack with two workflows of a project in memory: what the router and the query function are told and may do,
 * one function per shared task, logging per workflow type, the Express time limit, and no fixed environment.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowExecutionArns } from '../../lib/flow-control.js';
import { EdweStack } from '../../lib/edwe-stack.js';
import { workflowArnPrefix, workflowNamePrefix } from '../../lib/workflows.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { compileRules, parseWorkflow, type Rule, type WorkflowType } from '../../lambdas/core/index.js';
import { defaultPaths, type Project } from '../../lambdas/project/load-project.js';
import { statementsOfRole, testApp } from '../support/cdk.js';

interface WorkflowFixture {
  id: string;
  type: WorkflowType;
  tasks: string[];
}

/** A project in memory: each workflow chains its tasks; one rule per workflow. Tasks are the repository's. */
function aProject(workflows: WorkflowFixture[]): Project {
  const definitions = workflows.map(({ id, type, tasks }) => {
    const states = Object.fromEntries(
      tasks.map((task, i) => [task, { Type: 'Task', Resource: `\${${task}}`, ...(i + 1 < tasks.length ? { Next: tasks[i + 1] } : { End: true }) }]),
    );
    return parseWorkflow(id, JSON.stringify({ StartAt: tasks[0], States: states }), { type, timeoutSeconds: 120 });
  });
  const rules: Rule[] = workflows.map(({ id }) => ({
    id: `start-${id.replaceAll('_', '-')}`,
    eventType: 'user_registration',
    workflow: id,
    priority: 0,
    conditions: [],
    stop: false,
    enabled: true,
  }));
  return { paths: defaultPaths(PROJECT_ROOT), rules, ruleSet: compileRules(rules), workflows: new Map(definitions.map((d) => [d.id, d])) };
}

describe('EdweStack with two workflows', () => {
  let stack: EdweStack;
  let template: Template;

  beforeAll(() => {
    const project = aProject([
      { id: 'onboarding_workflow', type: 'STANDARD', tasks: ['ValidateUser', 'ComposeWelcome'] },
      { id: 'quick_check', type: 'EXPRESS', tasks: ['ValidateUser'] },
    ]);
    stack = new EdweStack(testApp(), 'TwoWorkflows', { project });
    template = Template.fromStack(stack);
  });

  it('lets the router start exactly these state machines, and complete their tasks, and no others', () => {
    const starts = statementsOfRole(template, 'RouterRouterFunction').filter((s) => JSON.stringify(s.Action).includes('states:'));
    const expected = [...stack.workflows.stateMachines.values()].map((machine) => stack.resolve(machine.stateMachineArn));

    expect(starts).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'states:StartExecution', Resource: expected }),
      expect.objectContaining({ Effect: 'Allow', Action: 'states:SendTaskSuccess', Resource: expected }),
      // cancelOn: the executions of the stack's workflows (their names share the prefix), not the machines.
      expect.objectContaining({ Effect: 'Allow', Action: 'states:StopExecution', Resource: stack.resolve(workflowExecutionArns(stack)) }),
    ]);
    expect(expected).toHaveLength(2);
    expect(JSON.stringify(starts)).not.toContain('"*"');
  });

  it("tells the router the ARN prefix every workflow's ARN completes with its id (one value, however many workflows)", () => {
    const router = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (fn) => String(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME) === 'edwe-router',
    );
    const variables = router?.Properties.Environment.Variables;
    const prefix = stack.resolve(workflowArnPrefix(stack));

    expect(variables.STATE_MACHINE_ARN_PREFIX).toEqual(prefix);
    expect(variables).not.toHaveProperty('STATE_MACHINE_ARNS');
    expect(JSON.stringify(prefix)).toContain(`:stateMachine:${workflowNamePrefix(stack.stackName)}"`);
    const names = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map((m) => m.Properties.StateMachineName);
    for (const workflowId of stack.workflows.stateMachines.keys()) expect(names).toContain(`${workflowNamePrefix(stack.stackName)}${workflowId}`);
  });

  it('tells the query function the ARN prefix and the workflow types, from which it derives Standard execution ARNs', () => {
    const query = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (fn) => String(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME) === 'edwe-query',
    );
    const variables = query?.Properties.Environment.Variables;

    expect(variables.STATE_MACHINE_ARN_PREFIX).toEqual(stack.resolve(workflowArnPrefix(stack)));
    expect(Object.keys(JSON.parse(variables.WORKFLOW_TYPES)).sort()).toEqual([...stack.workflows.stateMachines.keys()].sort());
  });

  it('makes one function of a task that two workflows share', () => {
    expect([...stack.workflows.taskFunctions.keys()]).toEqual(['ValidateUser', 'ComposeWelcome']);
  });

  it('logs every step of every workflow, with the data only for Express ones (which keep no history)', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  it('refuses an Express workflow longer than five minutes at synth', () => {
    const project = aProject([{ id: 'slow', type: 'EXPRESS', tasks: ['ValidateUser'] }]);
    const slow = project.workflows.get('slow');
    if (slow) slow.settings.timeoutSeconds = 600;

    expect(() => new EdweStack(testApp(), 'Slow', { project })).toThrow(/EXPRESS workflow runs at most 300 s/);
  });

  it('is environment-agnostic', () => {
    expect(Stack.of(stack).region).toMatch(/^\$\{Token/);
  });
});
