/** Where a home that runs schedules itself (embedded) keeps each schedule's progress, so a restart neither repeats nor loses fires. */

/** The last fire time a schedule has dealt with (fired, or passed over by its catch-up policy), per rule id. */
export interface ScheduleState {
  /** Epoch ms, or `undefined` for a schedule never seen. */
  lastFired(ruleId: string): Promise<number | undefined>;
  /** Records that every fire up to `firedMs` is dealt with; durable once resolved. */
  setLastFired(ruleId: string, firedMs: number): Promise<void>;
}
