/**
 * Replay: which stored events a replay re-emits, to which workflows, under which execution names —
 * and the job's counters. The page that runs it is `app/replay-page.ts`; each home drives its pages.
 */
import { parseZonedInstant, type EngineEvent } from './envelope.js';
import { ValidationError, type ErrorDetail } from './errors.js';
import { planTriggers, type Trigger } from './execution.js';
import type { EventPosition } from './query.js';
import type { RuleSet } from './rules/types.js';

/** The source of replayed events on the bus; live ingestion ignores it, so a replay never loops. */
export const REPLAY_SOURCE = 'edwe.replay';
/** How many event ids a dry run reports. */
export const DRY_RUN_SAMPLE = 100;

export interface ReplayRequest {
  startTime: string;
  endTime: string;
  workflowId?: string;
  eventTypes?: string[];
  dryRun: boolean;
  /** Events emitted per second at most; unset: as fast as the bus takes them. */
  ratePerSecond?: number;
  /** `as-of-event`: each event is routed by the rules in force at its timestamp; unset: today's rules. */
  rules?: 'as-of-event';
}

export type ReplayStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** A replay job as `GET /replays/{id}` shows it; `cursor` is where a resumed step continues. */
export interface ReplayJob {
  replayId: string;
  status: ReplayStatus;
  request: ReplayRequest;
  /** Events in the window that the replay selects (routed to the workflow, of the types). */
  matched: number;
  /** Executions started (or PutEvents entries accepted) for the selected events. */
  emitted: number;
  failed: number;
  /** Events of the window read so far, selected or not. */
  scanned: number;
  /** The last (timestamp, id) read; the next page starts after it. */
  cursor?: EventPosition;
  /** First event ids selected (dry runs). */
  sample: string[];
  createdAt: string;
  finishedAt?: string;
  error?: string;
}

export interface ReplayContext {
  now: number;
  retentionDays: number;
  workflows: ReadonlySet<string>;
  ruleSet: RuleSet;
  /** Whether this home can replay with the rules of each event's time (it keeps the managed rules' changes). */
  rulesAsOfEvent?: boolean;
}

/** The slowest replay pace: one event every 100 seconds. Slower paces would sleep past any timer's range. */
export const MIN_REPLAY_RATE = 0.01;
/** The fastest requested pace (the home's own ceiling may be lower). */
export const MAX_REPLAY_RATE = 1_000_000;

/**
 * Validates a `POST /replays` body.
 * @throws ValidationError naming each problem: bad or reversed times, a window older than the
 * retention, an unknown workflow, types no rule listens to, a bad rate.
 */
