import { Logger } from '@aws-lambda-powertools/logger';
import { ExecutionAlreadyExists, SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../lambdas/aws/dynamodb-event-store.js';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import { createRouterHandler } from '../../lambdas/aws/streams/router.js';
import { routingDepsFromEnv, sweeperDepsFromEnv } from '../../lambdas/aws/wiring/routing.js';
import { compileRules, executionName, type EngineEvent, type Rule } from '../../lambdas/core/index.js';
import { sequenceNumberOf, streamEvent, streamRecord } from '../support/stream-records.js';

const ONBOARDING_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Onboarding';
const AUDIT_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Audit';

function aRule(overrides: Partial<Rule> & Pick<Rule, 'id' | 'workflow'>): Rule {
  return { eventType: 'user_registration', priority: 0, conditions: [], stop: false, enabled: true, ...overrides };
}

const RULES: Rule[] = [
  aRule({ id: 'premium-onboarding', workflow: 'onboarding_workflow', priority: 100, conditions: [{ field: 'user_type', value: 'premium' }] }),
  aRule({ id: 'audit-registrations', workflow: 'audit_workflow', correlateBy: 'accountId' }),
];

let counter = 0;
function anEvent(data: Record<string, unknown>, overrides: Partial<EngineEvent> = {}): EngineEvent {
  return {
    id: `01JROUTE${String(++counter).padStart(6, '0')}`,
    type: 'user_registration',
    source: 'web-signup',
    timestamp: '2026-03-04T05:00:00.000Z',
    data,
    ...overrides,
  };
}

/** A stream record carrying the item the store writes for `event`. */
const recordOf = (event: EngineEvent) => streamRecord({ ...toItem(event, { receivedAtMs: Date.now(), retentionDays: 30 }) });

const throttling = () => new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });

