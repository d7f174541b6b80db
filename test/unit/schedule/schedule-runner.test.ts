import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  dueFires,
  fireEventInput,
  liveEnvelope,
  NotFoundError,
  nextFires,
  parseRules,
  parseSchedule,
  ScheduleRunner,
  scheduleView,
  type EngineEvent,
  type ScheduleState,
} from '../../../lambdas/core/index.js';
import { yaml } from '../rules/helpers.js';

const MINUTE = 60_000;
/** A fixed start for the fake clock: a whole hour. */
const T0 = Date.parse('2026-01-05T10:00:00Z');

/** An engine's worth of fakes: a store that keeps events by id (as the real ones dedupe), a map of schedule state, a settable clock. */
function harness(rulesText: string) {
  const stored = new Map<string, EngineEvent>();
  const puts: string[] = [];
  const state = new Map<string, number>();
  const clock = { t: T0, now: () => clock.t };
  const store = {
    put: async (event: EngineEvent) => {
      puts.push(event.id);
      const duplicate = stored.has(event.id);
      if (!duplicate) stored.set(event.id, event);
      return { id: event.id, duplicate };
    },
  };
  const scheduleState: ScheduleState = { lastFired: async (id) => state.get(id), setLastFired: async (id, ms) => void state.set(id, ms) };
  const random = (n: number) => new Uint8Array(n).fill(7);
  const rules = parseRules(rulesText, 'rules/s.yaml');
  const runner = () =>
    new ScheduleRunner({ rules, ingest: { store, envelope: liveEnvelope(clock, random) }, state: scheduleState, clock, ids: liveEnvelope(clock, random).ids });
  return { stored, puts, state, clock, runner, rules };
}

const rule = (id: string, schedule: string, extra = '') => yaml('rules:', `  - { id: ${id}, schedule: "${schedule}", workflow: w${extra} }`);

describe('dueFires', () => {
  const everyMinute = parseSchedule('rate(1 minute)');
  it('fires the one on-time fire under every policy', () => {
    for (const catchUp of ['none', 'latest', 'all'] as const) {
      expect(dueFires(everyMinute, catchUp, T0, T0 + MINUTE + 500)).toEqual({ fire: [T0 + MINUTE], through: T0 + MINUTE });
    }
  });

  it('after downtime: none fires nothing, latest the latest, all each missed fire', () => {
    const every5 = parseSchedule('rate(5 minutes)');
    const now = T0 + 50 * MINUTE + 90_000; // the latest fire is 90 s late: missed, not on time
    expect(dueFires(every5, 'none', T0, now)).toEqual({ fire: [], through: T0 + 50 * MINUTE });
    expect(dueFires(every5, 'latest', T0, now)).toEqual({ fire: [T0 + 50 * MINUTE], through: T0 + 50 * MINUTE });
    expect(dueFires(every5, 'all', T0, now).fire).toEqual(Array.from({ length: 10 }, (_, i) => T0 + (i + 1) * 5 * MINUTE));
  });

  it('bounds all to the latest 100 fires', () => {
    const { fire, through } = dueFires(everyMinute, 'all', T0, T0 + 1000 * MINUTE);
    expect(fire).toHaveLength(100);
    expect(fire[0]).toBe(T0 + 901 * MINUTE);
    expect(through).toBe(T0 + 1000 * MINUTE);
  });

  it('fires nothing when nothing is due', () => {
    expect(dueFires(everyMinute, 'all', T0, T0 + 59_000)).toEqual({ fire: [], through: T0 });
  });
});

describe('the fire event', () => {
  it('is schedule.fired from edwe.scheduler, id <ruleId>@<scheduledTime>, data {ruleId, scheduledTime, ...data}', () => {
    expect(fireEventInput({ id: 'nightly', data: { kind: 'nightly' } }, Date.parse('2026-03-01T01:00:00Z'))).toEqual({
      id: 'nightly@2026-03-01T01:00:00Z',
      type: 'schedule.fired',
      source: 'edwe.scheduler',
      timestamp: '2026-03-01T01:00:00Z',
      data: { ruleId: 'nightly', scheduledTime: '2026-03-01T01:00:00Z', kind: 'nightly' },
    });
  });
});

