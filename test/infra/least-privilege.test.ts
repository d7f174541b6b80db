import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf } from '../support/cdk.js';
import { ALL_SOURCES, anEdweStack, API_KEY_SETTINGS } from '../support/stacks.js';

type Statement = Record<string, any>;

/**
 * Actions AWS allows on no resource narrower than "*", and why they are here: X-Ray (active tracing
 * of functions and state machines), CloudWatch Logs delivery (state machine logging), DynamoDB
 * ListStreams (a stream mapping), CloudWatch PutMetricData (metrics not sent as EMF).
 */
const STAR_RESOURCE_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  'dynamodb:ListStreams',
  'cloudwatch:PutMetricData',
]);

/** AWS-managed policies the stack attaches, each for a documented reason (see the acknowledgements in lib/). */
const MANAGED_POLICIES = new Set(['service-role/AmazonAPIGatewayPushToCloudWatchLogs', 'service-role/AWSLambdaMSKExecutionRole']);

/** Every statement of every IAM policy in the template: policies, roles' inline policies, managed policies of the stack. */
function iamStatements(template: Template): Array<{ where: string; statement: Statement }> {
  return Object.entries(template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>).flatMap(([id, resource]) => {
    const documents =
      resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy'
        ? [resource.Properties.PolicyDocument]
        : resource.Type === 'AWS::IAM::Role'
          ? (resource.Properties.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument)
          : [];
    return documents.flatMap((document: { Statement: Statement[] }) => document.Statement.map((statement) => ({ where: id, statement })));
  });
}

const resourcesOf = (statement: Statement): unknown[] => [statement.Resource].flat();

/** The name of an AWS-managed policy ARN (`arn:${Partition}:iam::aws:policy/<name>` as CDK writes it). */
const managedName = (arn: unknown): string =>
  JSON.stringify(arn)
    .replace(/^.*:iam::aws:policy\//, '')
    .replace(/"\]\]\}$/, '');

describe.each([
  ['the repository project', () => anEdweStack('Least')],
  ['every source, API keys and an access policy', () => anEdweStack('LeastAll', API_KEY_SETTINGS, ALL_SOURCES)],
])('least privilege: %s', (_name, build) => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(build());
  });

  it('has no IAM statement with a "*" in an action (no service:* and no kms:GenerateDataKey* either)', () => {
    const wildcards = iamStatements(template).flatMap(({ where, statement }) =>
      actionsOf(statement)
        .filter((a) => a.includes('*'))
        .map((a) => `${where}: ${a}`),
    );

    expect(wildcards).toEqual([]);
  });

  it('uses resource "*" only for actions AWS allows on nothing narrower', () => {
    const unjustified = iamStatements(template)
      .filter(({ statement }) => resourcesOf(statement).includes('*'))
      .flatMap(({ where, statement }) =>
        actionsOf(statement)
          .filter((a) => !STAR_RESOURCE_ACTIONS.has(a))
          .map((a) => `${where}: ${a} on *`),
      );

    expect(unjustified).toEqual([]);
  });

  it('allows nothing with an explicit Allow on NotAction or NotResource', () => {
    const inverted = iamStatements(template).filter(({ statement }) => statement.Effect === 'Allow' && ('NotAction' in statement || 'NotResource' in statement));

    expect(inverted).toEqual([]);
  });

  it('attaches no AWS-managed policy but the two the stack documents (no AWSLambdaBasicExecutionRole)', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    const managed = roles.flatMap((role) => (role.Properties.ManagedPolicyArns ?? []).map(managedName));

    for (const name of managed) expect(MANAGED_POLICIES).toContain(name);
    expect(managed).not.toContain('service-role/AWSLambdaBasicExecutionRole');
  });

  it('gives every function a role of its own that may write its own log group and no other', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const roles = functions.map((fn) => fn.Properties.Role['Fn::GetAtt'][0] as string);
    expect(new Set(roles).size).toBe(functions.length);

    for (const fn of functions) {
      const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
      const logStatements = iamStatements(template).filter(({ where, statement }) => {
        const policy = template.toJSON().Resources[where];
        return (
          policy.Type === 'AWS::IAM::Policy' && policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === role) && actionsOf(statement).some((a) => a.startsWith('logs:'))
        );
      });
      expect(logStatements.map(({ statement }) => statement)).toEqual([
        expect.objectContaining({
          Sid: 'WriteOwnLogs',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] },
        }),
      ]);
    }
  });

  it('lets the router and the sweeper update an event only in its routing marks', () => {
    const marks = iamStatements(template)
      .filter(({ statement }) => statement.Sid === 'MarkEventsRouted')
      .map(({ statement }) => statement);

    expect(marks).toHaveLength(2);
    for (const statement of marks) {
      expect(statement.Action).toBe('dynamodb:UpdateItem');
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EventStoreEvents/), 'Arn'] });
      expect(statement.Condition['ForAllValues:StringEquals']['dynamodb:Attributes']).toEqual(expect.arrayContaining(['pk', 'routedAt', 'unrouted']));
    }
    const allowed = marks.map((s) => [...s.Condition['ForAllValues:StringEquals']['dynamodb:Attributes']].sort());
    expect(allowed).toEqual(
      expect.arrayContaining([
        ['pk', 'routedAt', 'unrouted'],
        ['parkedAt', 'pk', 'routedAt', 'sweeps', 'unrouted'],
      ]),
    );
  });
});
