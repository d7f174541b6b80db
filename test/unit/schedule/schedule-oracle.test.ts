import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localTimeAt, nextFireTimes, parseSchedule } from '../../../lambdas/core/schedule/index.js';

// Field texts with the values they stand for, written out by hand: the oracle shares no parsing with the code under test.
const range = (from: number, to: number, step = 1): number[] => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
const MINUTES: Array<[string, number[]]> = [
  ['0', [0]],
  ['*/15', [0, 15, 30, 45]],
  ['5,35', [5, 35]],
  ['10-20/5', [10, 15, 20]],
];
const HOURS: Array<[string, number[]]> = [
  ['*', range(0, 23)],
  ['2', [2]],
  ['1-3', [1, 2, 3]],
  ['*/6', [0, 6, 12, 18]],
  ['22-1', [22, 23, 0, 1]],
];
/** Day-of-month and day-of-week together, with which (day, weekday 1 = Sunday) they select. */
const DAYS: Array<[string, (day: number, weekday: number) => boolean]> = [
  ['* ?', () => true],
  ['? *', () => true],
  ['25 ?', (day) => day === 25],
  ['? MON-FRI', (_, weekday) => weekday >= 2 && weekday <= 6],
  ['? 1,7', (_, weekday) => weekday === 1 || weekday === 7],
  ['24-26 ?', (day) => day >= 24 && day <= 26],
];
/** Windows of two days around Europe/Berlin's 2026 clock changes, and one without. */
const WINDOWS = ['2026-03-28T12:00:00Z', '2026-10-24T12:00:00Z', '2026-06-10T00:00:00Z'].map(Date.parse);
const MINUTE = 60_000;

/**
 * Every instant, minute by minute, whose local time the expression selects — and that is the first
 * instant showing that local time (a repeated autumn hour fires once, at its first occurrence).
 */
function bruteForce(minutes: number[], hours: number[], days: (d: number, w: number) => boolean, zone: string, from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = from + MINUTE; t <= to; t += MINUTE) {
    const local = localTimeAt(t, zone);
    const weekday = new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay() + 1;
    if (!minutes.includes(local.minute) || !hours.includes(local.hour) || !days(local.day, weekday)) continue;
    const earlier = localTimeAt(t - 60 * MINUTE, zone);
    const repeated = earlier.day === local.day && earlier.hour === local.hour && earlier.minute === local.minute;
    if (!repeated) out.push(t);
  }
  return out;
}

describe('cron fire times against a minute-by-minute oracle (property)', () => {
  it('agree in UTC and in Europe/Berlin, across both clock changes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MINUTES),
        fc.constantFrom(...HOURS),
        fc.constantFrom(...DAYS),
        fc.constantFrom('UTC', 'Europe/Berlin'),
        fc.constantFrom(...WINDOWS),
        ([minuteText, minutes], [hourText, hours], [dayText, days], zone, from) => {
          const to = from + 2 * 24 * 60 * MINUTE;
          const expected = bruteForce(minutes, hours, days, zone, from, to);
          const [dom, dow] = dayText.split(' ');
          const schedule = parseSchedule(`cron(${minuteText} ${hourText} ${dom} * ${dow} *)`, zone);
          const actual = nextFireTimes(schedule, new Date(from), expected.length + 1)
            .map((d) => d.getTime())
            .filter((t) => t <= to);
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 25 },
    );
  });
});
