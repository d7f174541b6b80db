import { describe, expect, it } from 'vitest';
import { ChangeFeed } from '../../lambdas/embedded/change-feed.js';

/** A consumer that holds each batch until the test releases it. */
function heldConsumer() {
  const handed: number[][] = [];
  const releases: Array<() => void> = [];
  const consume = (batch: number[]): Promise<void> => {
    handed.push(batch);
    return new Promise<void>((resolve) => releases.push(resolve));
  };
  return { handed, releases, consume };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ChangeFeed', () => {
  it('hands batches over in the order published, up to `inFlight` at once, and is drained only when every one is consumed', async () => {
    const { handed, releases, consume } = heldConsumer();
    const feed = new ChangeFeed<number>(consume, () => undefined, { batchSize: 2, inFlight: 2 });
    for (let i = 1; i <= 7; i++) feed.publish(i);
    let drained = false;
    void feed.drained().then(() => {
      drained = true;
    });

    await turn();
    expect(handed).toEqual([
      [1, 2],
      [3, 4],
    ]);

    releases[0]?.();
    await turn();
    expect(handed).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);

    for (let i = 1; i < 4; i++) {
      releases[i]?.();
      await turn();
    }
    await feed.drained();
    expect(handed.at(-1)).toEqual([7]);
    expect(drained).toBe(true);
  });

  it('reports a batch whose consumer fails and goes on with the next', async () => {
    const failed: number[][] = [];
    const consumed: number[][] = [];
    const feed = new ChangeFeed<number>(
      async (batch) => {
        if (batch.includes(1)) throw new Error('boom');
        consumed.push(batch);
      },
      (batch) => failed.push(batch),
      { batchSize: 1, inFlight: 1 },
    );

    feed.publish(1);
    feed.publish(2);
    await feed.drained();

    expect(failed).toEqual([[1]]);
    expect(consumed).toEqual([[2]]);
  });
});
