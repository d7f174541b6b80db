/**
 * Execution actions in the synthesized stack (lib/execution-actions-api.ts): the stop, redrive and bulk routes on the
 * engine's API under IAM, served by one function; the bulk action driver (the replay driver's definition) invoking the
 * step function; and what each may do — Step Functions on the workflows' executions, the State table by key prefix.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';
import { testApp } from '../support/cdk.js';

type Resource = { Properties: Record<string, any> };

function functionId(template: Template, service: string): string {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service);
  if (found === undefined) throw new Error(`no function with service name ${service}`);
  return found[0];
}

function statementsOfRole(template: Template, role: string): Array<Record<string, any>> {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
}

function statementsOf(template: Template, service: string): Array<Record<string, any>> {
  const fn = template.findResources('AWS::Lambda::Function')[functionId(template, service)] as Resource;
  return statementsOfRole(template, fn.Properties.Role['Fn::GetAtt'][0] as string);
}

const actionsOf = (statement: Record<string, any>): string[] => [statement.Action].flat() as string[];
const bySid = (statements: Array<Record<string, any>>, sid: string) => statements.find((s) => s.Sid === sid);

describe('EdweStack execution actions (repository project)', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(new EdweStack(testApp(), 'ActionsStack', { project: loadProject(defaultPaths(PROJECT_ROOT)) }));
  }, 180_000);

  it('serves stop, redrive and the bulk action routes, signed with IAM, through the execution actions function', () => {
    const api = functionId(template, 'edwe-execution-actions');
    const through = Match.objectLike({ Type: 'AWS_PROXY', Uri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [api, 'Arn'] }])] }) });
    const routes: Array<[string, string]> = [
      ['POST', '^IngestionApiexecutionsnamestop'],
      ['POST', '^IngestionApiexecutionsnameredrive'],
      ['POST', '^IngestionApiexecutionsactions[0-9A-F]{8}$'],
      ['GET', '^IngestionApiexecutionsactionsactionId'],
      ['DELETE', '^IngestionApiexecutionsactionsactionId'],
    ];
    for (const [method, resource] of routes) {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: method,
        AuthorizationType: 'AWS_IAM',
        ResourceId: { Ref: Match.stringLikeRegexp(resource) },
        Integration: through,
      });
    }
    // The rules API fires a schedule rule: POST /rules/{id}/trigger.
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'AWS_IAM',
      ResourceId: { Ref: Match.stringLikeRegexp('^IngestionApirulesidtrigger') },
      Integration: Match.objectLike({ Uri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [functionId(template, 'edwe-rules-api'), 'Arn'] }])] }) }),
    });
  });

  it('lets both functions stop and redrive the workflows’ executions only, and keep the State table by key prefix', () => {
    for (const service of ['edwe-execution-actions', 'edwe-bulk-action-step']) {
      const statements = statementsOf(template, service);
      const acting = bySid(statements, 'StopAndRedriveExecutions');
      expect(actionsOf(acting ?? {}).sort()).toEqual(['states:RedriveExecution', 'states:StopExecution']);
      expect(JSON.stringify(acting?.Resource)).toMatch(/:execution:ActionsStack_\*/);
      const leading = (sid: string) => bySid(statements, sid)?.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
      expect(leading('KeepExecutionRecords')).toEqual(['EXEC#*']);
      expect(leading('NoteStoppedTriggers')).toEqual(['FLOW#skip#*']);
      expect(leading('BulkActionJobs')).toEqual(['REPLAY#act-*']);
      // Nothing else of the State table's items: no statement on the table without a key condition.
      const unconditioned = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:') && a !== 'dynamodb:Query') && s.Condition === undefined);
      // The Scan is hour marks' one-item look at the time index (lib/hour-marks-grants.ts).
      expect(unconditioned.map((s) => s.Sid)).toEqual(['AppendLifecycleEvents', 'ProbeForUnmarkedEvents']);
    }
    expect(actionsOf(bySid(statementsOf(template, 'edwe-bulk-action-step'), 'BulkActionJobs') ?? {})).not.toContain('dynamodb:PutItem');
  });

  it('drives bulk actions with a Standard state machine that invokes the step function, may start only itself, and marks only bulk jobs failed', () => {
    const [, machine] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).find(([id]) => id.startsWith('ExecutionActionsDriver')) ?? [];
    expect(machine?.Properties).toMatchObject({ StateMachineType: 'STANDARD', StateMachineName: expect.stringMatching(/-Driver$/) });
    expect(machine?.Properties.DefinitionSubstitutions).toEqual({
      ReplayPageFunctionArn: { 'Fn::GetAtt': [functionId(template, 'edwe-bulk-action-step'), 'Arn'] },
      StateTableName: { Ref: expect.stringMatching(/^StateStoreState/) },
    });
    const statements = statementsOfRole(template, machine?.Properties.RoleArn['Fn::GetAtt'][0] as string);
    expect(JSON.stringify(bySid(statements, 'ContinueAsNew')?.Resource)).toContain(`:stateMachine:${machine?.Properties.StateMachineName}`);
    expect(bySid(statements, 'MarkJobsFailed')?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['REPLAY#act-*'] } });
    const api = statementsOf(template, 'edwe-execution-actions').filter((s) => actionsOf(s).includes('states:StartExecution') && s.Sid !== 'RestartExpressExecutions');
    expect(api.map((s) => s.Resource)).toEqual([{ Ref: expect.stringMatching(/^ExecutionActionsDriver/) }]);
  });
});
