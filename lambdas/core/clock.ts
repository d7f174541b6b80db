/** Time and identity, injected so that core stays deterministic under test. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface IdSource {
  /** A new unique, time-sortable event id. */
  newId(nowMs: number): string;
}
