/**
 * The replay emitter against a bus that takes only part of each call: PutEvents answers with FailedEntryCount > 0 and a
 * per-entry ErrorCode for some entries (injected by test/support/aws-faults.ts, which keeps those entries off the
 * wire, as EventBridge does not deliver them). The bus is a node:http endpoint speaking the PutEvents wire protocol,
 * so the SDK's whole stack — serialization, retries, the injected faults — runs as in a Lambda.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBridgeReplayEmitter } from '../../lambdas/aws/eventbridge-replay-emitter.js';
import { injectFaults, injectPartialFailures } from '../support/aws-faults.js';
import { aBusEntry } from './replay-emitter.contract.js';

/** What the bus took, entry by entry (their Detail parsed). */
interface Bus {
  endpoint: string;
  received: Array<{ replay: { originalEventId: string }; executionName: string }>;
  close(): Promise<void>;
}

async function startBus(): Promise<{ bus: Bus; server: Server }> {
  const received: Bus['received'] = [];
  let n = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { Entries } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: Array<{ Detail: string }> };
      for (const entry of Entries) received.push(JSON.parse(entry.Detail));
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ FailedEntryCount: 0, Entries: Entries.map(() => ({ EventId: `eb-${++n}` })) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, bus: { endpoint, received, close: () => new Promise((resolve) => server.close(() => resolve())) } };
}

/** A seeded source in [0, 1), so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('EventBridgeReplayEmitter when the bus takes only part of each call', () => {
  let bus: Bus;
  beforeAll(async () => {
    bus = (await startBus()).bus;
  });
  afterAll(() => bus.close());

  /** A client on the bus that records the entries of each call the emitter makes, before any fault. */
  function clientOnBus(): { client: EventBridgeClient; attempted: string[][] } {
    const client = new EventBridgeClient({ endpoint: bus.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 3 });
    const attempted: string[][] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const entries = (args.input as { Entries: Array<{ Detail: string }> }).Entries;
        attempted.push(entries.map((entry) => (JSON.parse(entry.Detail) as { replay: { originalEventId: string } }).replay.originalEventId));
        return next(args);
      },
      { step: 'initialize', priority: 'high', name: 'recordAttempts' },
    );
    return { client, attempted };
  }
  const emitterOn = (client: EventBridgeClient) => new EventBridgeReplayEmitter({ client, eventBusName: 'edwe-engine-bus', sleep: async () => undefined, maxAttempts: 20 });
  const countBy = (ids: string[]) => ids.reduce((counts, id) => counts.set(id, (counts.get(id) ?? 0) + 1), new Map<string, number>());

  it('resends only the failed entries until each is taken: all 300 delivered once, nothing lost, nothing doubled', async () => {
    bus.received.length = 0;
    const { client, attempted } = clientOnBus();
    const injected = injectPartialFailures(client, { rate: 0.3, random: seeded(17) });
    const entries = Array.from({ length: 300 }, (_, i) => aBusEntry(i));

    const result = await emitterOn(client).emit(entries);

    const delivered = countBy(bus.received.map((detail) => detail.replay.originalEventId));
    expect(result).toMatchObject({ emitted: 300, refused: [] });
    expect(injected.failedEntries).toBeGreaterThan(50);
    expect(delivered.size).toBe(300);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
    // Each failed entry is sent once more, and no entry the bus took is: the calls carry 300 + the failures.
    expect(attempted.flat()).toHaveLength(300 + injected.failedEntries);
    expect(bus.received.map((detail) => detail.executionName).sort()).toEqual(entries.map((e) => e.detail.executionName).sort());
    client.destroy();
  });

  it('holds with whole calls throttled or failing too (retried by the SDK, before the bus takes anything)', async () => {
    bus.received.length = 0;
    const { client } = clientOnBus();
    const partial = injectPartialFailures(client, { rate: 0.25, random: seeded(5) });
    const whole = injectFaults(client, { rate: 0.3, faults: ['throttle', 'server'], random: seeded(9) });
    const entries = Array.from({ length: 200 }, (_, i) => aBusEntry(i));

    const result = await emitterOn(client).emit(entries);

    const delivered = countBy(bus.received.map((detail) => detail.replay.originalEventId));
    expect(partial.failedEntries).toBeGreaterThan(0);
    expect(whole.injected.length).toBeGreaterThan(0);
    expect(result).toMatchObject({ emitted: 200, refused: [] });
    expect([...delivered.values()].every((n) => n === 1) && delivered.size === 200).toBe(true);
    client.destroy();
  });

  it('reports an entry refused for good (a non-retryable code) without resending it, and delivers the rest once', async () => {
    bus.received.length = 0;
    const { client, attempted } = clientOnBus();
    const injected = injectPartialFailures(client, { rate: 0.2, codes: ['MalformedDetail'], random: seeded(3) });
    const entries = Array.from({ length: 100 }, (_, i) => aBusEntry(i));

    const result = await emitterOn(client).emit(entries);

    expect(result.refused).toHaveLength(injected.failedEntries);
    expect(result.refused.every((r) => r.code === 'MalformedDetail')).toBe(true);
    expect(result.emitted + result.refused.length).toBe(100);
    expect(bus.received).toHaveLength(result.emitted);
    expect(attempted.flat()).toHaveLength(100);
    client.destroy();
  });

  it('doubles on the bus only what a lost answer makes the SDK send again, each copy naming the same execution (which the replay start dedups)', async () => {
    bus.received.length = 0;
    const { client } = clientOnBus();
    const lost = injectFaults(client, { rate: 0.3, faults: ['timeout-after-send'], random: seeded(11) });
    const entries = Array.from({ length: 100 }, (_, i) => aBusEntry(i));

    const result = await emitterOn(client).emit(entries);

    const copies = countBy(bus.received.map((detail) => detail.executionName));
    expect(lost.injected.length).toBeGreaterThan(0);
    expect(result).toMatchObject({ emitted: 100, refused: [] });
    expect(copies.size).toBe(100);
    // PutEvents has no idempotency token: a call whose answer was lost is taken twice, entry for entry.
    expect([...copies.values()].filter((n) => n === 2)).toHaveLength(bus.received.length - 100);
    expect(Math.max(...copies.values())).toBeLessThanOrEqual(2);
    client.destroy();
  });
});
