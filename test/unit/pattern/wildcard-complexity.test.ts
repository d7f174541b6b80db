import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError } from '../../../lambdas/core/pattern/index.js';
import { MAX_WILDCARD_COMPLEXITY, wildcardComplexity } from '../../../lambdas/core/pattern/wildcard-complexity.js';
import { parseWildcard } from '../../../lambdas/core/pattern/wildcard.js';

/** The complexity of wildcard values given as event-ruler's unit tests give them: raw bytes, no JSON quotes. */
const rawComplexity = (...values: string[]): number =>
  wildcardComplexity(
    values.map((value) => {
      const parsed = parseWildcard(value);
      if (!parsed.ok) throw new Error(parsed.reason);
      return { owner: value, segments: parsed.segments };
    }),
    { quoted: false },
  );

const accepts = (values: unknown[]): void => {
  expect(() => compilePattern({ detail: { key: values } })).not.toThrow();
};
const refuses = (values: unknown[]): void => {
  expect(() => compilePattern({ detail: { key: values } })).toThrow(InvalidPatternError);
  expect(() => compilePattern({ detail: { key: values } })).toThrow(/^detail\.key: rule is too complex - try using fewer wildcard characters/);
};

describe('wildcard complexity (the most wildcard prefixes one string keeps open at once)', () => {
  // These vectors mirror event-ruler's MachineComplexityEvaluator tests: each value list is one field's
  // machine, and the expected count is the number of its wildcard prefixes a worst-case string matches.
  const vectors: Array<[number, string[]]> = [
    [1, ['*']],
    [3, ['*', 'ab*c']],
    [1, ['abc']],
    [2, ['*ab']],
    [3, ['*aa']],
    [2, ['a*b']],
    [2, ['aa*']],
    [3, ['a*bb']],
    [4, ['a*bbb']],
    [3, ['a*bcb']],
    [4, ['*ab*ad']],
    [3, ['*ab*d']],
    [4, ['*aba*']],
    [5, ['a*b*bb']],
    [3, ['a*b*cd']],
    [3, ['ab*b*']],
    [3, ['ab*c', 'x*xx']],
    [4, ['*abc', '*abcde']],
    [4, ['a*bcd', 'ab*cd']],
    [7, ['a*aaa', 'aa*aa']],
    [6, ['a*aaa', 'aaa*a']],
    [5, ['a*aax', 'aaa*x']],
    [3, ['abc*', 'abcde*']],
    [6, ['ab*cd', 'ab*wx', 'ab*yz']],
    [7, ['*ab*b*b*']],
    [17, ['*a*a*a*a*a*a*a*a*']],
    [2, ['ab*c', 'ab*c']],
    [10, ['F*eatureFeature', 'Fe*atureFeature', 'Fea*tureFeature']],
  ];
  it.each(vectors)('is %i for %j', (expected, values) => {
    expect(rawComplexity(...values)).toBe(expected);
  });

  it('is 45 for the 32 values event-ruler calls the "Quamina exploder"', () => {
    const exploder =
      'aahed* aal*ii aargh* aarti* a*baca *abaci a*back ab*acs abaf*t *abaka ab*amp a*band *abase abash* abas*k ab*ate aba*ya abbas* abbed* ab*bes abbey* *abbot ab*cee abea*m abe*ar a*bele a*bers abet*s *abhor abi*de a*bies *abled';
    expect(rawComplexity(...exploder.split(' '))).toBe(45);
  });

  it('stops counting past the cap it is given', () => {
    expect(wildcardComplexity([{ owner: 'x', segments: ['', ...'aaaaaaaaaaaaaaaaaaaaaaaa'.split(''), ''] }], { cap: 10, quoted: false })).toBe(11);
  });
});

describe('EventBridge refuses a field whose wildcards pass the limit', () => {
  // Answers EventBridge gave to PutRule: the values are matched as JSON strings, quotes included.
  it(`allows ${MAX_WILDCARD_COMPLEXITY} open prefixes`, () => {
    expect(MAX_WILDCARD_COMPLEXITY).toBe(10);
  });

  it('accepts three stack-id wildcards on one field and refuses four', () => {
    const stack = (name: string) => ({ wildcard: `*:stack/${name}/*` });
    accepts([stack('Shared'), stack('Data'), stack('Api')]);
    refuses([stack('Shared'), stack('Data'), stack('Api'), stack('Monitoring')]);
  });

  it('accepts four file-extension wildcards, and two folder-and-extension ones, but refuses four of those', () => {
    accepts([{ wildcard: '*.bif' }, { wildcard: '*.tiff' }, { wildcard: '*.tif' }, { wildcard: '*.svs' }]);
    accepts([{ wildcard: '*/datasync/*.bif' }, { wildcard: '*/datasync/*.tif' }]);
    refuses([{ wildcard: '*/datasync/*.bif' }, { wildcard: '*/datasync/*.tif' }, { wildcard: '*/datasync/*.tiff' }, { wildcard: '*/datasync/*.svs' }]);
  });

  it('refuses a star followed by a run of one letter, which keeps every position of the run open', () => {
    accepts([{ wildcard: '*aaaaaa' }]);
    refuses([{ wildcard: '*aaaaaaaaaa' }]);
  });

  it('counts anything-but wildcards with the other wildcards of the field', () => {
    accepts([{ 'anything-but': { wildcard: ['*/datasync/*.bif', '*/datasync/*.tif'] } }]);
    refuses([{ wildcard: '*/datasync/*.svs' }, { wildcard: '*/datasync/*.tiff' }, { 'anything-but': { wildcard: ['*/datasync/*.bif', '*/datasync/*.tif'] } }]);
  });

  it('counts each field on its own', () => {
    expect(() =>
      compilePattern({ a: [{ wildcard: '*/datasync/*.bif' }, { wildcard: '*/datasync/*.tif' }], b: [{ wildcard: '*/datasync/*.tiff' }, { wildcard: '*/datasync/*.svs' }] }),
    ).not.toThrow();
  });

  it('names the field and the count in the error', () => {
    expect(() => compilePattern({ detail: { path: [{ wildcard: '*aaaaaaaaaaaaaaa' }] } })).toThrow(
      /detail\.path: rule is too complex .*\(a value can keep \d+ wildcard prefixes open at once; EventBridge allows 10\)/,
    );
  });

  it('refuses `*text*` (what a contains condition compiles to) when the text repeats one letter', () => {
    expect(() => compilePattern({ s: [{ wildcard: `*${'z'.repeat(12)}*` }] })).toThrow(/too complex/);
  });
});
