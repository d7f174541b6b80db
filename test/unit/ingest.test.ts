import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ingestBatch,
  ingestEvent,
  ingestRequest,
  RetryableError,
  sameContent,
  ValidationError,
  type EngineEvent,
  type EventStore,
  type IngestDeps,
  type PutResult,
} from '../../lambdas/core/index.js';
import { ForbiddenError } from '../../lambdas/core/access.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteEventStore } from '../../lambdas/embedded/sqlite-event-store.js';

const NOW = Date.parse('2026-03-04T05:06:07.000Z');

/** An in-memory store that records its puts, with a hook to fail or delay one. */
class MemoryStore implements Pick<EventStore, 'put'> {
  readonly events = new Map<string, EngineEvent>();
  readonly calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failOn?: (event: EngineEvent) => Error | undefined;

  async put(event: EngineEvent): Promise<PutResult> {
    this.calls.push(event.id);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      const failure = this.failOn?.(event);
      if (failure !== undefined) throw failure;
      const stored = this.events.get(event.id);
      if (stored === undefined) {
        this.events.set(event.id, event);
        return { id: event.id, duplicate: false };
      }
      if (!sameContent(stored, event)) throw new ConflictError(`event ${event.id} is stored with other content`);
      return { id: event.id, duplicate: true };
    } finally {
      this.inFlight--;
    }
  }
}

let n = 0;
const deps = (store: Pick<EventStore, 'put'>, more: Partial<IngestDeps> = {}): IngestDeps => ({
  store,
  envelope: { clock: { now: () => NOW }, ids: { newId: () => `generated-${++n}` } },
  ...more,
});
const anInput = (overrides: Record<string, unknown> = {}) => ({ type: 'order.placed', source: 'shop', data: { orderId: 'o-1' }, ...overrides });

