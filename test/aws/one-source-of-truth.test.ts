import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_TABLE } from '../../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../../lambdas/layout/state-table.js';
import { REPLAY_SOURCE } from '../../lambdas/core/index.js';
import { EdweStack } from '../../lib/edwe-stack.js';
import { testApp, withConfig } from '../support/cdk.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { FORWARD_TO_ENGINE_PATTERN, KINESIS_STREAM_DEFAULTS, replayRulePattern } from './support/messaging-resources.js';
import { createEngineResources, repositoryProject, ROUTER_EVENT_SOURCE, ROUTER_STREAM_FILTER, type EngineResources, type FunctionEnvironments } from './support/resources.js';
import { eventsTableDefinition, stateTableDefinition } from './support/table-resources.js';
import { REPLAY_DRIVER_SUBSTITUTIONS, stateMachineDefinitions, taskFunctionArn } from './support/workflow-resources.js';

type Resource = { Properties: Record<string, any> };

/** A table's shape, whether from a CreateTable input or a template's AWS::DynamoDB::Table. */
const tableShape = (table: Record<string, any>) => ({
  KeySchema: table.KeySchema,
  AttributeDefinitions: [...table.AttributeDefinitions].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName)),
  GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
  BillingMode: table.BillingMode,
  StreamViewType: table.StreamSpecification?.StreamViewType,
});

/** The harness's function environments ↔ the functions in the template (by POWERTOOLS_SERVICE_NAME; tasks share one, so by description). */
const FUNCTION_OF: Record<keyof FunctionEnvironments, { service: string; description?: string }> = {
  ingestHttp: { service: 'edwe-ingest' },
  query: { service: 'edwe-query' },
  ingestKinesis: { service: 'edwe-ingest-kinesis' },
  ingestEventBridge: { service: 'edwe-ingest-eventbridge' },
  router: { service: 'edwe-router' },
  waitForEventTask: { service: 'edwe-task', description: 'edwe task wait-for-event' },
  replaysApi: { service: 'edwe-replays-api' },
  replayPage: { service: 'edwe-replay' },
  replayStart: { service: 'edwe-replay-start' },
  rulesApi: { service: 'edwe-rules-api' },
};