export function parseReplayRequest(body: unknown, ctx: ReplayContext): ReplayRequest {
  const details: ErrorDetail[] = [];
  const input = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (input !== body) details.push({ path: '(body)', message: 'must be a JSON object' });
  for (const key of Object.keys(input)) {
    if (!['startTime', 'endTime', 'workflowId', 'eventTypes', 'dryRun', 'ratePerSecond', 'rules'].includes(key)) details.push({ path: key, message: 'unknown field' });
  }
  const time = (key: 'startTime' | 'endTime'): number | undefined => {
    const value = input[key];
    const parsed = parseZonedInstant(value);
    if (parsed === undefined) {
      details.push({ path: key, message: value === undefined ? 'required' : 'must be an ISO 8601 timestamp with a zone (Z or ±hh:mm) in the years 0000 to 9999' });
    }
    return parsed;
  };
  const start = time('startTime');
  const end = time('endTime');
  if (start !== undefined && end !== undefined && end <= start) details.push({ path: 'endTime', message: 'must be after startTime' });
  const oldest = ctx.now - ctx.retentionDays * 86_400_000;
  if (start !== undefined && start < oldest) {
    details.push({
      path: 'startTime',
      message: `is before the retention window (events are kept ${ctx.retentionDays} days; the oldest is ${new Date(oldest).toISOString()})`,
    });
  }
  const { workflowId, eventTypes, dryRun, ratePerSecond, rules } = input;
  if (rules !== undefined && rules !== 'current' && rules !== 'as-of-event') details.push({ path: 'rules', message: 'must be "current" or "as-of-event"' });
  if (rules === 'as-of-event' && ctx.rulesAsOfEvent !== true) details.push({ path: 'rules', message: '"as-of-event" is not available here: this home keeps no rule history' });
  if (workflowId !== undefined && (typeof workflowId !== 'string' || !ctx.workflows.has(workflowId))) {
    details.push({ path: 'workflowId', message: `unknown workflow ${JSON.stringify(workflowId)}` });
  }
  if (eventTypes !== undefined) {
    if (!Array.isArray(eventTypes) || eventTypes.length === 0 || !eventTypes.every((t) => typeof t === 'string' && t !== '')) {
      details.push({ path: 'eventTypes', message: 'must be a non-empty list of event types' });
    } else {
      for (const type of eventTypes as string[]) {
        if (!listensTo(ctx.ruleSet, type)) details.push({ path: 'eventTypes', message: `no rule listens to type "${type}"` });
      }
    }
  }
  if (dryRun !== undefined && typeof dryRun !== 'boolean') details.push({ path: 'dryRun', message: 'must be true or false' });
  if (ratePerSecond !== undefined && (typeof ratePerSecond !== 'number' || !(ratePerSecond >= MIN_REPLAY_RATE) || ratePerSecond > MAX_REPLAY_RATE)) {
    details.push({ path: 'ratePerSecond', message: `must be a number from ${MIN_REPLAY_RATE} to ${MAX_REPLAY_RATE} (events per second)` });
  }
  if (details.length > 0) throw new ValidationError(`Invalid replay: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  const request: ReplayRequest = { startTime: new Date(start as number).toISOString(), endTime: new Date(end as number).toISOString(), dryRun: dryRun === true };
  if (typeof workflowId === 'string') request.workflowId = workflowId;
  if (Array.isArray(eventTypes)) request.eventTypes = [...new Set(eventTypes as string[])];
  if (typeof ratePerSecond === 'number') request.ratePerSecond = ratePerSecond;
  if (rules === 'as-of-event') request.rules = 'as-of-event';
  return request;
}

function listensTo(ruleSet: RuleSet, type: string): boolean {
  return ruleSet.rules.some(
    (rule) => rule.eventType === '*' || rule.eventType === type || (Array.isArray(rule.eventType) && (rule.eventType.includes(type) || rule.eventType.includes('*'))),
  );
}

/**
 * The executions a replayed event starts: today's rules, narrowed to the workflow and types asked
 * for, each named with the replay id so it never collides with the original.
 */
export function replayTriggers(event: EngineEvent, request: ReplayRequest, ruleSet: RuleSet, replayId: string): Trigger[] {
  if (request.eventTypes !== undefined && !request.eventTypes.includes(event.type)) return [];
  const rules = ruleSet.route(event).filter((rule) => request.workflowId === undefined || rule.workflow === request.workflowId);
  return planTriggers(event, rules, replayId);
}

export function newReplayJob(replayId: string, request: ReplayRequest, createdAt: string): ReplayJob {
  return { replayId, status: 'running', request, matched: 0, emitted: 0, failed: 0, scanned: 0, sample: [], createdAt };
}

/** How far through the window a job is, from 0 to 1, by the timestamp it has reached. */
export function replayProgress(job: ReplayJob): number {
  if (job.status === 'completed') return 1;
  if (!job.cursor) return 0;
  const start = Date.parse(job.request.startTime);
  const span = Date.parse(job.request.endTime) - start;
  return Math.min(1, Math.max(0, (Date.parse(job.cursor.timestamp) - start) / span));
}

/** The API view of a job: status and counts, progress, and where it got to. */
export function replayView(job: ReplayJob): Record<string, unknown> {
  const { cursor, sample, request, ...rest } = job;
  return {
    ...rest,
    ...request,
    progress: Number(replayProgress(job).toFixed(4)),
    ...(cursor ? { lastTimestamp: cursor.timestamp } : {}),
    ...(request.dryRun ? { eventIds: sample } : {}),
  };
}

/** What a replayed event carries on the bus: where it goes, under which name, and where it came from. */
export type ReplayDetail = {
  workflowId: string;
  ruleId: string;
  executionName: string;
  /** The version of the rule that selected the event, when it has one, for the execution record. */
  ruleVersion?: number | string;
  /** The standard workflow input, with `replay: { replayId }`. */
  input: Trigger['input'];
  replay: { replayId: string; originalEventId: string };
};

/** A replayed event as the engine bus carries it (the fields of an EventBridge event a rule delivers). */
export type ReplayBusEntry = {
  source: typeof REPLAY_SOURCE;
  'detail-type': string;
  /** The original event's timestamp. */
  time: string;
  detail: ReplayDetail;
};

/**
 * A replay trigger as a bus entry addressed to one workflow: both homes put this on their bus, and
 * a per-workflow bus rule (`{source: [REPLAY_SOURCE], detail: {workflowId: [id]}}`) takes it.
 * @throws Error for a trigger that `replayTriggers` did not plan (it carries no replay id).
 */
export function replayBusEntry(trigger: Trigger): ReplayBusEntry {
  const { event, replay } = trigger.input;
  if (replay === undefined) throw new Error(`trigger ${trigger.executionName} is not a replay (its input has no replay id)`);
  return {
    source: REPLAY_SOURCE,
    'detail-type': event.type,
    time: event.timestamp,
    detail: {
      workflowId: trigger.workflowId,
      ruleId: trigger.ruleId,
      executionName: trigger.executionName,
      ...(trigger.ruleVersion === undefined ? {} : { ruleVersion: trigger.ruleVersion }),
      input: trigger.input,
      replay: { replayId: replay.replayId, originalEventId: event.id },
    },
  };
}
