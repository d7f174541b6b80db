/**
 * EventBridge Scheduler's cron grammar, `cron(minutes hours day-of-month month day-of-week year)`:
 * parsing (every problem named) and which local days, hours and minutes a parsed expression selects.
 */

/** Which days of a month a cron expression selects: by day of month or by day of week (the other field is `?`). */
export type DaySpec =
  | { by: 'month'; days: ReadonlySet<number> }
  | { by: 'last-day' }
  | { by: 'last-weekday' }
  | { by: 'nearest-weekday'; day: number }
  | { by: 'week'; weekdays: ReadonlySet<number> }
  | { by: 'last-of-month'; weekday: number }
  | { by: 'nth-of-month'; weekday: number; nth: number };

/** A parsed cron expression; weekdays are numbered as EventBridge does: 1 = Sunday … 7 = Saturday. */
export interface CronFields {
  minutes: readonly number[];
  hours: readonly number[];
  months: ReadonlySet<number>;
  years: readonly number[];
  day: DaySpec;
}

/** A cron expression that does not parse; `reason` says which field and why. */
export class InvalidCronError extends Error {
  override readonly name = 'InvalidCronError';
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MINUTE: FieldSpec = { label: 'minutes', min: 0, max: 59 };
const HOUR: FieldSpec = { label: 'hours', min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { label: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { label: 'month', min: 1, max: 12, names: MONTHS };
const DAY_OF_WEEK: FieldSpec = { label: 'day-of-week', min: 1, max: 7, names: WEEKDAYS };
const YEAR: FieldSpec = { label: 'year', min: 1970, max: 2199 };

const fail = (field: FieldSpec, text: string, why: string): never => {
  throw new InvalidCronError(`${field.label} "${text}": ${why}`);
};

function value(field: FieldSpec, text: string, whole: string): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) {
    const names = field.names === undefined ? '' : ` or ${field.names[0]}-${field.names[field.names.length - 1]}`;
    return fail(field, whole, `"${text}" is not a value (${field.min}-${field.max}${names})`);
  }
  const n = Number(text);
  if (n < field.min || n > field.max) fail(field, whole, `${n} is outside ${field.min}-${field.max}`);
  return n;
}

/** `*`, `a`, `a-b` (wrapping past the end, as `FRI-MON` does), each optionally `/step`; items joined by commas. */
function valueSet(field: FieldSpec, text: string, steps = true): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') fail(field, text, 'an empty item in the list');
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) fail(field, text, `"${item}" has two steps`);
    if (stepText !== undefined && !steps) fail(field, text, 'steps (/) are not allowed in this field');
    const step =
      stepText === undefined
        ? 1
        : /^\d+$/.test(stepText) && Number(stepText) > 0
          ? Number(stepText)
          : fail(field, text, `"${stepText}" is not a step (a whole number above 0)`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [field.min, field.max];
    else if (range?.includes('-') === true) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || a === undefined || b === undefined) return fail(field, text, `"${range}" is not a range`);
      [from, to] = [value(field, a, text), value(field, b, text)];
    } else {
      from = value(field, range ?? '', text);
      // `a/step` runs from a to the field's end; a lone `a` is just a.
      to = stepText === undefined ? from : field.max;
    }
    const span = to >= from ? to - from : to + (field.max - field.min + 1) - from;
    for (let i = 0; i <= span; i += step) out.add(((from - field.min + i) % (field.max - field.min + 1)) + field.min);
  }
  return out;
}

const sorted = (set: Set<number>): number[] => [...set].sort((a, b) => a - b);

function dayOfMonth(text: string): DaySpec | undefined {
  if (text === '?') return undefined;
  if (text === 'L') return { by: 'last-day' };
  if (text === 'LW') return { by: 'last-weekday' };
  const nearest = /^(\d+)W$/.exec(text);
  if (nearest !== null) return { by: 'nearest-weekday', day: value(DAY_OF_MONTH, nearest[1] as string, text) };
  if (/[LW]/i.test(text)) fail(DAY_OF_MONTH, text, 'L and W stand alone (L, LW, or a day followed by W such as 15W)');
  return { by: 'month', days: valueSet(DAY_OF_MONTH, text) };
}

