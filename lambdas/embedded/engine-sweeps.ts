/**
 * The embedded engine's sweeps for events stored but not routed: once at start (what a killed
 * process left) and every `SWEEP_INTERVAL_MS` while it runs (a routing step that failed — a full
 * disk, a lock held too long — is retried without waiting for a restart).
 */
import { UnroutedSweeper, type UnroutedSweeperDeps, type Logger } from '../core/index.js';

/** Unrouted events one sweep takes at a time. */
const SWEEP_PAGE = 500;
/** How often the running engine sweeps. */
export const SWEEP_INTERVAL_MS = 30_000;
/** How old an event must be for the periodic sweep: older than any batch the change feed may still be routing, so the two never race. */
const SWEEP_MIN_AGE_MS = 30_000;

export class EngineSweeps {
  readonly #startup: UnroutedSweeper;
  readonly #periodic: UnroutedSweeper;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    deps: Omit<UnroutedSweeperDeps, 'minAgeMs' | 'maxEvents'>,
    private readonly logger: Logger,
  ) {
    this.#startup = new UnroutedSweeper({ ...deps, maxEvents: SWEEP_PAGE, minAgeMs: 0 });
    this.#periodic = new UnroutedSweeper({ ...deps, maxEvents: SWEEP_PAGE, minAgeMs: SWEEP_MIN_AGE_MS });
  }

  /** The start-up sweep: everything unrouted, whatever its age. */
  startup(): Promise<void> {
    return this.#sweep(this.#startup);
  }

  /** Starts the periodic sweep (the timer does not keep the process alive). */
  start(): void {
    this.#timer = setInterval(() => void this.now(), SWEEP_INTERVAL_MS).unref();
  }

  /** Sweeps now for events older than the feed's work; one sweep at a time. */
  now(): Promise<void> {
    this.#running ??= this.#sweep(this.#periodic)
      .catch((error: unknown) => this.logger.error('the periodic sweep failed', { error: String(error) }))
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  /** Sweeps page by page until a sweep finds fewer than a page: each event is routed by the router's own code. */
  async #sweep(sweeper: UnroutedSweeper): Promise<void> {
    for (;;) {
      const { found, routed, failed, parked } = await sweeper.sweep();
      if (found > 0) this.logger.info('sweeper found unrouted events', { found, routed: routed.length, failed: failed.length, parked: parked.length });
      if (found < SWEEP_PAGE || routed.length === 0) return;
    }
  }
}
