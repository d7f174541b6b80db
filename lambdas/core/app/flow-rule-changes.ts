/**
 * Flow control when a rule changes or goes while triggers wait (see docs/rules.md, "Rules changed while triggers wait"):
 * the key path each rule version read, so that an execution's end finds the bucket it took its slot in after the rule's
 * key changed; and the end of everything waiting in a bucket whose rule was deleted or disabled.
 */
import type { FlowKey } from '../ports/flow-control.js';
import type { Rule } from '../rules/types.js';
import { updateState, type FlowControlDeps } from './flow-state.js';
import { batchStorage } from './flow-windows.js';

/** The error a waiting trigger of a deleted or disabled rule ends with (its cause says which). */
export const RULE_REMOVED_ERROR = 'edwe.RuleRemoved';

/** How many waiting triggers one look at a queue takes. */
const PAGE = 25;

/** Where a rule version's key path is kept: beside the rule's buckets, under a key no event's value takes (those are `v:…` or `none`). */
const keyPathDocument = (ruleId: string, version: number | string): FlowKey => ({ ruleId, key: `keypath:${String(version)}` });

/**
 * FlowControl's part for rules that change: it keeps each concurrency rule version's key and ends a gone rule's buckets.
 * @example await new FlowRuleChanges(deps, (eventId, ruleId) => noteSkip(eventId, ruleId)).retire({ ruleId, key }, 'rule deleted')
 */
export class FlowRuleChanges {
  /** Key paths by `ruleId`, NUL, version: a version's never changes, so what was read or written once is known (absent: `null`). */
  readonly #keyPaths = new Map<string, string | null>();

  constructor(
    private readonly deps: Pick<FlowControlDeps, 'store' | 'executions' | 'clock'>,
    private readonly skip: (eventId: string, ruleId: string) => Promise<void>,
  ) {}

  /**
   * Keeps the key path of a rule version with `concurrency` (one read, and one write the first time, per version and
   * process). Only concurrency needs it: its waiting triggers start on an execution's end, which must find their bucket
   * by the key the execution's rule version read; the other fields' waiting triggers have wake-ups that name their bucket.
   */
  async note(rule: Rule): Promise<void> {
    if (rule.version === undefined || rule.flow?.concurrency === undefined) return;
    const id = `${rule.id}\u0000${String(rule.version)}`;
    const keyPath = rule.flow.key;
    if (this.#keyPaths.get(id) === keyPath) return;
    await updateState(this.deps.store, keyPathDocument(rule.id, rule.version), (state) =>
      state.keyPath === keyPath ? { result: undefined } : { state: { keyPath }, result: undefined },
    );
    this.#keyPaths.set(id, keyPath);
  }

  /** The key path a rule version read, when it was kept (the version had `concurrency`). */
  async keyPathOf(ruleId: string, version: number | string): Promise<string | undefined> {
    const id = `${ruleId}\u0000${String(version)}`;
    let keyPath = this.#keyPaths.get(id);
    if (keyPath === undefined) {
      // Kept before the version's first trigger was offered, so absent now is absent for good.
      keyPath = (await this.deps.store.read(keyPathDocument(ruleId, version)))?.state.keyPath ?? null;
      this.#keyPaths.set(id, keyPath);
    }
    return keyPath ?? undefined;
  }

  /**
   * Ends everything waiting in a bucket whose rule was deleted or disabled: the open window's record and each queued
   * trigger's end `ABORTED` with `cause` (`rule deleted`, `rule disabled`), each of their events noted skipped
   * (`rule_removed`); then they leave the queues and the window closes. A record no longer `QUEUED` (started, stopped)
   * is left as it is. Repeating it after a crash ends nothing twice.
   */
  async retire(bucket: FlowKey, cause: string): Promise<void> {
    const { store } = this.deps;
    const ended = new Map<string, boolean>();
    const end = async (name: string, eventId: string): Promise<void> => {
      let done = ended.get(name);
      if (done === undefined) ended.set(name, (done = await this.#end(name, cause)));
      if (done) await this.skip(eventId, bucket.ruleId);
    };
    const window = (await store.read(bucket))?.state.window;
    if (window?.last !== undefined) await end(window.name, window.last.input.event.id);
    // A batch's events wait beside the bucket under their window's name; throttle and concurrency triggers in its queue.
    for (const queue of [batchStorage(bucket), bucket]) {
      for (;;) {
        const entries = await store.peek(queue, PAGE);
        if (entries.length === 0) break;
        for (const entry of entries) await end(entry.window ?? entry.trigger.executionName, entry.trigger.input.event.id);
        await store.remove(
          queue,
          entries.map((e) => e.position),
        );
      }
    }
    if (window !== undefined) {
      await updateState(store, bucket, (state) => {
        if (state.window?.name !== window.name) return { result: undefined };
        delete state.window;
        return { state, result: undefined };
      });
    }
  }

  /** Ends a `QUEUED` record; false when it is not one (any more). */
  async #end(name: string, cause: string): Promise<boolean> {
    const { executions, clock } = this.deps;
    // Conditional: a start that made the record RUNNING a moment ago wins, and that execution runs on.
    const stoppedAt = new Date(clock.now()).toISOString();
    return executions.finishIfQueued(name, { status: 'ABORTED', stoppedAt, error: { error: RULE_REMOVED_ERROR, cause } });
  }
}