describe('router handler', () => {
  const sfn = mockClient(SFNClient);
  const silent = new Logger({ logLevel: 'SILENT' });
  const route = createRouterHandler({
    ruleSet: compileRules(RULES),
    starter: new SfnWorkflowStarter({
      client: new SFNClient({ region: 'us-east-1' }),
      stateMachineArns: { onboarding_workflow: ONBOARDING_ARN, audit_workflow: AUDIT_ARN },
    }),
    logger: silent,
  });
  const startInputs = () => sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);

  beforeEach(() => {
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ONBOARDING_ARN}:run`, startDate: new Date() });
  });
  afterAll(() => sfn.restore());

  it('starts one execution per matched rule, in priority order, with deterministic names and the workflow input', async () => {
    const event = anEvent({ user_type: 'premium', accountId: 'acct-7' });

    const result = await route(streamEvent(recordOf(event)));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(startInputs()).toEqual([
      {
        stateMachineArn: ONBOARDING_ARN,
        name: executionName('premium-onboarding', event.id),
        input: JSON.stringify({ event, rule: { id: 'premium-onboarding', priority: 100 }, correlationId: event.id }),
      },
      {
        stateMachineArn: AUDIT_ARN,
        name: executionName('audit-registrations', event.id),
        input: JSON.stringify({ event, rule: { id: 'audit-registrations', priority: 0 }, correlationId: 'acct-7' }),
      },
    ]);
  });

  it('starts nothing for an event that no rule matches', async () => {
    const result = await route(streamEvent(recordOf(anEvent({}, { type: 'page_view' }))));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('fails exactly the poison record and still routes the good ones around it', async () => {
    const first = anEvent({ user_type: 'premium' });
    const last = anEvent({ user_type: 'premium' });
    const poison = streamRecord({ pk: 'EVT#bad', id: 'bad', body: '{"type": "user_registration", "data": ' });

    const result = await route(streamEvent(recordOf(first), poison, recordOf(last)));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumberOf(poison) }] });
    // Events of a batch are routed side by side: every start happens, in no promised order between events.
    expect(
      startInputs()
        .map((input) => input?.name)
        .sort(),
    ).toEqual(
      [
        executionName('premium-onboarding', first.id),
        executionName('audit-registrations', first.id),
        executionName('premium-onboarding', last.id),
        executionName('audit-registrations', last.id),
      ].sort(),
    );
  });

  it('passes over an hour mark, which shares the table but is no event, and routes the event beside it', async () => {
    const event = anEvent({ user_type: 'premium' });
    const mark = streamRecord({ pk: 'HOURS#2026-03-04', hours: new Set(['05']), expiresAt: 1_900_000_000 });

    const result = await route(streamEvent(mark, recordOf(event)));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(startInputs().map((input) => input?.name)).toContain(executionName('premium-onboarding', event.id));
  });

  it('fails a record whose body is JSON but not a valid event', async () => {
    const invalid = streamRecord({ pk: 'EVT#x', id: 'x', body: JSON.stringify({ id: 'x', timestamp: '2026-03-04T05:00:00.000Z', source: 's' }) });

    const result = await route(streamEvent(invalid));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumberOf(invalid) }] });
  });

  it('counts an execution that already exists as started (a redelivered record)', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    const result = await route(streamEvent(recordOf(anEvent({ user_type: 'premium' }))));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
  });

  it('fails the record whose start is throttled, so that the stream retries it', async () => {
    const ok = anEvent({ user_type: 'basic' });
    const throttled = anEvent({ user_type: 'premium' });
    sfn.on(StartExecutionCommand, { name: executionName('premium-onboarding', throttled.id) }).rejects(throttling());
    const okRecord = recordOf(ok);
    const throttledRecord = recordOf(throttled);

    const result = await route(streamEvent(okRecord, throttledRecord));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumberOf(throttledRecord) }] });
  });

  it('fails the record of a rule whose workflow has no state machine', async () => {
    const orphan = createRouterHandler({
      ruleSet: compileRules([aRule({ id: 'orphan', workflow: 'deleted_workflow' })]),
      starter: new SfnWorkflowStarter({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArns: { onboarding_workflow: ONBOARDING_ARN } }),
      logger: silent,
    });
    const record = recordOf(anEvent({}));

    const result = await orphan(streamEvent(record));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumberOf(record) }] });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('fails every record of a batch that fails entirely, rather than throwing', async () => {
    sfn.on(StartExecutionCommand).rejects(throttling());
    const records = [recordOf(anEvent({})), recordOf(anEvent({}))];

    const result = await route(streamEvent(...records));

    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map(sequenceNumberOf));
  });
});

describe('router configuration from the environment', () => {
  const rulesJson = JSON.stringify(RULES);

  const withState = (env: Record<string, string>) => ({ STATE_TABLE: 'edwe-state', ...env });

  it('names every missing variable', () => {
    expect(() => routingDepsFromEnv({}, rulesJson)).toThrow('Invalid environment: STATE_TABLE is not set; STATE_MACHINE_ARNS is not set');
  });

  it('refuses workflow types that are not JSON', () => {
    expect(() => routingDepsFromEnv(withState({ STATE_MACHINE_ARNS: '{}', WORKFLOW_TYPES: 'EXPRESS' }), rulesJson)).toThrow(/WORKFLOW_TYPES must be a JSON object of strings/);
  });

  it('refuses a map that is not JSON', () => {
    expect(() => routingDepsFromEnv(withState({ STATE_MACHINE_ARNS: 'arn:…' }), rulesJson)).toThrow(/STATE_MACHINE_ARNS must be a JSON object of strings/);
  });

  it('refuses rules whose workflow has no state machine', () => {
    expect(() => routingDepsFromEnv(withState({ STATE_MACHINE_ARNS: JSON.stringify({ onboarding_workflow: ONBOARDING_ARN }) }), rulesJson)).toThrow(
      /no ARN for workflow audit_workflow/,
    );
  });

  it('takes the latency objective from START_LATENCY_OBJECTIVE_MS, and refuses one that is not a positive number', () => {
    const arns = JSON.stringify({ onboarding_workflow: ONBOARDING_ARN, audit_workflow: AUDIT_ARN });

    expect(routingDepsFromEnv(withState({ STATE_MACHINE_ARNS: arns, START_LATENCY_OBJECTIVE_MS: '100' }), rulesJson).startLatencyObjectiveMs).toBe(100);
    expect(routingDepsFromEnv(withState({ STATE_MACHINE_ARNS: arns }), rulesJson)).not.toHaveProperty('startLatencyObjectiveMs');
    expect(() => routingDepsFromEnv(withState({ STATE_MACHINE_ARNS: arns, START_LATENCY_OBJECTIVE_MS: 'fast' }), rulesJson)).toThrow(/START_LATENCY_OBJECTIVE_MS/);
  });

  it('counts correlation activity unless CORRELATION_METRICS is off, and the sweeper runs the metrics pass only then too', () => {
    const env = withState({ STATE_MACHINE_ARNS: JSON.stringify({ onboarding_workflow: ONBOARDING_ARN, audit_workflow: AUDIT_ARN }) });
    const sweeperEnv = { ...env, EVENTS_TABLE: 'edwe-events', DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/failures' };

    expect(routingDepsFromEnv(env, rulesJson).correlations).toBeDefined();
    expect(routingDepsFromEnv({ ...env, CORRELATION_METRICS: 'on' }, rulesJson).correlations).toBeDefined();
    expect(routingDepsFromEnv({ ...env, CORRELATION_METRICS: 'off' }, rulesJson)).not.toHaveProperty('correlations');
    expect(sweeperDepsFromEnv(sweeperEnv, rulesJson).correlations).toBeDefined();
    expect(sweeperDepsFromEnv({ ...sweeperEnv, CORRELATION_METRICS: 'off' }, rulesJson)).not.toHaveProperty('correlations');
    expect(() => routingDepsFromEnv({ ...env, CORRELATION_METRICS: 'false' }, rulesJson)).toThrow(/CORRELATION_METRICS/);
  });

  it('refuses to start without bundled rules', () => {
    expect(() => routingDepsFromEnv(withState({ STATE_MACHINE_ARNS: '{}' }))).toThrow(/bundled without rules/);
  });
});