function dayOfWeek(text: string): DaySpec | undefined {
  if (text === '?') return undefined;
  if (text === 'L') return { by: 'week', weekdays: new Set([7]) };
  const last = /^(\w+)L$/i.exec(text);
  if (last !== null) return { by: 'last-of-month', weekday: value(DAY_OF_WEEK, last[1] as string, text) };
  const nth = /^(\w+)#(\d+)$/.exec(text);
  if (nth !== null) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) fail(DAY_OF_WEEK, text, `#${n}: a month has a first to fifth of each weekday (#1-#5)`);
    return { by: 'nth-of-month', weekday: value(DAY_OF_WEEK, nth[1] as string, text), nth: n };
  }
  if (text.includes('#')) fail(DAY_OF_WEEK, text, '# takes one weekday and one number, alone in the field (e.g. 3#2, the second Tuesday)');
  if (/L/i.test(text.replace(/(SUN|MON|TUE|WED|THU|FRI|SAT)/gi, ''))) fail(DAY_OF_WEEK, text, 'L stands alone or after one weekday (e.g. 6L, the last Friday)');
  return { by: 'week', weekdays: valueSet(DAY_OF_WEEK, text, false) };
}

/**
 * Parses the six fields inside `cron(...)`.
 * @throws InvalidCronError naming the field at fault.
 * @example parseCronFields('0 2 * * ? *')
 */
export function parseCronFields(text: string): CronFields {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 6) throw new InvalidCronError(`a cron expression has six fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`);
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  const byMonth = dayOfMonth(dom);
  const byWeek = dayOfWeek(dow);
  if (byMonth !== undefined && byWeek !== undefined) throw new InvalidCronError('day-of-month and day-of-week cannot both be given: write ? in one of them');
  const day = byMonth ?? byWeek;
  if (day === undefined) throw new InvalidCronError('day-of-month and day-of-week cannot both be ?: give one of them (or * for every day)');
  return {
    minutes: sorted(valueSet(MINUTE, minutes)),
    hours: sorted(valueSet(HOUR, hours)),
    months: valueSet(MONTH, month),
    years: sorted(valueSet(YEAR, year)),
    day,
  };
}

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 1 = Sunday … 7 = Saturday. */
const weekdayOf = (year: number, month: number, day: number): number => new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
const isWeekday = (weekday: number): boolean => weekday >= 2 && weekday <= 6;

/** The weekday (Monday–Friday) nearest to `day` within its month, as `15W` selects it. */
function nearestWeekday(year: number, month: number, day: number): number | undefined {
  const last = daysIn(year, month);
  if (day > last) return undefined;
  const weekday = weekdayOf(year, month, day);
  if (weekday === 7) return day === 1 ? 3 : day - 1; // Saturday: Friday before, or Monday after when the 1st.
  if (weekday === 1) return day === last ? day - 2 : day + 1; // Sunday: Monday after, or Friday before when the last.
  return day;
}

/** Whether the expression selects this local date. */
export function selectsDay(spec: DaySpec, year: number, month: number, day: number): boolean {
  switch (spec.by) {
    case 'month':
      return spec.days.has(day);
    case 'last-day':
      return day === daysIn(year, month);
    case 'last-weekday': {
      let last = daysIn(year, month);
      while (!isWeekday(weekdayOf(year, month, last))) last--;
      return day === last;
    }
    case 'nearest-weekday':
      return nearestWeekday(year, month, spec.day) === day;
    case 'week':
      return spec.weekdays.has(weekdayOf(year, month, day));
    case 'last-of-month':
      return weekdayOf(year, month, day) === spec.weekday && day + 7 > daysIn(year, month);
    case 'nth-of-month':
      return weekdayOf(year, month, day) === spec.weekday && Math.ceil(day / 7) === spec.nth;
  }
}

export { daysIn };
