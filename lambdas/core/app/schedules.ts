/**
 * Scheduled triggers: each fire is an event (`schedule.fired` from `edwe.scheduler`, id
 * `<ruleId>@<scheduledTime>`) ingested like any other, so it is stored once, routed, counted and
 * replayable. AWS fires through EventBridge Scheduler (lib/schedules.ts); the embedded home ticks
 * `ScheduleRunner` from a timer, keeping each schedule's progress in `ScheduleState`.
 */
import type { Clock, IdSource } from '../clock.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { ScheduleState } from '../ports/schedule-state.js';
import type { Logger } from '../ports/observability.js';
import { MAX_CATCH_UP, SCHEDULE_FIRED, SCHEDULER_SOURCE, scheduleOf, type CatchUp } from '../rules/schedule.js';
import type { Rule } from '../rules/types.js';
import { firesAfter, firesUpTo, type Schedule } from '../schedule/index.js';
import { ingestEvent, type IngestDeps, type IngestResult } from './ingest.js';

/** How late a fire may be and still count as on time under `catchUp: none` (Scheduler's own precision is 60 s). */
export const ON_TIME_MS = 60_000;

/** A fire time as EventBridge Scheduler's `<aws.scheduler.scheduled-time>` writes it: ISO 8601 in UTC, whole seconds. */
export const scheduledTimeText = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The event a fire ingests. `idSuffix` defaults to the scheduled time (`manual-<ulid>` for a trigger). */
export function fireEventInput(rule: Pick<Rule, 'id' | 'data'>, scheduledMs: number, idSuffix = scheduledTimeText(scheduledMs)): Record<string, unknown> {
  const scheduledTime = scheduledTimeText(scheduledMs);
  return {
    id: `${rule.id}@${idSuffix}`,
    type: SCHEDULE_FIRED,
    source: SCHEDULER_SOURCE,
    timestamp: scheduledTime,
    data: { ruleId: rule.id, scheduledTime, ...(rule.data ?? {}) },
  };
}

/** The fires due at `nowMs` for a schedule last dealt with at `lastMs`, and the time it has then dealt with. */
export interface DueFires {
  /** Fire times to ingest, earliest first. */
  fire: number[];
  /** The latest fire time at or before now (fired or passed over), or `lastMs` when none is due. */
  through: number;
}

/**
 * What a schedule fires at `nowMs`: every fire time in (`lastMs`, `nowMs`] is due; `catchUp` decides
 * which of them fire — `none`: only the latest, and only when it is on time (within `ON_TIME_MS`);
 * `latest`: the latest; `all`: each, the latest `MAX_CATCH_UP` of them.
 */
export function dueFires(schedule: Schedule, catchUp: CatchUp, lastMs: number, nowMs: number): DueFires {
  const due: number[] = [];
  const keep = catchUp === 'all' ? MAX_CATCH_UP : 1;
  for (const t of firesUpTo(schedule, nowMs)) {
    if (t <= lastMs || due.length >= keep) break;
    due.push(t);
  }
  const latest = due[0];
  if (latest === undefined) return { fire: [], through: lastMs };
  if (catchUp === 'none' && nowMs - latest > ON_TIME_MS) return { fire: [], through: latest };
  return { fire: due.reverse(), through: latest };
}

/** The next `n` fire times of a schedule rule after `nowMs`, as ISO text; `undefined` for a rule without a schedule. */
export function nextFires(rule: Rule, nowMs: number, n = 3): string[] | undefined {
  const schedule = scheduleOf(rule);
  if (schedule === undefined) return undefined;
  const out: string[] = [];
  if (n <= 0) return out;
  for (const t of firesAfter(schedule, nowMs)) {
    out.push(scheduledTimeText(t));
    if (out.length >= n) break;
  }
  return out;
}

/**
 * What a rule's view adds for a schedule rule in both homes (`GET /rules`, `GET /rules/{id}`): its next three fire
 * times, as of the clock. Given to `RuleCatalog` as `describe`.
 */
export function scheduleView(clock: Clock): (rule: Rule) => { nextFires: string[] } | undefined {
  return (rule) => {
    const fires = nextFires(rule, clock.now(), 3);
    return fires === undefined ? undefined : { nextFires: fires };
  };
}

