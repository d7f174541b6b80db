/**
 * Scheduled rules (`schedule:` instead of `eventType:`): their fields, read from YAML where they are
 * written, and the pattern they compile to — a schedule rule matches exactly its own fires, so the
 * router needs no special case. See docs/rules.md, Schedules.
 */
import { InvalidScheduleError, parseSchedule, parseScheduleExpression, timeZoneProblem, type Schedule } from '../schedule/index.js';
import { type Entry, type KeySpec, readValue, show } from './yaml-nodes.js';
import type { NodeReader } from './yaml-nodes.js';

/** The type of every event a schedule fires. */
export const SCHEDULE_FIRED = 'schedule.fired';
/** The source of every event a schedule fires. */
export const SCHEDULER_SOURCE = 'edwe.scheduler';

/** What to fire after the engine was down over fire times (embedded): nothing, the latest missed one, or each (at most `MAX_CATCH_UP`). */
export const CATCH_UP_MODES = ['none', 'latest', 'all'] as const;
export type CatchUp = (typeof CATCH_UP_MODES)[number];
/** The default: a nightly job missed while the engine was down runs once when it is back. */
export const DEFAULT_CATCH_UP: CatchUp = 'latest';
/** `catchUp: all` fires at most this many missed times (the latest ones); a long outage does not flood the engine. */
export const MAX_CATCH_UP = 100;

/** A rule's schedule fields (all set on a schedule rule, none on others). */
export interface ScheduleFields {
  /** `cron(min hour day-of-month month day-of-week year)` or `rate(N minutes|hours|days)`, as EventBridge Scheduler takes it. */
  schedule?: string;
  /** The IANA zone the cron fields are read in; default `UTC`. */
  timezone?: string;
  /** After downtime (embedded): `none`, `latest` (default) or `all` (bounded by `MAX_CATCH_UP`). */
  catchUp?: CatchUp;
  /** Merged into each fire's `data`, after `ruleId` and `scheduledTime`. */
  data?: Record<string, unknown>;
}

/** The YAML keys of a schedule rule, for the rule reader's key list. */
export const SCHEDULE_KEYS: readonly KeySpec[] = [
  { name: 'schedule' },
  { name: 'timezone', aliases: ['timeZone'] },
  { name: 'catchUp', aliases: ['catch_up'] },
  { name: 'data' },
];

/** Keys a schedule rule cannot have: what it matches is fixed by its schedule. */
const EXCLUSIVE = ['eventType', 'all', 'within', 'pattern'];

/** The pattern a schedule rule compiles to: its own fires and nothing else. */
export const schedulePattern = (ruleId: string): Record<string, unknown> => ({ source: [SCHEDULER_SOURCE], data: { ruleId: [ruleId] } });

/**
 * Reads the schedule keys of a rule; `undefined` when it has no `schedule` (then the other keys are
 * errors), the fields otherwise. Problems are recorded at the value they concern.
 */
export function readScheduleFields(r: NodeReader, keys: Map<string, Entry>, where: string): ScheduleFields | undefined {
  const scheduleEntry = keys.get('schedule');
  if (scheduleEntry === undefined) {
    for (const name of ['timezone', 'catchUp', 'data']) {
      const entry = keys.get(name);
      if (entry !== undefined) r.at(entry.keyNode, `${where}: "${name}" goes with "schedule" (a cron or rate expression)`, name);
    }
    return undefined;
  }
  for (const name of EXCLUSIVE) {
    const entry = keys.get(name);
    if (entry !== undefined) r.at(entry.keyNode, `${where}: a rule with "schedule" fires on its schedule; leave out "${name}"`, name);
  }
  const schedule = readValue<string>(r, scheduleEntry, where, (v) => problemOf(() => parseScheduleExpression(v)));
  const timezoneEntry = keys.get('timezone');
  const timezone = timezoneEntry === undefined ? 'UTC' : readValue<string>(r, timezoneEntry, where, timeZoneProblem);
  const catchUpEntry = keys.get('catchUp');
  const catchUp =
    catchUpEntry === undefined
      ? DEFAULT_CATCH_UP
      : readValue<CatchUp>(r, catchUpEntry, where, (v) => (CATCH_UP_MODES.includes(v as CatchUp) ? undefined : `must be one of none, latest, all, got ${show(v)}`));
  const dataEntry = keys.get('data');
  const data =
    dataEntry === undefined
      ? undefined
      : readValue<Record<string, unknown>>(r, dataEntry, where, (v) =>
          typeof v === 'object' && v !== null && !Array.isArray(v)
            ? 'ruleId' in v || 'scheduledTime' in v
              ? 'must not set ruleId or scheduledTime (each fire sets them)'
              : undefined
            : `must be a mapping, got ${show(v)}`,
        );
  if (schedule === undefined || timezone === undefined || catchUp === undefined || (dataEntry !== undefined && data === undefined)) return undefined;
  const fields: ScheduleFields = { schedule: schedule.trim(), timezone, catchUp };
  if (data !== undefined) fields.data = data;
  return fields;
}

const problemOf = (parse: () => unknown): string | undefined => {
  try {
    parse();
    return undefined;
  } catch (error) {
    if (error instanceof InvalidScheduleError) return error.message;
    throw error;
  }
};

/** The parsed schedule of a schedule rule, `undefined` for other rules. */
export function scheduleOf(rule: ScheduleFields): Schedule | undefined {
  return rule.schedule === undefined ? undefined : parseSchedule(rule.schedule, rule.timezone ?? 'UTC');
}