describe('the AWS tier builds moto from the same source of truth as the CDK app', () => {
  const project = repositoryProject();
  let stack: EdweStack;
  let template: Template;
  let aws: AwsClients;
  let engine: EngineResources;

  const resources = (from: Template, type: string): Resource[] => Object.values(from.findResources(type)) as Resource[];
  const environmentOf = (from: Template, { service, description }: { service: string; description?: string }): Record<string, unknown> | undefined =>
    resources(from, 'AWS::Lambda::Function').find(
      (fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service && (description === undefined || fn.Properties.Description === description),
    )?.Properties.Environment.Variables;

  beforeAll(async () => {
    // The repository's project with a Kinesis source added (the harness creates one): one synth holds every construct.
    stack = new EdweStack(testApp(), 'EdweStack', { project: withConfig(project, 'event_sources:\n  - type: kinesis\n') });
    template = Template.fromStack(stack);
    aws = awsClients();
    engine = await createEngineResources(aws, project);
  });

  afterAll(() => aws?.destroy());

  it('creates the Events and State tables with the keys, indexes, billing and stream of the template, and its TTL attributes', () => {
    const tables = resources(template, 'AWS::DynamoDB::Table');
    const events = tables.find((t) => t.Properties.StreamSpecification !== undefined);
    const state = tables.find((t) => t.Properties.StreamSpecification === undefined);

    expect(tables).toHaveLength(2);
    expect(tableShape(eventsTableDefinition('any'))).toEqual(tableShape(events?.Properties ?? {}));
    expect(tableShape(stateTableDefinition('any'))).toEqual(tableShape(state?.Properties ?? {}));
    expect(events?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: EVENTS_TABLE.ttlAttribute, Enabled: true });
    expect(state?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: STATE_TABLE.ttlAttribute, Enabled: true });
  });

  it("plays the router's event source mapping as the template configures it: INSERT filter, batch size, retries, from the oldest record", () => {
    const table = stack.getLogicalId(stack.eventTable.table.node.defaultChild as CfnElement);
    const [mapping] = resources(template, 'AWS::Lambda::EventSourceMapping').filter((m) => m.Properties.EventSourceArn?.['Fn::GetAtt']?.[0] === table);

    expect(mapping?.Properties.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([ROUTER_STREAM_FILTER]);
    expect(mapping?.Properties).toMatchObject({
      BatchSize: ROUTER_EVENT_SOURCE.batchSize,
      MaximumRetryAttempts: ROUTER_EVENT_SOURCE.retryAttempts,
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it("puts the engine bus's forwarding rule with the template's event pattern", () => {
    const rules = resources(template, 'AWS::Events::Rule').filter((rule) => rule.Properties.EventBusName !== undefined);

    expect(rules.map((rule) => rule.Properties.EventPattern)).toContainEqual(FORWARD_TO_ENGINE_PATTERN);
  });

  it('puts one replay rule per workflow on the engine bus, with the pattern of the template', () => {
    const patterns = resources(template, 'AWS::Events::Rule').map((rule) => rule.Properties.EventPattern);

    for (const workflowId of project.workflows.keys()) expect(patterns).toContainEqual(replayRulePattern(workflowId));
    expect(patterns.filter((p) => p?.source?.[0] === REPLAY_SOURCE)).toHaveLength(project.workflows.size);
  });

  it('substitutes into the replay driver the values the template substitutes', () => {
    const driver = stack.replay?.driver.node.defaultChild as CfnElement;
    const { DefinitionSubstitutions: values } =
      (template.findResources('AWS::StepFunctions::StateMachine') as Record<string, Resource>)[stack.getLogicalId(driver)]?.Properties ?? {};

    expect(Object.keys(values ?? {}).sort()).toEqual([...REPLAY_DRIVER_SUBSTITUTIONS].sort());
  });

  it('creates one state machine per workflow, of its type, with the placeholders substituted as CloudFormation does', () => {
    // The definition names the partition (`Fn::Join` with `AWS::Partition`): moto's is `aws`.
    const inPartition = (definition: unknown): string =>
      typeof definition === 'string'
        ? definition
        : ((definition as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? []).map((part) => (typeof part === 'string' ? part : 'aws')).join('');
    const workflowMachines = new Set([...stack.workflows.stateMachines.values()].map((m) => stack.getLogicalId(m.node.defaultChild as CfnElement)));
    const all = template.findResources('AWS::StepFunctions::StateMachine') as Record<string, Resource>;
    const machines = Object.entries(all)
      .filter(([id]) => workflowMachines.has(id))
      .map(([, { Properties: p }]) => ({
        type: p.StateMachineType,
        // DefinitionSubstitutions replace `${Key}` with the task function's ARN on deploy; the harness's stand-in ARNs here.
        definition: Object.keys(p.DefinitionSubstitutions ?? {}).reduce(
          (text: string, key) => text.replaceAll(`\${${key}}`, taskFunctionArn(key)),
          inPartition(p.DefinitionString),
        ),
      }));

    const created = stateMachineDefinitions(project.workflows).map((d) => ({ type: d.type, definition: d.definition }));

    expect(created).toHaveLength(project.workflows.size);
    expect(machines).toEqual(expect.arrayContaining(created));
    expect(created).toEqual(expect.arrayContaining(machines));
  });

  it('creates the Kinesis stream in the mode and with the retention KinesisIngestion gives it', () => {
    const [stream] = resources(template, 'AWS::Kinesis::Stream');

    expect(stream?.Properties.StreamModeDetails).toEqual({ StreamMode: KINESIS_STREAM_DEFAULTS.mode });
    expect(stream?.Properties.RetentionPeriodHours).toBe(KINESIS_STREAM_DEFAULTS.retentionHours);
  });

  it('gives each handler the environment variables its construct sets, no more and no fewer', () => {
    const FAST_PATH_VARIABLES = ['RULE_REFRESH_SECONDS', 'STATE_MACHINE_ARN_PREFIX', 'STATE_TABLE', 'WORKFLOW_TYPES'];
    // The runtime's own (NODE_OPTIONS, POWERTOOLS_*) are test/aws/support/setup.ts's business.
    const own = (names: string[]) => names.filter((name) => name !== 'NODE_OPTIONS' && !name.startsWith('POWERTOOLS_')).sort();
    const names = (Object.keys(FUNCTION_OF) as Array<keyof FunctionEnvironments>).map((fn) => {
      const deployed = environmentOf(template, FUNCTION_OF[fn]);
      // The harness's ingest runs without the fast path, whose variables the stack adds (lib/fast-path.ts).
      const harness = fn === 'ingestHttp' ? [...Object.keys(engine.env[fn]), ...FAST_PATH_VARIABLES] : Object.keys(engine.env[fn]);
      return [fn, own(harness), deployed === undefined ? 'no such function' : own(Object.keys(deployed))];
    });

    expect(names).toEqual(names.map(([fn, harness]) => [fn, harness, harness]));
  });
});
