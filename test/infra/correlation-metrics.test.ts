/**
 * The correlation metrics' switch (`correlationMetrics`, default on) in the synthesized stack: on, routing and the
 * sweeper's pass are wired, the sweeper may read the activity index, the dashboard draws them and an alarm watches the
 * pass; off, none of that — and the access-path proof follows, asking of the functions only the calls they then make.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { resolveSettings } from '../../lib/engine-settings.js';
import { EngineConfigError } from '../../lib/engine-sources.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/layout/environment.js';
import { STATE_TABLE } from '../../lambdas/layout/state-table.js';
import { functionIdByService, statementsOfFunction } from '../support/cdk.js';
import { anEdweStack } from '../support/stacks.js';
import { AccessModel, type AccessRequest } from './support/access-model.js';
import { DEPLOYMENT, type CfnTemplate } from './support/cfn-resolve.js';
import { alarmPaths } from './support/service-paths.js';

type Resource = { Properties: Record<string, any> };

/** What the switch changes in one synthesized stack. */
function switched(template: Template) {
  const resources = (type: string) => Object.values(template.findResources(type)) as Resource[];
  const routingEnv = ['edwe-router', 'edwe-sweeper'].map((service) => {
    const fn = template.findResources('AWS::Lambda::Function')[functionIdByService(template, service)] as Resource;
    return fn.Properties.Environment.Variables[ENV.CORRELATION_METRICS] as string | undefined;
  });
  const [stateTable] = Object.entries(template.findResources('AWS::DynamoDB::Table'))
    .filter(([id]) => id.startsWith('StateStoreState'))
    .map(([, table]) => table as Resource);
  const [dashboard] = resources('AWS::CloudWatch::Dashboard');
  return {
    routingEnv,
    readsActivityIndex: statementsOfFunction(template, functionIdByService(template, 'edwe-sweeper')).some((s) => s.Sid === 'ReadCorrelationActivityIndex'),
    indexes: ((stateTable?.Properties.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string }>).map((i) => i.IndexName),
    passAlarms: resources('AWS::CloudWatch::Alarm').filter((a) => a.Properties.MetricName === 'CorrelationPassesFailed'),
    dashboardDraws: (name: string) => JSON.stringify(dashboard?.Properties.DashboardBody ?? {}).includes(`MetricName=\\\\\\"${name}\\\\\\"`),
  };
}

/** The requests of `requests` the stack's policies do not allow. */
async function notAllowed(model: AccessModel, requests: AccessRequest[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const request of requests) {
    const decision = await model.evaluate(request);
    if (decision !== 'Allowed') wrong.push(`${request.label}: ${decision}`);
  }
  return wrong;
}

describe('correlation metrics in the stack', () => {
  let on: Template;
  let off: Template;
  beforeAll(() => {
    on = Template.fromStack(anEdweStack(DEPLOYMENT.stackName));
    off = Template.fromStack(anEdweStack(DEPLOYMENT.stackName, { correlationMetrics: false }));
  }, 180_000);

  it('are on by default: routing counts, the sweeper may read the activity index, the dashboard draws them, an alarm watches the pass', () => {
    const stack = switched(on);

    expect(stack.routingEnv).toEqual([undefined, undefined]);
    expect(stack.readsActivityIndex).toBe(true);
    expect(stack.indexes).toContain(STATE_TABLE.byActivity.indexName);
    for (const name of ['ActiveCorrelations', 'CorrelationEvents', 'CorrelationSpan', 'CorrelationPassesFailed']) expect(stack.dashboardDraws(name)).toBe(true);
    expect(stack.passAlarms).toHaveLength(1);
    expect(stack.passAlarms[0]?.Properties).toMatchObject({
      Namespace: 'edwe',
      Dimensions: [{ Name: 'service', Value: 'edwe-sweeper' }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 2,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: expect.stringMatching(/^ObservabilityAlarms/) }],
    });
  });

  it('turned off: no counting, no pass, no index grant, no widgets and no alarm — the index itself stays (a GSI change is a table update)', () => {
    const stack = switched(off);

    expect(stack.routingEnv).toEqual(['off', 'off']);
    expect(stack.readsActivityIndex).toBe(false);
    expect(stack.indexes).toContain(STATE_TABLE.byActivity.indexName);
    for (const name of ['ActiveCorrelations', 'CorrelationEvents', 'CorrelationSpan', 'CorrelationPassesFailed']) expect(stack.dashboardDraws(name)).toBe(false);
    expect(stack.passAlarms).toEqual([]);
  });

  it('proves the pass alarm’s notification path (alarm → the topic → its key) with the other alarms', async () => {
    const model = new AccessModel(on.toJSON() as CfnTemplate);
    const requests = alarmPaths(model).filter((r) => r.label.includes('CorrelationMetricsPassFailing'));

    expect(requests.map((r) => r.action)).toEqual(expect.arrayContaining(['sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt']));
    expect(await notAllowed(model, requests)).toEqual([]);
  });

  it('turned off, asks of the router and the sweeper only the calls they then make, and the policies allow every one', async () => {
    const model = new AccessModel(off.toJSON() as CfnTemplate);
    const requests = ['edwe-router', 'edwe-sweeper'].flatMap((service) => model.functionRequests(functionIdByService(off, service)));
    const activity = (r: AccessRequest) => r.resource.includes(`/index/${STATE_TABLE.byActivity.indexName}`) || JSON.stringify(r.context ?? {}).includes('CORR#');

    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter(activity)).toEqual([]);
    expect(await notAllowed(model, requests)).toEqual([]);
  });
});

describe('the correlationMetrics setting', () => {
  const settingsWith = (context: Record<string, unknown>) => resolveSettings(new Stack(new App({ context }), 'Settings'));

  it('is on unless props or `-c edwe:correlationMetrics=false` turn it off, and refuses anything but a boolean, naming the key', () => {
    expect(settingsWith({}).correlationMetrics).toBe(true);
    expect(settingsWith({ 'edwe:correlationMetrics': 'false' }).correlationMetrics).toBe(false);
    expect(resolveSettings(new Stack(new App(), 'Props'), { correlationMetrics: false }).correlationMetrics).toBe(false);
    expect(() => settingsWith({ 'edwe:correlationMetrics': 'off' })).toThrow(EngineConfigError);
    expect(() => settingsWith({ 'edwe:correlationMetrics': 'off' })).toThrow(/edwe:correlationMetrics: /);
  });
});
