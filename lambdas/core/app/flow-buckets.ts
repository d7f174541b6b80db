/**
 * Flow control's gates per (rule, key): `rateLimit` admissions, and the `throttle` and `concurrency` slots a trigger
 * takes before it starts, with the queue of triggers waiting for one (see docs/rules.md, "Flow control").
 */
import type { Trigger } from '../execution.js';
import type { FlowKey, FlowStart } from '../ports/flow-control.js';
import { queuePosition } from '../ports/flow-control.js';
import type { Rule } from '../rules/types.js';
import { updateState, type FlowControlDeps, type FlowDecision } from './flow-state.js';

type Slot = { kind: 'take' } | { kind: 'again' } | { kind: 'wait'; at?: number; full?: boolean };

const iso = (ms: number): string => new Date(ms).toISOString();
const within = (starts: FlowStart[] | undefined, periodMs: number, now: number): FlowStart[] => (starts ?? []).filter((s) => s.at > now - periodMs);
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/** The gates of every bucket; state lives in the store, so any number of instances (Lambdas) may share it. */
export class FlowBuckets {
  constructor(private readonly deps: Pick<FlowControlDeps, 'store' | 'wakeUps' | 'starter' | 'executions' | 'clock'>) {}

  /** `rateLimit`: whether the trigger is admitted (the same trigger routed again is admitted again). */
  admit(bucket: FlowKey, trigger: Trigger, { limit, periodMs }: { limit: number; periodMs: number }): Promise<boolean> {
    const name = trigger.executionName;
    return updateState(this.deps.store, bucket, (state) => {
      const now = this.deps.clock.now();
      const admitted = within(state.admitted, periodMs, now);
      if (admitted.some((a) => a.name === name)) return { result: true };
      if (admitted.length >= limit) return { result: false };
      state.admitted = [...admitted, { name, at: now }];
      return { state, result: true };
    });
  }

  /**
   * `throttle` and `concurrency`: starts the trigger when nothing waits before it and a slot is free; otherwise holds it
   * (`QUEUED`) in the bucket's queue, in event order.
   */
  async gate(bucket: FlowKey, rule: Rule, trigger: Trigger): Promise<FlowDecision> {
    const { store, executions, starter, clock } = this.deps;
    const [first] = await store.peek(bucket, 1);
    if (first === undefined || first.trigger.executionName === trigger.executionName) {
      const slot = await this.#take(bucket, rule, trigger.executionName);
      if (slot.kind !== 'wait') {
        const { alreadyStarted } = await starter.start(trigger);
        if (first !== undefined) await store.remove(bucket, [first.position]);
        return { kind: 'started', alreadyStarted };
      }
    }
    await executions.hold(trigger, iso(clock.now()));
    await store.enqueue(bucket, { position: queuePosition(trigger), trigger });
    // A slot may have opened between the look and the queueing: the queue is looked at once more.
    await this.drain(bucket, rule);
    const record = await executions.get(trigger.executionName);
    return record === undefined || record.status === 'QUEUED' ? { kind: 'queued' } : { kind: 'started', alreadyStarted: false };
  }

  /** Starts waiting triggers, oldest first, while slots are free; schedules a wake-up for the next throttle slot. */
  async drain(bucket: FlowKey, rule: Rule): Promise<void> {
    const { store, executions, starter, wakeUps } = this.deps;
    for (let round = 0; round < 100; round++) {
      const entries = await store.peek(bucket, 10);
      if (entries.length === 0) return;
      for (const entry of entries) {
        const name = entry.trigger.executionName;
        const record = await executions.get(name);
        // Started already (a drain stopped after the start), or dropped by cancelOn: it leaves the queue.
        if (record !== undefined && record.status !== 'QUEUED') {
          await store.remove(bucket, [entry.position]);
          continue;
        }
        const slot = await this.#take(bucket, rule, name);
        if (slot.kind === 'wait') {
          if (slot.at !== undefined) await wakeUps.schedule([{ ruleId: bucket.ruleId, key: bucket.key, dueAt: iso(slot.at) }]);
          return;
        }
        // Start first, then leave the queue: a crash between repeats the start under the same name, a no-op.
        await starter.start(entry.trigger);
        await store.remove(bucket, [entry.position]);
      }
    }
  }

  /** Frees an ended execution's concurrency slot. */
  free(bucket: FlowKey, name: string): Promise<void> {
    return updateState(this.deps.store, bucket, (state) => {
      if (!state.running?.includes(name)) return { result: undefined };
      state.running = state.running.filter((n) => n !== name);
      return { state, result: undefined };
    });
  }

  /** Takes a slot for `name` (again, when it holds one already); a full concurrency first frees slots of ended executions. */
  async #take(bucket: FlowKey, rule: Rule, name: string): Promise<Slot> {
    const { throttle, concurrency } = rule.flow ?? {};
    for (let attempt = 0; ; attempt++) {
      const slot = await updateState<Slot>(this.deps.store, bucket, (state) => {
        const now = this.deps.clock.now();
        const starts = throttle === undefined ? [] : within(state.starts, throttle.periodMs, now);
        if (starts.some((s) => s.name === name) || state.running?.includes(name)) return { result: { kind: 'again' } };
        if (throttle !== undefined && starts.length >= throttle.limit) return { result: { kind: 'wait', at: (starts[0] as FlowStart).at + throttle.periodMs } };
        if (concurrency !== undefined && (state.running?.length ?? 0) >= concurrency.limit) return { result: { kind: 'wait', full: true } };
        if (throttle !== undefined) state.starts = [...starts, { name, at: now }];
        if (concurrency !== undefined) state.running = [...(state.running ?? []), name];
        return { state, result: { kind: 'take' } };
      });
      if (slot.kind !== 'wait' || slot.full !== true || attempt > 0 || !(await this.#heal(bucket))) return slot;
    }
  }

  /** Frees slots held by executions that ended without freeing them (a crash at that moment); true when it freed any. */
  async #heal(bucket: FlowKey): Promise<boolean> {
    const running = (await this.deps.store.read(bucket))?.state.running ?? [];
    const ended: string[] = [];
    for (const name of running) {
      const record = await this.deps.executions.get(name);
      if (record !== undefined && ENDED.has(record.status)) ended.push(name);
    }
    if (ended.length === 0) return false;
    await updateState(this.deps.store, bucket, (state) => {
      state.running = (state.running ?? []).filter((n) => !ended.includes(n));
      return { state, result: undefined };
    });
    return true;
  }
}