describe('nextFires', () => {
  it('gives the next three fire times of a schedule rule, and nothing for other rules', () => {
    const [scheduled, plain] = parseRules(
      yaml('rules:', '  - { id: a, schedule: "cron(0 2 * * ? *)", timezone: Europe/Berlin, workflow: w }', '  - { id: b, eventType: x, workflow: w }'),
      'r.yaml',
    );
    expect(nextFires(scheduled as never, Date.parse('2026-03-27T12:00:00Z'))).toEqual([
      '2026-03-28T01:00:00Z',
      // 29 March: clocks jump from 02:00 to 03:00, so 02:00 does not happen
      '2026-03-30T00:00:00Z',
      '2026-03-31T00:00:00Z',
    ]);
    expect(nextFires(plain as never, T0)).toBeUndefined();
  });

  it("is what a schedule rule's view adds (GET /rules, both homes), as of the clock", () => {
    const [scheduled, plain] = parseRules(yaml('rules:', '  - { id: a, schedule: "rate(1 hour)", workflow: w }', '  - { id: b, eventType: x, workflow: w }'), 'r.yaml');
    const clock = { now: () => T0 };
    const view = scheduleView(clock);
    expect(view(scheduled as never)).toEqual({ nextFires: ['2026-01-05T11:00:00Z', '2026-01-05T12:00:00Z', '2026-01-05T13:00:00Z'] });
    clock.now = () => T0 + 90 * MINUTE;
    expect(view(scheduled as never)?.nextFires[0]).toBe('2026-01-05T12:00:00Z');
    expect(view(plain as never)).toBeUndefined();
  });
});

describe('ScheduleRunner', () => {
  it('starts a new schedule from now, then fires each due time once and says when the next is due', async () => {
    const h = harness(rule('tick', 'rate(1 minute)'));
    const runner = h.runner();
    expect(await runner.tick()).toBe(T0 + MINUTE);
    expect(h.stored.size).toBe(0);
    h.clock.t = T0 + MINUTE + 200;
    expect(await runner.tick()).toBe(T0 + 2 * MINUTE);
    expect([...h.stored.keys()]).toEqual(['tick@2026-01-05T10:01:00Z']);
    expect(await runner.tick()).toBe(T0 + 2 * MINUTE);
    expect(h.stored.size).toBe(1);
  });

  it.each([
    ['none', []],
    ['latest', ['tick@2026-01-05T10:25:00Z']],
    ['all', ['tick@2026-01-05T10:05:00Z', 'tick@2026-01-05T10:10:00Z', 'tick@2026-01-05T10:15:00Z', 'tick@2026-01-05T10:20:00Z', 'tick@2026-01-05T10:25:00Z']],
  ])('a restart after missed fires honours catchUp: %s, and a second restart fires nothing again', async (catchUp, expected) => {
    const h = harness(rule('tick', 'rate(5 minutes)', `, catchUp: ${catchUp}`));
    await h.runner().tick();
    h.clock.t = T0 + 25 * MINUTE + 90_000; // the engine was down for five fires, the last 90 s ago
    await h.runner().tick();
    expect([...h.stored.keys()]).toEqual(expected);
    await h.runner().tick();
    expect(h.stored.size).toBe(expected.length);
    expect(h.state.get('tick')).toBe(T0 + 25 * MINUTE);
  });

  it('stores a fire once even when its progress was lost after the fire (a crash between the two)', async () => {
    const h = harness(rule('tick', 'rate(1 minute)'));
    await h.runner().tick();
    h.clock.t = T0 + MINUTE;
    await h.runner().tick();
    h.state.set('tick', T0); // the record of the fire was lost
    await h.runner().tick();
    expect(h.stored.size).toBe(1);
  });

  it('runs ticks that overlap one after the other, so they never fire the same time twice', async () => {
    const h = harness(rule('tick', 'rate(5 minutes)', ', catchUp: all'));
    const runner = h.runner();
    await runner.tick();
    h.clock.t = T0 + 10 * MINUTE;
    await Promise.all([runner.tick(), runner.tick(), runner.tick()]);
    expect(h.puts).toEqual(['tick@2026-01-05T10:05:00Z', 'tick@2026-01-05T10:10:00Z']);
  });

  it('leaves disabled rules alone', async () => {
    const h = harness(rule('tick', 'rate(1 minute)', ', enabled: false'));
    expect(h.runner().active).toBe(false);
    expect(await h.runner().tick()).toBeUndefined();
  });

  it('triggers a fire now as <ruleId>@manual-<ulid>', async () => {
    const h = harness(rule('tick', 'rate(1 hour)', ', data: { kind: manual }'));
    const { id, event } = await h.runner().trigger('tick');
    expect(id).toMatch(/^tick@manual-[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(event).toMatchObject({ type: 'schedule.fired', source: 'edwe.scheduler', data: { ruleId: 'tick', scheduledTime: '2026-01-05T10:00:00Z', kind: 'manual' } });
  });

  it('refuses to trigger an unknown rule (not found) and a rule without a schedule (conflict)', async () => {
    const h = harness(yaml('rules:', '  - { id: plain, eventType: x, workflow: w }'));
    await expect(h.runner().trigger('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(h.runner().trigger('plain')).rejects.toThrow(ConflictError);
    await expect(h.runner().trigger('plain')).rejects.toThrow('Rule "plain" has no schedule; only a schedule rule can be triggered');
  });
});
