import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ulidIds } from '../../lambdas/core/index.js';

describe('ulidIds', () => {
  it('draws random bytes from its source once per 409 ids, and every id is unique', () => {
    let calls = 0;
    const ids = ulidIds((size) => {
      calls++;
      return randomBytes(size);
    });

    const made = Array.from({ length: 1000 }, () => ids.newId(1_700_000_000_000));

    expect(new Set(made).size).toBe(1000);
    expect(calls).toBe(3);
    expect(made.every((id) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
  });

  it('sorts ids of a later millisecond after ids of an earlier one', () => {
    const ids = ulidIds(randomBytes);

    const [early, late] = [ids.newId(1_700_000_000_000), ids.newId(1_700_000_000_001)];

    expect(early < late).toBe(true);
  });
});
