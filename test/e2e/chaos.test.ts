import { describe, expect, it } from 'vitest';
import { runChaos } from '../support/chaos.js';

describe('chaos: edwe dev SIGKILLed under mixed load (batches, order flows that wait and emit, replays)', () => {
  it('after three kills and restarts loses no acknowledged event, starts nothing twice, emits nothing twice, and finishes every wait and replay', async () => {
    const figures = await runChaos({ kills: 3, maxRunMs: 700 });
    expect(figures.acknowledged).toBeGreaterThan(0);
    expect(figures.orders).toBeGreaterThan(0);
    expect(figures).toMatchObject({
      eventsLost: 0,
      doubledExecutions: 0,
      doubledEmits: 0,
      missingExecutions: 0,
      unfinishedExecutions: 0,
      unfinishedReplays: 0,
      unconfirmedOrders: 0,
    });
    // Each start of edwe dev is a tsx process: about 3 s on a quiet machine, four times that on a busy one.
  }, 150_000);
});
