import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../lambdas/embedded/index.js';

/** An instant `minutes` after 10:00 UTC two days ago: inside any retention window, whatever today's date. */
const at = (minutes: number): string => {
  const day = new Date(Date.now() - 2 * 86_400_000);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 10, minutes)).toISOString();
};

const premium = (id: string, timestamp = at(0)) => ({
  id,
  type: 'user_registration',
  source: 'web-app',
  timestamp,
  data: { userId: `u-${id}`, email: `${id}@example.com`, user_type: 'premium' },
});

describe('createEngine (the embedded engine as a library)', () => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it("ingests the seed's example and runs onboarding_workflow to success", async () => {
    engine = await createEngine();

    await engine.ingestEvent(premium('lib-1'));
    await engine.idle();
    const [rule] = await engine.routeEvent(premium('lib-1'));
    const result = await engine.executeTriggeredWorkflow(rule!, premium('lib-1'));

    expect(rule).toMatchObject({ id: 'premium-onboarding', workflow: 'onboarding_workflow', priority: 100 });
    expect(result).toMatchObject({ workflowId: 'onboarding_workflow', eventId: 'lib-1', status: 'SUCCEEDED', output: { userId: 'u-lib-1', tier: 'premium' } });
  });

  it('runs a trigger once per (event, rule): a second call returns the same execution', async () => {
    engine = await createEngine({
      triggerRules: [{ eventType: 'user_registration', conditions: [{ field: 'user_type', value: 'premium' }], workflow: 'onboarding_workflow', priority: 1 }],
    });
    const [rule] = await engine.routeEvent(premium('once-1'));

    const first = await engine.executeTriggeredWorkflow(rule!, premium('once-1'));
    const second = await engine.executeTriggeredWorkflow(rule!, premium('once-1'));

    expect(rule!.id).toBe('user-registration-onboarding-workflow');
    expect(second).toEqual(first);
  });

  it("reads rules given in code as the seed's configuration does: snake_case keys and correlateBy paths", async () => {
    engine = await createEngine({ triggerRules: [{ event_type: 'order.placed', workflow_id: 'order_fulfilment', correlate_by: 'data.orderId' } as never] });

    const [rule] = await engine.routeEvent({ id: 'o-evt', type: 'order.placed', source: 'shop', timestamp: at(0), data: { orderId: 'o-77' } });

    expect(rule).toMatchObject({ workflow: 'order_fulfilment', correlateBy: '$.data.orderId' });
  });

  it('refuses a rule given in code with a misspelt key, naming it', async () => {
    await expect(createEngine({ triggerRules: [{ eventType: 'x', workflow: 'onboarding_workflow', priorty: 3 } as never] })).rejects.toThrow(/priorty/);
  });

  it('refuses rules given in code that name a missing workflow', async () => {
    await expect(createEngine({ triggerRules: [{ eventType: 'x', workflow: 'nope' }] })).rejects.toThrow(/names workflow "nope"/);
  });

  it('replays a window of stored events into new executions marked with the replay id', async () => {
    engine = await createEngine();
    await engine.ingestEvent(premium('r-early', at(-60)));
    await engine.ingestEvent(premium('r-in-2', at(30)));
    await engine.ingestEvent(premium('r-in-1', at(0)));
    await engine.ingestEvent(premium('r-end', at(60)));
    await engine.idle();

    const replay = await engine.replayEventStream('onboarding_workflow', at(0), new Date(at(60)));

    expect(replay).toMatchObject({ workflowId: 'onboarding_workflow', matched: 2, emitted: 2, failed: 0 });
    expect(replay.executions.map((e) => e.eventId)).toEqual(['r-in-1', 'r-in-2']);
    expect(replay.executions.every((e) => e.status === 'SUCCEEDED' && e.name.includes('-r-'))).toBe(true);
  });

  it('refuses a replay whose end is before its start', async () => {
    engine = await createEngine();

    await expect(engine.replayEventStream('onboarding_workflow', at(60), at(0))).rejects.toThrow(/endTime: must be after startTime/);
  });

  describe("the seed's types as written", () => {
    it('takes a Date timestamp and stores the event at that instant', async () => {
      engine = await createEngine();
      const when = new Date(at(5));

      await engine.ingestEvent({ ...premium('date-1'), timestamp: when });
      await engine.idle();
      const [rule] = await engine.routeEvent({ ...premium('date-1'), timestamp: when });
      const result = await engine.executeTriggeredWorkflow(rule!, { ...premium('date-1'), timestamp: when });
      const replay = await engine.replayEventStream('onboarding_workflow', new Date(at(4)), new Date(at(6)));

      expect(result).toMatchObject({ eventId: 'date-1', status: 'SUCCEEDED' });
      expect(replay.executions.map((e) => e.eventId)).toEqual(['date-1']);
    });

    it('refuses an invalid Date, naming the timestamp', async () => {
      engine = await createEngine();

      await expect(engine.ingestEvent({ ...premium('date-2'), timestamp: new Date('not a date') })).rejects.toThrow(/timestamp: is an invalid Date/);
    });

    it('routes an event without id or timestamp, and takes a rule with workflowId', async () => {
      engine = await createEngine({
        triggerRules: [{ eventType: 'user_registration', conditions: [{ field: 'user_type', value: 'premium' }], workflowId: 'onboarding_workflow', priority: 100 }],
      });
      const event = { type: 'user_registration', source: 'web-app', data: { userId: 'u-seed', user_type: 'premium' } };

      const fired = await engine.routeEvent(event);
      const result = await engine.executeTriggeredWorkflow(fired[0]!, event);

      expect(fired).toMatchObject([{ workflow: 'onboarding_workflow', priority: 100 }]);
      expect(result).toMatchObject({ workflowId: 'onboarding_workflow', status: 'SUCCEEDED', output: { userId: 'u-seed' } });
    });
  });
});
