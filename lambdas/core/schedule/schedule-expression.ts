/**
 * Schedule expressions as EventBridge Scheduler writes them — `cron(...)` evaluated in an IANA time
 * zone, `rate(N unit)` — and the instants they fire at. Daylight saving time is handled as Scheduler
 * documents it: a local time the clocks skip (spring forward) does not fire; a local time they show
 * twice (fall back) fires once, at its first occurrence.
 */
import { daysIn, InvalidCronError, parseCronFields, selectsDay, type CronFields } from './cron.js';
import { instantOf, localTimeAt, timeZoneProblem } from './zoned-time.js';

/** A parsed schedule expression. */
export type ScheduleExpression = { kind: 'cron'; text: string; fields: CronFields } | { kind: 'rate'; text: string; everyMs: number };

/** A schedule: when it fires, and in which zone its cron fields are read (rates ignore it). */
export interface Schedule {
  expression: ScheduleExpression;
  /** IANA time zone; `UTC` when the rule names none. */
  timezone: string;
}

/** A schedule expression or time zone that is not valid; the message says what is wrong. */
export class InvalidScheduleError extends Error {
  override readonly name = 'InvalidScheduleError';
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * Parses `cron(min hour day-of-month month day-of-week year)` or `rate(N minute|minutes|hour|hours|day|days)`
 * (singular for 1, plural above, as Scheduler requires).
 * @throws InvalidScheduleError saying what is wrong.
 * @example parseScheduleExpression('cron(0 2 * * ? *)')
 */
export function parseScheduleExpression(text: unknown): ScheduleExpression {
  if (typeof text !== 'string') throw new InvalidScheduleError(`must be "cron(...)" or "rate(...)", got ${JSON.stringify(text)}`);
  const cron = /^cron\((.*)\)$/s.exec(text.trim());
  if (cron !== null) {
    try {
      return { kind: 'cron', text: text.trim(), fields: parseCronFields(cron[1] as string) };
    } catch (error) {
      if (error instanceof InvalidCronError) throw new InvalidScheduleError(`invalid cron expression: ${error.message}`);
      throw error;
    }
  }
  const rate = /^rate\((.*)\)$/s.exec(text.trim());
  if (rate !== null) {
    const match = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/.exec(rate[1] as string);
    if (match === null) throw new InvalidScheduleError(`invalid rate expression "${text}": write rate(N minutes|hours|days), e.g. rate(5 minutes)`);
    const n = Number(match[1]);
    const unit = match[2] as string;
    const singular = unit.replace(/s$/, '') as keyof typeof UNIT_MS;
    if (n < 1) throw new InvalidScheduleError(`invalid rate expression "${text}": the value must be at least 1`);
    if (n === 1 && unit !== singular) throw new InvalidScheduleError(`invalid rate expression "${text}": write rate(1 ${singular}) (singular for 1)`);
    if (n > 1 && unit === singular) throw new InvalidScheduleError(`invalid rate expression "${text}": write rate(${n} ${singular}s) (plural above 1)`);
    return { kind: 'rate', text: text.trim(), everyMs: n * UNIT_MS[singular] };
  }
  throw new InvalidScheduleError(`must be "cron(minutes hours day-of-month month day-of-week year)" or "rate(N minutes|hours|days)", got ${JSON.stringify(text)}`);
}

/**
 * A schedule from its expression and time zone.
 * @throws InvalidScheduleError for a bad expression or an unknown zone.
 */
export function parseSchedule(expression: unknown, timezone: unknown = 'UTC'): Schedule {
  const problem = timeZoneProblem(timezone);
  if (problem !== undefined) throw new InvalidScheduleError(`timezone ${problem}`);
  return { expression: parseScheduleExpression(expression), timezone: timezone as string };
}

/**
 * Fire times strictly after `afterMs`, earliest first, as long as the caller keeps taking them.
 * A rate fires at whole multiples of its period since the epoch (a deterministic grid, so a
 * restarted engine fires at the same instants); on AWS a rate counts from the schedule's creation.
 */
export function* firesAfter(schedule: Schedule, afterMs: number): Generator<number> {
  const { expression } = schedule;
  if (expression.kind === 'rate') {
    for (let t = (Math.floor(afterMs / expression.everyMs) + 1) * expression.everyMs; ; t += expression.everyMs) yield t;
  }
  yield* cronFires(expression.fields, schedule.timezone, afterMs, 1);
}

/** Fire times at or before `atOrBeforeMs`, latest first. */
export function* firesUpTo(schedule: Schedule, atOrBeforeMs: number): Generator<number> {
  const { expression } = schedule;
  if (expression.kind === 'rate') {
    for (let t = Math.floor(atOrBeforeMs / expression.everyMs) * expression.everyMs; t >= 0; t -= expression.everyMs) yield t;
    return;
  }
  yield* cronFires(expression.fields, schedule.timezone, atOrBeforeMs, -1);
}

/**
 * The next `n` fire times after `after`.
 * @example nextFireTimes(parseSchedule('cron(0 2 * * ? *)', 'Europe/Berlin'), new Date(clock.now()), 3)
 */
export function nextFireTimes(schedule: Schedule, after: Date, n: number): Date[] {
  const out: Date[] = [];
  if (n <= 0) return out;
  for (const t of firesAfter(schedule, after.getTime())) {
    out.push(new Date(t));
    if (out.length >= n) break;
  }
  return out;
}

/**
 * Walks local days from the day of `fromMs` (one day earlier, for zones whose date steps back at a
 * fall-back midnight) forwards (`direction` 1) or backwards (-1), yielding the instants of the
 * selected local times that lie after (forwards) or at-or-before (backwards) `fromMs`.
 */
function* cronFires(fields: CronFields, zone: string, fromMs: number, direction: 1 | -1): Generator<number> {
  const start = localTimeAt(fromMs - direction * 86_400_000, zone);
  const firstYear = fields.years[0] as number;
  const lastYear = fields.years[fields.years.length - 1] as number;
  const hours = direction === 1 ? fields.hours : [...fields.hours].reverse();
  const minutes = direction === 1 ? fields.minutes : [...fields.minutes].reverse();
  let { year, month, day } = start;
  for (;;) {
    if (direction === 1 ? year > lastYear : year < firstYear) return;
    if (!fields.years.includes(year) || !fields.months.has(month)) {
      // Skip to the first (or last) day of the next (or previous) month.
      [year, month] = direction === 1 ? (month === 12 ? [year + 1, 1] : [year, month + 1]) : month === 1 ? [year - 1, 12] : [year, month - 1];
      day = direction === 1 ? 1 : daysIn(year, month);
      continue;
    }
    if (selectsDay(fields.day, year, month, day)) {
      for (const hour of hours) {
        for (const minute of minutes) {
          const instant = instantOf({ year, month, day, hour, minute }, zone);
          if (instant === undefined) continue;
          if (direction === 1 ? instant > fromMs : instant <= fromMs) yield instant;
        }
      }
    }
    day += direction;
    if (day > daysIn(year, month)) [year, month, day] = month === 12 ? [year + 1, 1, 1] : [year, month + 1, 1];
    else if (day < 1) {
      [year, month] = month === 1 ? [year - 1, 12] : [year, month - 1];
      day = daysIn(year, month);
    }
  }
}
