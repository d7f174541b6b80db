/**
 * The sweeper: finds events stored but never routed — still unrouted some minutes after their
 * receipt, because the router crashed, gave up on their stream record, or never saw it — and routes
 * each through the router's own code, which marks it routed, so the next sweep does not see it
 * again. Every sweep of an event is counted; after `maxAttempts` failed sweeps the event is parked
 * and reported to the dead-letter queue, from where a redrive can ask for it to be routed by id.
 */
import type { Clock } from '../clock.js';
import type { EngineEvent } from '../envelope.js';
import { ValidationError } from '../errors.js';
import type { DeadLetterQueue } from '../ports/dead-letters.js';
import type { ClaimedEvent, RoutingMarks } from '../ports/events.js';

export interface UnroutedSweeperDeps {
  marks: Pick<RoutingMarks, 'unrouted' | 'claimSweep' | 'park'>;
  /** Routes the event and marks it routed (the router's `EventRouter.route`); `receivedAt` (ISO) when the store knows it. */
  route(event: EngineEvent, receivedAt?: string): Promise<unknown>;
  /** Where parked events are reported (the router's failure queue). */
  deadLetters: DeadLetterQueue;
  clock: Clock;
  /** How long after its receipt an unrouted event is the sweeper's. Default 10 minutes. */
  minAgeMs?: number;
  /** Events one sweep routes at most. Default 200. */
  maxEvents?: number;
  /** Sweeps of one event before it is parked. Default 3. */
  maxAttempts?: number;
  /** Told of each event whose routing failed in a sweep. */
  onFailed?: (eventId: string, attempts: number, error: unknown) => void;
}

export interface SweepReport {
  /** Unrouted events the store listed. */
  found: number;
  routed: string[];
  failed: string[];
  parked: string[];
  /** Listed, but routed (or expired) by the time the sweeper claimed them. */
  skipped: number;
  /** The sweep stopped at its deadline; the rest waits for the next one. */
  stoppedEarly: boolean;
}

export type RouteByIdOutcome = { eventId: string; outcome: 'routed' | 'not-pending' } | { eventId: string; outcome: 'failed'; error: string };

/**
 * @example const report = await new UnroutedSweeper({ marks, route, deadLetters }).sweep()
 */
export class UnroutedSweeper {
  private readonly clock: Clock;
  private readonly minAgeMs: number;
  private readonly maxEvents: number;
  private readonly maxAttempts: number;

  constructor(private readonly deps: UnroutedSweeperDeps) {
    this.clock = deps.clock;
    this.minAgeMs = deps.minAgeMs ?? 10 * 60_000;
    this.maxEvents = deps.maxEvents ?? 200;
    this.maxAttempts = deps.maxAttempts ?? 3;
  }

  /**
   * One sweep: every unrouted event older than `minAgeMs`, up to `maxEvents`, one at a time until `deadline` (epoch ms).
   * @throws RetryableError when the store or the dead-letter queue cannot be reached (the next sweep tries again).
   */
  async sweep(deadline = Number.POSITIVE_INFINITY): Promise<SweepReport> {
    const cutoff = new Date(this.clock.now() - this.minAgeMs).toISOString();
    const ids = await this.deps.marks.unrouted(cutoff, this.maxEvents);
    const report: SweepReport = { found: ids.length, routed: [], failed: [], parked: [], skipped: 0, stoppedEarly: false };
    for (const eventId of ids) {
      if (this.clock.now() >= deadline) {
        report.stoppedEarly = true;
        break;
      }
      let claimed: ClaimedEvent | undefined;
      try {
        claimed = await this.deps.marks.claimSweep(eventId);
      } catch (error) {
        if (!isUnreadable(error)) throw error;
        // The stored item holds no valid event: no sweep will ever route it.
        this.deps.onFailed?.(eventId, this.maxAttempts, error);
        report.failed.push(eventId);
        await this.park(eventId, this.maxAttempts, describe(error));
        report.parked.push(eventId);
        continue;
      }
      if (claimed === undefined) {
        report.skipped++;
        continue;
      }
      // A sweep that crashed after counting its attempt, before parking: park now.
      if (claimed.attempts > this.maxAttempts) {
        await this.park(eventId, claimed.attempts, 'an earlier sweep stopped before it could park the event');
        report.parked.push(eventId);
        continue;
      }
      try {
        await this.deps.route(claimed.event, claimed.receivedAt);
        report.routed.push(eventId);
      } catch (error) {
        this.deps.onFailed?.(eventId, claimed.attempts, error);
        report.failed.push(eventId);
        if (claimed.attempts >= this.maxAttempts) {
          await this.park(eventId, claimed.attempts, describe(error));
          report.parked.push(eventId);
        }
      }
    }
    return report;
  }

  /**
   * Routes these events now, whatever their age or attempts (a redrive): each one still unrouted is
   * routed and marked; one routed meanwhile (or expired) is `not-pending`; a failure is answered, not thrown.
   * @throws RetryableError when the store cannot be reached.
   */
  async routeByIds(eventIds: readonly string[]): Promise<RouteByIdOutcome[]> {
    const outcomes: RouteByIdOutcome[] = [];
    for (const eventId of eventIds) {
      let claimed: ClaimedEvent | undefined;
      try {
        claimed = await this.deps.marks.claimSweep(eventId);
      } catch (error) {
        if (!isUnreadable(error)) throw error;
        this.deps.onFailed?.(eventId, 0, error);
        outcomes.push({ eventId, outcome: 'failed', error: describe(error) });
        continue;
      }
      if (claimed === undefined) {
        outcomes.push({ eventId, outcome: 'not-pending' });
        continue;
      }
      try {
        await this.deps.route(claimed.event, claimed.receivedAt);
        outcomes.push({ eventId, outcome: 'routed' });
      } catch (error) {
        this.deps.onFailed?.(eventId, claimed.attempts, error);
        outcomes.push({ eventId, outcome: 'failed', error: describe(error) });
      }
    }
    return outcomes;
  }

  private async park(eventId: string, attempts: number, reason: string): Promise<void> {
    await this.deps.deadLetters.send({
      source: 'sweeper',
      reason: 'unroutable',
      message: `gave up routing event ${eventId} after ${attempts} sweeps: ${reason}`,
      details: [],
      record: { eventId, attempts },
    });
    // After the letter: a crash between the two leaves the event unrouted, to be parked (and reported) again.
    await this.deps.marks.park(eventId);
  }
}

/** A claim refused because the stored item holds no valid event (retrying cannot help). */
const isUnreadable = (error: unknown): boolean => error instanceof ValidationError;

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
