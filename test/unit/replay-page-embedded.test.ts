import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLAY_SOURCE, ReplayPageRunner, type EngineEvent, type ReplayBusEntry, type ReplayPageRunnerDeps, type ReplayRequest } from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { LocalBus, LocalBusReplayEmitter } from '../../lambdas/embedded/local-bus.js';
import { openDatabase, type SqliteDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteDeadLetterQueue } from '../../lambdas/embedded/sqlite-dead-letter-queue.js';
import { SqliteEventStore } from '../../lambdas/embedded/sqlite-event-store.js';
import { SqliteReplayJobStore } from '../../lambdas/embedded/sqlite-replay-job-store.js';
import { eventsOverHours, expectedIds, recordJob, replayBase, replayRuleSet, runToEnd } from '../support/replay-fixtures.js';

const MINUTE = 60_000;
const isPremium = (e: EngineEvent) => e.type === 'user_registration' && (e.data as { user_type?: string }).user_type === 'premium';

describe('a replay page on the embedded adapters (SQLite, the local bus)', () => {
  let db: SqliteDatabase;
  let jobs: SqliteReplayJobStore;
  let deadLetters: SqliteDeadLetterQueue;
  let events: EngineEvent[];
  let base: number;
  /** What each workflow's bus subscription took, in order; `order_fulfilment` has none. */
  let delivered: ReplayBusEntry[];
  const bus = new LocalBus();

  beforeAll(async () => {
    db = openDatabase(':memory:');
    const store = new SqliteEventStore(db);
    base = replayBase();
    events = eventsOverHours(2000, base, 3);
    await Promise.all(events.map((event) => store.put(event)));
    const writes = new GroupCommit(db);
    jobs = new SqliteReplayJobStore(db, { writes });
    deadLetters = new SqliteDeadLetterQueue(db, { logger: { warn: () => undefined }, clock: { now: Date.now }, writes });
    for (const workflowId of ['onboarding_workflow', 'send_confirmation']) {
      bus.subscribe({ source: [REPLAY_SOURCE], detail: { workflowId: [workflowId] } }, (entry) => delivered.push(entry as ReplayBusEntry));
    }
  });
  afterAll(() => db?.close());

  function aRunner(overrides: Partial<ReplayPageRunnerDeps> = {}): ReplayPageRunner {
    delivered = [];
    const store = new SqliteEventStore(db);
    return new ReplayPageRunner({
      jobs,
      events: store,
      emitter: new LocalBusReplayEmitter(bus),
      deadLetters,
      ruleSet: replayRuleSet(),
      limits: { pacedBurstSeconds: 0 },
      ...overrides,
    });
  }

  /** Records a running job over minutes `[from, to)` of the fixture. */
  const aJobOver = (from: number, to: number, request: Partial<ReplayRequest> = {}) => recordJob(jobs, base + from * MINUTE, base + to * MINUTE, request);

  const window = (from: number, to: number, keep: (e: EngineEvent) => boolean) => expectedIds(events, base + from * MINUTE, base + to * MINUTE, keep);

  it('replays a window for one workflow page by page: exactly its events, in (timestamp, id) order, onto the bus', async () => {
    const replayId = await aJobOver(20, 160, { workflowId: 'onboarding_workflow' });
    const expected = window(20, 160, isPremium);

    const pages = await runToEnd(aRunner({ limits: { maxEntries: 50, pacedBurstSeconds: 0 } }), replayId);

    expect(expected.length).toBeGreaterThan(100);
    expect(pages.length).toBeGreaterThan(2);
    expect(delivered.map((entry) => entry.detail.replay.originalEventId)).toEqual(expected);
    expect((await jobs.get(replayId))?.job).toMatchObject({
      status: 'completed',
      matched: expected.length,
      emitted: expected.length,
      failed: 0,
      scanned: window(20, 160, () => true).length,
    });
  });

  it('counts an entry no subscription takes as failed, records it with the job and dead-letters it', async () => {
    const replayId = await aJobOver(0, 30, { eventTypes: ['order.placed', 'order.confirmed'] });
    const placed = window(0, 30, (e) => e.type === 'order.placed');
    const confirmed = window(0, 30, (e) => e.type === 'order.confirmed');
    const lettersBefore = deadLetters.list().length;

    await runToEnd(aRunner(), replayId);

    const { job, failures } = (await jobs.get(replayId))!;
    expect(job).toMatchObject({ status: 'completed', matched: placed.length + confirmed.length, emitted: confirmed.length, failed: placed.length });
    expect(failures.map((f) => [f.eventId, f.workflowId, f.reason])).toEqual(placed.map((id) => [id, 'order_fulfilment', 'NoSubscription']));
    const letters = deadLetters.list().slice(lettersBefore);
    expect(letters.map((l) => [l.source, l.reason, l.record.eventId])).toEqual(placed.map((id) => ['replay', 'NoSubscription', id]));
  });

  it('paces a job entry by entry, each 1 / rate seconds after the last', async () => {
    let now = Date.now();
    const at: number[] = [];
    const replayId = await aJobOver(60, 70, { workflowId: 'onboarding_workflow', ratePerSecond: 4 });
    const timed = new LocalBus();
    timed.subscribe({ source: [REPLAY_SOURCE] }, () => void at.push(now));
    const runner = aRunner({ emitter: new LocalBusReplayEmitter(timed), clock: { now: () => now }, sleep: async (ms) => void (now += ms) });

    await runToEnd(runner, replayId);

    const expected = window(60, 70, isPremium);
    expect(at).toHaveLength(expected.length);
    expect(at.slice(1).map((t, i) => t - (at[i] as number))).toEqual(expected.slice(1).map(() => 250));
  });
});
