import { describe, expect, it } from 'vitest';
import { useEngine } from '../support/engine-process.js';
import { fuzzEngine, violations } from '../fuzz/http-fuzz.js';

describe('edwe dev under 1,000 generated requests (npm run fuzz runs more)', () => {
  const engine = useEngine(['--memory', '--log-level', 'error']);

  it('never answers 5xx, crashes or hangs, stores nothing invalid and every good batch entry exactly once', async () => {
    const figures = await fuzzEngine(engine, { inputs: 1000, seed: 17 });

    expect(violations(figures, 512)).toEqual([]);
    expect(figures.inputs).toBe(1000);
    // The run exercised both sides: good entries stored and bad input refused.
    expect(figures.goodEntriesSent).toBeGreaterThan(100);
    expect(figures.byStatus[400]).toBeGreaterThan(100);
  }, 90_000);
});
