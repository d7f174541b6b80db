import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbReplayJobStore } from '../../lambdas/aws/dynamodb-replay-job-store.js';
import { createReplaysHandler } from '../../lambdas/aws/http/replays-http.js';
import { createReplayPageHandler } from '../../lambdas/aws/jobs/replay-page.js';
import { SfnReplayDriver } from '../../lambdas/aws/sfn-replay-driver.js';
import { EnvironmentError } from '../../lambdas/aws/wiring/env.js';
import { replayPageDepsFromEnv, replaysDepsFromEnv } from '../../lambdas/aws/wiring/replay.js';
import { compileRules, filesRuleVersion, parseRules, RulesAsOf, SETTLED_AFTER_MS, settledRulesAsOf, type RuleSetsAsOf, type RuleVersion } from '../../lambdas/core/index.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { useDynalite } from '../support/dynalite.js';
import { REPLAY_WORKFLOWS, replayRules } from '../support/replay-fixtures.js';

const NOW = Date.now();
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const DRIVER_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:EdweStack-Replay-Driver';
const sfn = mockClient(SFNClient);
const silent = new Logger({ logLevel: 'SILENT' });

describe('settledRulesAsOf: the rule history a replay page reads', () => {
  const aLoader = () => {
    const reads: string[] = [];
    let failing = false;
    const load = async (until: string): Promise<RuleSetsAsOf> => {
      reads.push(until);
      if (failing) throw new Error('throttled');
      return { ruleSetAt: () => compileRules([]) };
    };
    return { reads, load, fail: (on: boolean) => (failing = on) };
  };

  it('reads a window that ended over a minute ago once, however many pages ask', async () => {
    const { reads, load } = aLoader();
    const asOf = settledRulesAsOf(load, { now: () => NOW });
    const until = iso(NOW - SETTLED_AFTER_MS - 1);

    const [first, second, third] = [await asOf(until), await asOf(until), await asOf(until)];

    expect(reads).toEqual([until]);
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('reads a window reaching into the last minute again on every page: a change made meanwhile may still land in it', async () => {
    const { reads, load } = aLoader();
    const asOf = settledRulesAsOf(load, { now: () => NOW });
    const until = iso(NOW - SETTLED_AFTER_MS + 1000);

    await asOf(until);
    await asOf(until);

    expect(reads).toEqual([until, until]);
  });

  it('does not keep a failed read: the next page reads again', async () => {
    const { reads, load, fail } = aLoader();
    const asOf = settledRulesAsOf(load, { now: () => NOW });
    const until = iso(NOW - HOUR);
    fail(true);
    await expect(asOf(until)).rejects.toThrow('throttled');
    fail(false);

    await asOf(until);
    await asOf(until);

    expect(reads).toEqual([until, until]);
  });
});

describe('RulesAsOf', () => {
  it('gives files rules the version the live set gives them, so a replayed execution names the same rule version', async () => {
    const files = replayRules();
    const store = { changes: async (): Promise<RuleVersion[]> => [] };

    const asOf = await RulesAsOf.load(store, files, REPLAY_WORKFLOWS, iso(NOW));
    const routed = asOf.ruleSetAt(iso(NOW - HOUR)).route({ id: 'e-1', type: 'order.placed', source: 'shop', timestamp: iso(NOW - HOUR), data: { orderId: 'o-1' } });

    expect(routed.map((rule) => [rule.id, rule.version])).toEqual([['fulfil-order', filesRuleVersion(files[1] as (typeof files)[number])]]);
  });
});

describe('the replay API handler with managed rules', () => {
  const dynalite = useDynalite();
  let jobs: DynamoDbReplayJobStore;
  let ids = 0;

  beforeAll(async () => {
    jobs = new DynamoDbReplayJobStore({ client: dynalite.client(), tableName: await dynalite.stateTable() });
  });
  beforeEach(() => {
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${DRIVER_ARN}:x`, startDate: new Date(NOW) });
  });

  /** The handler over a rule set a refresh can extend (as the live set gains a managed rule). */
  const aHandler = (options: { rulesAsOfEvent: boolean }) => {
    const files = replayRules();
    const set = { current: compileRules(files) };
    const ruleSet = {
      get rules() {
        return set.current.rules;
      },
      route: (event: Parameters<typeof set.current.route>[0]) => set.current.route(event),
    };
    const managed = parseRules(['rules:', '  - id: invoices', '    eventType: invoice.issued', '    workflow: send_confirmation', ''].join('\n'), 'managed.yaml');
    let refreshes = 0;
    const handler = createReplaysHandler({
      jobs,
      driver: new SfnReplayDriver({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArn: DRIVER_ARN }),
      ruleSet,
      refreshRules: async () => {
        refreshes++;
        set.current = compileRules([...files, ...managed]);
      },
      rulesAsOfEvent: options.rulesAsOfEvent,
      workflows: REPLAY_WORKFLOWS,
      retentionDays: 30,
      clock: { now: () => NOW },
      newId: () => `01JASOF${String(++ids).padStart(19, '0')}`,
      logger: silent,
    });
    return { handler, refreshes: () => refreshes };
  };
  const post = (body: unknown) => apiGatewayEvent({ method: 'POST', resource: '/replays', body });
  const window = { startTime: iso(NOW - 3 * HOUR), endTime: iso(NOW - HOUR) };

  it("records a job asking for the rules of each event's time when the deployment keeps the rules' history", async () => {
    const { handler } = aHandler({ rulesAsOfEvent: true });

    const answer = await handler(post({ ...window, rules: 'as-of-event' }));

    expect(answer.statusCode).toBe(202);
    expect((await jobs.get(JSON.parse(answer.body).replayId))?.job.request).toMatchObject({ rules: 'as-of-event' });
  });

  it('refuses "as-of-event" with 400 naming rules where no history is kept, and starts nothing', async () => {
    const { handler } = aHandler({ rulesAsOfEvent: false });

    const answer = await handler(post({ ...window, rules: 'as-of-event' }));

    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body).details).toEqual([{ path: 'rules', message: '"as-of-event" is not available here: this home keeps no rule history' }]);
    expect(sfn.commandCalls(StartExecutionCommand)).toEqual([]);
  });

  it('checks eventTypes against the live set, refreshed first: a type only a managed rule listens to is accepted', async () => {
    const { handler, refreshes } = aHandler({ rulesAsOfEvent: true });

    const answer = await handler(post({ ...window, eventTypes: ['invoice.issued'] }));

    expect(refreshes()).toBe(1);
    expect(answer.statusCode).toBe(202);
  });
});

describe('the replay page handler with managed rules', () => {
  it('brings the live set up to date before it runs the page', async () => {
    const calls: string[] = [];
    const handler = createReplayPageHandler({
      runner: {
        run: async (input) => {
          calls.push('run');
          return { ...input, status: 'completed', more: false, continueAsNew: false, waitSeconds: 0 };
        },
      },
      refreshRules: async () => void calls.push('refresh'),
      logger: silent,
    });

    await handler({ replayId: 'r-1' });

    expect(calls).toEqual(['refresh', 'run']);
  });
});

describe('the replay wiring with managed rules', () => {
  const PAGE_ENV = {
    EVENTS_TABLE: 'Events',
    STATE_TABLE: 'State',
    EVENT_BUS_NAME: 'edwe-bus',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
    RETENTION_DAYS: '30',
  };
  const API_ENV = { STATE_TABLE: 'State', WORKFLOW_IDS: 'onboarding_workflow', REPLAY_DRIVER_ARN: DRIVER_ARN };
  const rulesJson = JSON.stringify(replayRules());

  it('selects by the bundled rules alone without RULE_REFRESH_SECONDS, and then refuses "as-of-event"', () => {
    expect(replayPageDepsFromEnv(PAGE_ENV, rulesJson).refreshRules).toBeUndefined();
    expect(replaysDepsFromEnv(API_ENV, rulesJson)).toMatchObject({ rulesAsOfEvent: false });
  });

  it('with RULE_REFRESH_SECONDS, refreshes the live set and offers "as-of-event"', () => {
    expect(replayPageDepsFromEnv({ ...PAGE_ENV, RULE_REFRESH_SECONDS: '10', WORKFLOW_IDS: 'onboarding_workflow' }, rulesJson).refreshRules).toBeTypeOf('function');
    const api = replaysDepsFromEnv({ ...API_ENV, RULE_REFRESH_SECONDS: '10' }, rulesJson);
    expect(api).toMatchObject({ rulesAsOfEvent: true });
    expect(api.refreshRules).toBeTypeOf('function');
  });

  it('names WORKFLOW_IDS when managed rules are on without it (a managed rule must name a deployed workflow)', () => {
    expect(() => replayPageDepsFromEnv({ ...PAGE_ENV, RULE_REFRESH_SECONDS: '10' }, rulesJson)).toThrow(
      new EnvironmentError('Invalid environment: WORKFLOW_IDS is not set (RULE_REFRESH_SECONDS needs it)'),
    );
  });
});
