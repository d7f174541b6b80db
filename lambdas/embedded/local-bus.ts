/**
 * The embedded stand-in for the engine's EventBridge bus: entries put on it are delivered to the
 * subscriptions whose EventBridge pattern they match (as bus rules deliver to their targets).
 */
import { compilePattern, type CompiledPattern, type EmitResult, type ReplayBusEntry, type ReplayEmitter } from '../core/index.js';

/** An entry as EventBridge delivers it to a rule's target. */
export interface BusEntry {
  source: string;
  'detail-type': string;
  time: string;
  detail: Record<string, unknown>;
}

interface Subscription {
  pattern: CompiledPattern;
  deliver: (entry: BusEntry) => void;
}

export class LocalBus {
  readonly #subscriptions: Subscription[] = [];

  /** Like a bus rule: `pattern` is an EventBridge event pattern over the entry. */
  subscribe(pattern: Record<string, unknown>, deliver: (entry: BusEntry) => void): void {
    this.#subscriptions.push({ pattern: compilePattern(pattern), deliver });
  }

  /** Delivers the entry to every matching subscription; returns how many took it. */
  put(entry: BusEntry): number {
    let delivered = 0;
    for (const subscription of this.#subscriptions) {
      if (!subscription.pattern.matches(entry)) continue;
      subscription.deliver(entry);
      delivered++;
    }
    return delivered;
  }
}

/** The error code of an entry no subscription took. */
export const NO_SUBSCRIPTION = 'NoSubscription';

/**
 * `ReplayEmitter` on the local bus. An entry no subscription takes is refused (`NoSubscription`):
 * nothing would start its workflow. A subscription that throws fails the whole call, as an
 * engine fault rather than a refused entry.
 * @example const { emitted, refused } = await new LocalBusReplayEmitter(bus).emit(entries)
 */
export class LocalBusReplayEmitter implements ReplayEmitter {
  /** A call costs nothing but its deliveries: a page's whole batch goes in one. */
  readonly maxEntriesPerCall = 500;

  constructor(private readonly bus: LocalBus) {}

  async emit(entries: readonly ReplayBusEntry[]): Promise<EmitResult> {
    const result: EmitResult = { emitted: 0, refused: [], calls: entries.length === 0 ? 0 : 1 };
    for (const entry of entries) {
      if (this.bus.put(entry) > 0) result.emitted++;
      else result.refused.push({ entry, code: NO_SUBSCRIPTION, message: `no subscription on the bus takes entries for workflow "${entry.detail.workflowId}"` });
    }
    return result;
  }
}