describe('ingestEvent', () => {
  it('stores the normalised event, with an id and the receive time when the input has none', async () => {
    const store = new MemoryStore();

    const result = await ingestEvent(anInput(), deps(store));

    expect(result).toEqual({
      id: result.event.id,
      duplicate: false,
      event: { id: expect.stringMatching(/^generated-/), type: 'order.placed', source: 'shop', timestamp: new Date(NOW).toISOString(), data: { orderId: 'o-1' } },
    });
    expect(store.events.get(result.id)).toEqual(result.event);
  });

  it('answers a second ingest of the same event as a duplicate, and tells onStored of both', async () => {
    const store = new MemoryStore();
    const told: Array<[string, boolean]> = [];
    const input = anInput({ id: 'ev-1' });

    await ingestEvent(input, deps(store, { onStored: (event, result) => told.push([event.id, result.duplicate]) }));
    const again = await ingestEvent(input, deps(store, { onStored: (event, result) => told.push([event.id, result.duplicate]) }));

    expect(again).toMatchObject({ id: 'ev-1', duplicate: true });
    expect(told).toEqual([
      ['ev-1', false],
      ['ev-1', true],
    ]);
  });

  it('stores nothing the admit check refuses, and nothing invalid', async () => {
    const store = new MemoryStore();
    const admit = (event: EngineEvent) => {
      if (event.source === 'forbidden-source') throw new ForbiddenError('may not publish forbidden-source');
    };

    await expect(ingestEvent(anInput({ source: 'forbidden-source' }), deps(store, { admit }))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(ingestEvent(anInput({ type: '' }), deps(store))).rejects.toBeInstanceOf(ValidationError);
    expect(store.calls).toEqual([]);
  });
});

describe('ingestBatch', () => {
  it('answers each entry in entry order: its id, duplicate, or its own error', async () => {
    const store = new MemoryStore();
    await ingestEvent(anInput({ id: 'already-there' }), deps(store));
    await ingestEvent(anInput({ id: 'taken' }), deps(store));
    const admit = (event: EngineEvent) => {
      if (event.source === 'elsewhere') throw new ForbiddenError('may not publish elsewhere');
    };

    const answer = await ingestBatch(
      [
        anInput({ id: 'new' }),
        anInput({ id: 'already-there' }),
        { source: 'shop' },
        anInput({ id: 'taken', data: { other: true } }),
        anInput({ id: 'refused', source: 'elsewhere' }),
      ],
      deps(store, { admit }),
    );

    expect(answer.failedCount).toBe(3);
    expect(answer.results).toEqual([
      { id: 'new' },
      { id: 'already-there', duplicate: true },
      expect.objectContaining({ error: 'validation_error', details: [{ path: 'type', message: 'required' }] }),
      expect.objectContaining({ error: 'conflict' }),
      expect.objectContaining({ error: 'forbidden' }),
    ]);
  });

  it("maps each entry with toInput, whose errors are the entry's own", async () => {
    const store = new MemoryStore();
    const toInput = (entry: unknown) => {
      if (entry === 'bad') throw new ValidationError('not an entry', [{ path: '(entry)', message: 'bad' }]);
      return { ...(entry as object), source: 'mapped' };
    };

    const answer = await ingestBatch([anInput({ id: 'm-1' }), 'bad'], deps(store), { toInput });

    expect(answer).toEqual({ failedCount: 1, results: [{ id: 'm-1' }, expect.objectContaining({ error: 'validation_error', message: 'not an entry' })] });
    expect(store.events.get('m-1')?.source).toBe('mapped');
  });

  it('keeps at most `concurrency` puts in flight', async () => {
    const store = new MemoryStore();

    await ingestBatch(
      Array.from({ length: 40 }, (_, i) => anInput({ id: `c-${i}` })),
      deps(store),
      { concurrency: 5 },
    );

    expect(store.maxInFlight).toBe(5);
    expect(store.events.size).toBe(40);
  });

  it('throws an outage for the whole batch once the puts in flight have settled, and starts no more', async () => {
    const store = new MemoryStore();
    store.failOn = (event) => (event.id === 'o-3' ? new RetryableError('the table is throttling') : undefined);

    await expect(
      ingestBatch(
        Array.from({ length: 20 }, (_, i) => anInput({ id: `o-${i}` })),
        deps(store),
        { concurrency: 4 },
      ),
    ).rejects.toBeInstanceOf(RetryableError);

    expect(store.inFlight).toBe(0);
    expect(store.calls.length).toBeLessThan(20);
  });

  it('issues every put in the same turn when the concurrency covers the batch, so SQLite commits the batch as one transaction', async () => {
    const db = openDatabase(':memory:');
    let transactions = 0;
    const writes = new (class extends GroupCommit {
      override flush(): void {
        transactions++;
        super.flush();
      }
    })(db);
    const store = new SqliteEventStore(db, { writes, now: () => NOW });
    const entries = [...Array.from({ length: 30 }, (_, i) => anInput({ id: `t-${i}` })), { source: 'shop' }];

    const answer = await ingestBatch(entries, deps(store), { concurrency: entries.length });

    expect(answer.failedCount).toBe(1);
    expect(transactions).toBe(1);
    expect((await store.query({ limit: 100, from: '2026-03-01T00:00:00.000Z', to: '2026-03-05T00:00:00.000Z' })).events).toHaveLength(30);
    db.close();
  });
});

describe('ingestRequest (POST /events in both homes)', () => {
  it('answers 202 with the id for one event, and says when it was stored before', async () => {
    const store = new MemoryStore();
    const event = { id: 'one-1', type: 'order.placed', source: 'shop', data: {} };

    const first = await ingestRequest(event, deps(store));
    const again = await ingestRequest(event, deps(store));

    expect(first).toEqual({ status: 202, body: { id: 'one-1' } });
    expect(again).toEqual({ status: 202, body: { id: 'one-1', duplicate: true } });
  });

  it('answers 200 with a result per entry for an array or {events: [...]}, CloudEvents mapped to the envelope', async () => {
    const store = new MemoryStore();
    const cloudEvent = { specversion: '1.0', id: 'ce-1', source: 'billing', type: 'invoice.paid', data: { amount: 3 } };

    const answer = await ingestRequest({ events: [cloudEvent, { type: '', source: 'shop', data: {} }] }, deps(store));

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ failedCount: 1, results: [{ id: 'ce-1' }, { error: 'validation_error' }] });
    expect(store.events.get('ce-1')).toMatchObject({ type: 'invoice.paid', source: 'billing', data: { amount: 3 } });
  });

  it('refuses a body that is neither an event nor a batch, naming why, and stores nothing', async () => {
    const store = new MemoryStore();

    await expect(ingestRequest({ events: [] }, deps(store))).rejects.toThrow(ValidationError);
    expect(store.calls).toEqual([]);
  });
});