/** What running schedules needs. */
export interface ScheduleRunnerDeps {
  /** The rules, or where to read them as they change (the rule catalog's live set); the enabled ones with a `schedule` are run. */
  rules: readonly Rule[] | (() => readonly Rule[]);
  ingest: IngestDeps;
  state: ScheduleState;
  clock: Clock;
  /** For manual triggers' ids. */
  ids: IdSource;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

type RulesRead = { from: readonly Rule[]; byId: Map<string, Rule>; scheduled: Array<{ rule: Rule; schedule: Schedule }> };

/** Runs the schedule rules of one engine: fires what is due, and fires one now on request. */
export class ScheduleRunner {
  /** The rules last read, by id, and their schedules: read again when the rule set is another. */
  #read: RulesRead | undefined;
  /** The tick in progress: ticks run one after another, or two would read the same progress and fire twice. */
  #ticking: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ScheduleRunnerDeps) {}

  get #rules(): Map<string, Rule> {
    return this.#current().byId;
  }

  get #scheduled(): Array<{ rule: Rule; schedule: Schedule }> {
    return this.#current().scheduled;
  }

  #current(): RulesRead {
    const rules = typeof this.deps.rules === 'function' ? this.deps.rules() : this.deps.rules;
    if (this.#read?.from !== rules) {
      const scheduled = rules.flatMap((rule) => {
        const schedule = rule.enabled ? scheduleOf(rule) : undefined;
        return schedule === undefined ? [] : [{ rule, schedule }];
      });
      this.#read = { from: rules, byId: new Map(rules.map((rule) => [rule.id, rule])), scheduled };
    }
    return this.#read;
  }

  /** Whether any enabled rule has a schedule. */
  get active(): boolean {
    return this.#scheduled.length > 0;
  }

  /**
   * Fires every due fire of every schedule (see `dueFires`), each recorded once ingested, and answers
   * when the next fire is due (epoch ms), or `undefined` when no schedule will fire again. A schedule
   * seen for the first time starts from now: it does not fire for the time before it existed.
   */
  tick(): Promise<number | undefined> {
    const run = this.#ticking.then(
      () => this.#tickOnce(),
      () => this.#tickOnce(),
    );
    this.#ticking = run;
    return run;
  }

  async #tickOnce(): Promise<number | undefined> {
    let next: number | undefined;
    for (const { rule, schedule } of this.#scheduled) {
      const now = this.deps.clock.now();
      const last = await this.deps.state.lastFired(rule.id);
      let through = now;
      if (last === undefined) await this.deps.state.setLastFired(rule.id, now);
      else {
        const due = dueFires(schedule, rule.catchUp ?? 'latest', last, now);
        if (due.fire.length > 1 || (due.fire.length === 0 && due.through > last)) {
          this.deps.logger?.info('schedule catching up after downtime', { ruleId: rule.id, catchUp: rule.catchUp, firing: due.fire.length });
        }
        for (const t of due.fire) {
          await ingestEvent(fireEventInput(rule, t), this.deps.ingest);
          await this.deps.state.setLastFired(rule.id, t);
        }
        if (due.through > last) await this.deps.state.setLastFired(rule.id, due.through);
        through = Math.max(due.through, last);
      }
      const upcoming = firesAfter(schedule, through).next();
      if (!upcoming.done && (next === undefined || upcoming.value < next)) next = upcoming.value;
    }
    return next;
  }

  /** The next `n` fire times of a rule after now (this engine's clock), or `undefined` for a rule without a schedule. */
  nextFires(rule: Rule, n = 3): string[] | undefined {
    return nextFires(rule, this.deps.clock.now(), n);
  }

  /**
   * `POST /rules/{id}/trigger`: fires the rule's schedule once now, as event `<ruleId>@manual-<ulid>`.
   * @throws NotFoundError for an unknown rule; ConflictError for a rule without a schedule or a disabled one.
   */
  async trigger(ruleId: string): Promise<IngestResult> {
    return triggerSchedule(ruleId, this.#rules.get(ruleId), this.deps);
  }
}

/**
 * `POST /rules/{id}/trigger` in either home: ingests one fire of the rule's schedule now, as event `<ruleId>@manual-<ulid>`.
 * @throws NotFoundError for an unknown rule (`rule` undefined); ConflictError for a rule without a schedule or a disabled one.
 * @example await triggerSchedule('nightly-report', rules.get('nightly-report'), { ingest, clock, ids })
 */
export function triggerSchedule(ruleId: string, rule: Rule | undefined, deps: Pick<ScheduleRunnerDeps, 'ingest' | 'clock' | 'ids'>): Promise<IngestResult> {
  if (rule === undefined) throw new NotFoundError(`No rule "${ruleId}"`);
  if (rule.schedule === undefined) throw new ConflictError(`Rule "${ruleId}" has no schedule; only a schedule rule can be triggered`);
  if (!rule.enabled) throw new ConflictError(`Rule "${ruleId}" is disabled; enable it to trigger it`);
  const now = deps.clock.now();
  return ingestEvent(fireEventInput(rule, now, `manual-${deps.ids.newId(now)}`), deps.ingest);
}
