/**
 * The embedded stand-in for the engine's EventBridge bus: entries put on it are delivered to the
 * subscriptions whose EventBridge pattern they match (as bus rules deliver to their targets).
 */
import { compilePattern, type CompiledPattern } from '../core/index.js';

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
