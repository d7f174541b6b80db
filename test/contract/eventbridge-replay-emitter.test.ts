import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { entrySize, EventBridgeReplayEmitter, MAX_REQUEST_BYTES, toPutEventsEntry } from '../../lambdas/aws/eventbridge-replay-emitter.js';
import { RetryableError, type ReplayBusEntry } from '../../lambdas/core/index.js';
import { acceptAll, originalIdOf, putEventsCalls } from '../support/replay-fixtures.js';
import { aBusEntry, describeReplayEmitterContract, REFUSED_WORKFLOW } from './replay-emitter.contract.js';

const BUS = 'edwe-engine-bus';
const eb = mockClient(EventBridgeClient);
const sdkError = (name: string, status: number) =>
  Object.assign(new Error(name), {
    name,
    $metadata: { httpStatusCode: status },
    ...(status === 400 && name === 'ThrottlingException' ? { $retryable: { throttling: true } } : {}),
  });

/** The replayed event a PutEvents entry carries. */
const fromPutEventsEntry = (entry: PutEventsRequestEntry): ReplayBusEntry => ({
  source: entry.Source as ReplayBusEntry['source'],
  'detail-type': entry.DetailType as string,
  time: (entry.Time as Date).toISOString(),
  detail: JSON.parse(entry.Detail as string) as ReplayBusEntry['detail'],
});

// The stubbed bus refuses the refused workflow's entries as malformed, and takes the rest.
describeReplayEmitterContract('EventBridgeReplayEmitter (PutEvents stubbed)', async () => {
  eb.reset();
  const refused = (entry: PutEventsRequestEntry) => (JSON.parse(entry.Detail as string) as { workflowId: string }).workflowId === REFUSED_WORKFLOW;
  eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
    FailedEntryCount: input.Entries.filter(refused).length,
    Entries: input.Entries.map((entry, i) => (refused(entry) ? { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed' } : { EventId: `eb-${i}` })),
  }));
  return {
    emitter: new EventBridgeReplayEmitter({ client: new EventBridgeClient({ region: 'us-east-1' }), eventBusName: BUS, sleep: async () => undefined }),
    delivered: () =>
      putEventsCalls(eb)
        .flat()
        .filter((entry) => !refused(entry))
        .map(fromPutEventsEntry),
  };
});

/** A replayed event whose data carries `padding` bytes. */
function anEntry(i: number, padding = 0): ReplayBusEntry {
  const event = { id: `E${i}`, type: 't', source: 's', timestamp: '2026-11-24T10:00:00.000Z', data: { pad: 'x'.repeat(padding) } };
  return {
    source: 'edwe.replay',
    'detail-type': 't',
    time: event.timestamp,
    detail: {
      workflowId: 'w',
      ruleId: 'r',
      executionName: `r-${i}`,
      input: { event, rule: { id: 'r', priority: 0 }, correlationId: event.id, replay: { replayId: 'R' } },
      replay: { replayId: 'R', originalEventId: event.id },
    },
  };
}

describe('EventBridgeReplayEmitter', () => {
  let sleeps: number[];
  beforeEach(() => {
    eb.reset();
    sleeps = [];
  });
  const emitter = (maxAttempts = 3) =>
    new EventBridgeReplayEmitter({
      client: new EventBridgeClient({ region: 'us-east-1' }),
      eventBusName: BUS,
      maxAttempts,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0,
    });

  it('sends in order, in calls of at most 10 entries and 256 KiB', async () => {
    acceptAll(eb);
    const small = Array.from({ length: 25 }, (_, i) => anEntry(i));
    const large = Array.from({ length: 3 }, (_, i) => anEntry(100 + i, 100_000));

    const result = await emitter().emit([...small, ...large]);

    expect(putEventsCalls(eb).map((call) => call.map(originalIdOf))).toEqual([
      small.slice(0, 10).map((e) => e.detail.replay.originalEventId),
      small.slice(10, 20).map((e) => e.detail.replay.originalEventId),
      [...small.slice(20).map((e) => e.detail.replay.originalEventId), 'E100', 'E101'],
      ['E102'],
    ]);
    expect(putEventsCalls(eb).every((call) => call.reduce((n, entry) => n + entrySize(entry), 0) <= MAX_REQUEST_BYTES)).toBe(true);
    expect(result).toEqual({ emitted: 28, refused: [], calls: 4 });
  });

  it('refuses an entry larger than a whole call without sending it', async () => {
    acceptAll(eb);
    const huge = anEntry(1, MAX_REQUEST_BYTES);

    const result = await emitter().emit([anEntry(0), huge, anEntry(2)]);

    expect(putEventsCalls(eb).map((call) => call.map(originalIdOf))).toEqual([['E0'], ['E2']]);
    expect(result.refused).toEqual([{ entry: huge, code: 'EntryTooLarge', message: expect.stringContaining('PutEvents takes at most 262144') }]);
  });

  it('gives up entries still throttled after its attempts, reporting them refused with the code', async () => {
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((_, i) => (i === 0 ? { ErrorCode: 'ThrottlingException' } : { EventId: 'ok' })),
    }));
    const entries = [anEntry(0), anEntry(1)];

    const result = await emitter(3).emit(entries);

    expect(putEventsCalls(eb).map((call) => call.map(originalIdOf))).toEqual([['E0', 'E1'], ['E0'], ['E0']]);
    expect(result).toMatchObject({ emitted: 1, refused: [{ entry: entries[0], code: 'ThrottlingException' }], calls: 3 });
    expect(sleeps).toEqual([50, 100]);
  });

  it('throws RetryableError when whole calls keep being throttled before anything was taken', async () => {
    eb.on(PutEventsCommand).rejects(sdkError('ThrottlingException', 400));

    await expect(emitter(3).emit([anEntry(0)])).rejects.toBeInstanceOf(RetryableError);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it('refuses the rest when whole calls keep failing after some entries were taken (so nothing is sent twice)', async () => {
    let calls = 0;
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => {
      if (++calls > 1) throw sdkError('InternalException', 500);
      return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'ok' })) };
    });
    const entries = Array.from({ length: 12 }, (_, i) => anEntry(i));

    const result = await emitter(2).emit(entries);

    expect(result.emitted).toBe(10);
    expect(result.refused.map((r) => [r.entry.detail.replay.originalEventId, r.code])).toEqual([
      ['E10', 'InternalException'],
      ['E11', 'InternalException'],
    ]);
  });

  it('lets an error that no retry can cure through', async () => {
    eb.on(PutEventsCommand).rejects(sdkError('AccessDeniedException', 400));

    await expect(emitter().emit([anEntry(0)])).rejects.toThrow('AccessDeniedException');
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('sends each call as one PutEvents command of exactly the mapped entries', async () => {
    acceptAll(eb);
    const entries = Array.from({ length: 12 }, (_, i) => aBusEntry(i));

    await emitter().emit(entries);

    expect(eb.commandCalls(PutEventsCommand).map((call) => call.args[0].input)).toEqual([
      { Entries: entries.slice(0, 10).map((entry) => toPutEventsEntry(entry, BUS)) },
      { Entries: entries.slice(10).map((entry) => toPutEventsEntry(entry, BUS)) },
    ]);
  });

  it('maps an entry to PutEvents: the bus, edwe.replay, its type, its original time and the detail as JSON', () => {
    const entry = anEntry(7);

    expect(toPutEventsEntry(entry, BUS)).toEqual({
      EventBusName: BUS,
      Source: 'edwe.replay',
      DetailType: 't',
      Time: new Date('2026-11-24T10:00:00.000Z'),
      Detail: JSON.stringify(entry.detail),
    });
  });
});
