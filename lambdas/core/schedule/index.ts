/** Schedules: EventBridge Scheduler's cron and rate expressions, in a time zone, and when they fire. */
export { InvalidCronError, parseCronFields, type CronFields, type DaySpec } from './cron.js';
export {
  firesAfter,
  firesUpTo,
  InvalidScheduleError,
  nextFireTimes,
  parseSchedule,
  parseScheduleExpression,
  type Schedule,
  type ScheduleExpression,
} from './schedule-expression.js';
export { instantOf, localTimeAt, offsetAt, timeZoneProblem, type LocalTime } from './zoned-time.js';
