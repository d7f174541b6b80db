import { describe, expect, it } from 'vitest';
import { firesUpTo, InvalidScheduleError, nextFireTimes, parseSchedule, parseScheduleExpression } from '../../../lambdas/core/schedule/index.js';

/** The next `n` fires after `after`, as ISO text (a fixed instant: the fake clock's now). */
const next = (expression: string, timezone: string, after: string, n = 4): string[] =>
  nextFireTimes(parseSchedule(expression, timezone), new Date(after), n).map((d) => d.toISOString());

const problem = (expression: string): string => {
  try {
    parseScheduleExpression(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidScheduleError);
    return (error as Error).message;
  }
  throw new Error(`${expression} parsed`);
};

describe('cron expressions (EventBridge Scheduler syntax)', () => {
  it('fires every day at a fixed time in UTC', () => {
    expect(next('cron(0 2 * * ? *)', 'UTC', '2026-01-01T02:00:00Z', 2)).toEqual(['2026-01-02T02:00:00.000Z', '2026-01-03T02:00:00.000Z']);
  });

  it('takes lists, ranges, steps and month and weekday names', () => {
    expect(next('cron(0/20 9-10 ? JAN MON-FRI 2026)', 'UTC', '2026-01-02T10:30:00Z', 4)).toEqual([
      '2026-01-02T10:40:00.000Z',
      '2026-01-05T09:00:00.000Z',
      '2026-01-05T09:20:00.000Z',
      '2026-01-05T09:40:00.000Z',
    ]);
    expect(next('cron(15 12 1,15 */6 ? *)', 'UTC', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-01T12:15:00.000Z', '2026-01-15T12:15:00.000Z', '2026-07-01T12:15:00.000Z']);
  });

  it('lets a range wrap past the end of its field (FRI-MON, 22-1)', () => {
    expect(next('cron(0 22-1 ? * FRI-MON *)', 'UTC', '2026-01-01T23:00:00Z', 5)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-02T01:00:00.000Z',
      '2026-01-02T22:00:00.000Z',
      '2026-01-02T23:00:00.000Z',
      '2026-01-03T00:00:00.000Z',
    ]);
  });

  it('reads L as the last day of the month (29 February in a leap year)', () => {
    expect(next('cron(0 0 L * ? *)', 'UTC', '2028-01-31T00:00:00Z', 2)).toEqual(['2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z']);
  });

  it('reads LW as the last weekday and 15W as the weekday nearest the 15th, within the month', () => {
    // May 2026 ends on a Sunday; 15 August 2026 is a Saturday; 1 March 2026 is a Sunday.
    expect(next('cron(0 8 LW * ? *)', 'UTC', '2026-05-01T00:00:00Z', 1)).toEqual(['2026-05-29T08:00:00.000Z']);
    expect(next('cron(0 8 15W * ? *)', 'UTC', '2026-08-01T00:00:00Z', 1)).toEqual(['2026-08-14T08:00:00.000Z']);
    expect(next('cron(0 8 1W * ? *)', 'UTC', '2026-02-15T00:00:00Z', 1)).toEqual(['2026-03-02T08:00:00.000Z']);
  });

  it('reads 6L as the last Friday and 3#2 as the second Tuesday of the month', () => {
    expect(next('cron(0 10 ? * 6L *)', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-30T10:00:00.000Z', '2026-02-27T10:00:00.000Z']);
    expect(next('cron(0 10 ? * 3#2 *)', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-13T10:00:00.000Z', '2026-02-10T10:00:00.000Z']);
  });

  it('ends when its years run out', () => {
    expect(next('cron(0 0 1 1 ? 2026-2027)', 'UTC', '2026-06-01T00:00:00Z', 5)).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(next('cron(0 0 30 FEB ? *)', 'UTC', '2026-01-01T00:00:00Z', 1)).toEqual([]);
  });

  it('walks backwards to the latest fires at or before a time', () => {
    const fires = firesUpTo(parseSchedule('cron(0 2 * * ? *)', 'UTC'), Date.parse('2026-01-03T02:00:00Z'));
    expect([fires.next().value, fires.next().value].map((t) => new Date(t as number).toISOString())).toEqual(['2026-01-03T02:00:00.000Z', '2026-01-02T02:00:00.000Z']);
  });

  it.each([
    ['cron(0 2 * * *)', 'six fields'],
    ['cron(0 2 * * * *)', 'cannot both be given'],
    ['cron(0 2 ? * ? *)', 'cannot both be ?'],
    ['cron(60 2 * * ? *)', 'minutes "60": 60 is outside 0-59'],
    ['cron(0 24 * * ? *)', 'hours "24"'],
    ['cron(0 2 32 * ? *)', 'day-of-month "32"'],
    ['cron(0 2 * FOO ? *)', 'month "FOO": "FOO" is not a value (1-12 or JAN-DEC)'],
    ['cron(0 2 ? * 8 *)', 'day-of-week "8"'],
    ['cron(0 2 * * ? 1969)', 'year "1969"'],
    ['cron(0/0 2 * * ? *)', 'not a step'],
    ['cron(0 2 ? * 2/2 *)', 'steps (/) are not allowed'],
    ['cron(0 2 ? * 3#6 *)', '#1-#5'],
    ['cron(0 2 ? * 3#1,6#3 *)', 'alone in the field'],
    ['cron(0 2 L,15 * ? *)', 'L and W stand alone'],
    ['cron(0 2 1,,2 * ? *)', 'an empty item'],
  ])('refuses %s, saying what is wrong', (expression, expected) => {
    expect(problem(expression)).toContain(expected);
  });
});

describe('rate expressions', () => {
  it('fires on a grid of whole periods since the epoch, so a restart fires at the same instants', () => {
    expect(next('rate(5 minutes)', 'UTC', '2026-01-01T00:01:00Z', 3)).toEqual(['2026-01-01T00:05:00.000Z', '2026-01-01T00:10:00.000Z', '2026-01-01T00:15:00.000Z']);
    expect(next('rate(1 hour)', 'Europe/Berlin', '2026-03-29T00:30:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z']);
    expect(next('rate(1 day)', 'UTC', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-02T00:00:00.000Z']);
  });

  it.each([
    ['rate(1 minutes)', 'rate(1 minute)'],
    ['rate(5 minute)', 'rate(5 minutes)'],
    ['rate(0 minutes)', 'at least 1'],
    ['rate(5 weeks)', 'rate(N minutes|hours|days)'],
    ['every 5 minutes', 'must be "cron('],
  ])('refuses %s, saying what to write', (expression, expected) => {
    expect(problem(expression)).toContain(expected);
  });
});

describe('time zones and daylight saving time (Europe/Berlin)', () => {
  // 2026: clocks go forward on 29 March (02:00 → 03:00) and back on 25 October (03:00 → 02:00).
  it('reads the cron fields in the zone: 02:00 Berlin is 01:00 UTC in winter, 00:00 UTC in summer', () => {
    expect(next('cron(0 2 * * ? *)', 'Europe/Berlin', '2026-03-26T12:00:00Z', 2)).toEqual(['2026-03-27T01:00:00.000Z', '2026-03-28T01:00:00.000Z']);
    expect(next('cron(0 2 * * ? *)', 'Europe/Berlin', '2026-07-01T12:00:00Z', 1)).toEqual(['2026-07-02T00:00:00.000Z']);
  });

  it('skips a local time the clocks jump over in spring', () => {
    expect(next('cron(30 2 * * ? *)', 'Europe/Berlin', '2026-03-27T12:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      // 29 March: 02:30 does not exist
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('fires a local time the clocks show twice in autumn once, at its first occurrence', () => {
    expect(next('cron(30 2 * * ? *)', 'Europe/Berlin', '2026-10-24T12:00:00Z', 3)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST; 02:30 CET an hour later does not fire
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('does not repeat the hour that autumn repeats for an every-30-minutes schedule', () => {
    expect(next('cron(0/30 * * * ? *)', 'Europe/Berlin', '2026-10-24T23:30:00Z', 5)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      // 02:00 and 02:30 CET (01:00, 01:30 UTC) are the same local times again
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T02:30:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  it('keeps an hourly schedule hourly across the spring change, minus the missing hour', () => {
    expect(next('cron(0 * * * ? *)', 'Europe/Berlin', '2026-03-28T23:30:00Z', 3)).toEqual([
      '2026-03-29T00:00:00.000Z', // 01:00 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST (02:00 never happens)
      '2026-03-29T02:00:00.000Z',
    ]);
  });

  it('walks backwards over the repeated autumn hour the same way: its local times once, at their first occurrence', () => {
    const fires = firesUpTo(parseSchedule('cron(0/30 * * * ? *)', 'Europe/Berlin'), Date.parse('2026-10-25T02:10:00Z'));
    const latest = Array.from({ length: 4 }, () => new Date(fires.next().value as number).toISOString());
    expect(latest).toEqual(['2026-10-25T02:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-24T23:30:00.000Z']);
  });

  it('refuses a time zone that is not an IANA name', () => {
    expect(() => parseSchedule('rate(1 minute)', 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(() => parseSchedule('rate(1 minute)', '+01:00')).toThrow(/IANA time zone/);
  });
});
