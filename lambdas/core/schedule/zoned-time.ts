/**
 * Wall-clock time in an IANA time zone, from the runtime's own zone data (`Intl.DateTimeFormat`):
 * a zone's offset at an instant, and the instant a local time names — none in a spring-forward gap,
 * the earlier of two in a fall-back hour.
 */

/** A local date and time in some zone; `month` 1–12, `day` 1–31. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

// IANA names are `Area/Location` (or `UTC`, `GMT`…); offsets such as `+01:00` are not zones EventBridge Scheduler takes.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

/** Why `zone` is not an IANA time zone this runtime knows, or `undefined` when it is one. */
export function timeZoneProblem(zone: unknown): string | undefined {
  if (typeof zone !== 'string' || !ZONE_NAME.test(zone)) return `must be an IANA time zone such as "Europe/Berlin" or "UTC", got ${JSON.stringify(zone)}`;
  try {
    formatter(zone);
    return undefined;
  } catch {
    return `unknown time zone ${JSON.stringify(zone)}; use an IANA name such as "Europe/Berlin" or "UTC"`;
  }
}

/** The local time at `instantMs` in `zone`, with seconds. */
export function localTimeAt(instantMs: number, zone: string): LocalTime & { second: number } {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(instantMs))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return {
    year: parts.year as number,
    month: parts.month as number,
    day: parts.day as number,
    hour: parts.hour as number,
    minute: parts.minute as number,
    second: parts.second as number,
  };
}

/** How far `zone` is ahead of UTC at `instantMs`, in milliseconds (whole seconds). */
export function offsetAt(instantMs: number, zone: string): number {
  const at = Math.floor(instantMs / 1000) * 1000;
  const local = localTimeAt(at, zone);
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) - at;
}

const HOURS_14 = 14 * 3_600_000;

/**
 * The instant at which the clocks of `zone` show `local`: `undefined` when they never do (the hour
 * skipped when clocks go forward), the earlier instant when they show it twice (clocks going back).
 * Assumes at most one offset change within 14 hours of the time, which every zone in use keeps to.
 */
export function instantOf(local: LocalTime, zone: string): number | undefined {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  let best: number | undefined;
  for (const offset of new Set([offsetAt(wall - HOURS_14, zone), offsetAt(wall + HOURS_14, zone)])) {
    const instant = wall - offset;
    if (offsetAt(instant, zone) === offset && (best === undefined || instant < best)) best = instant;
  }
  return best;
}
