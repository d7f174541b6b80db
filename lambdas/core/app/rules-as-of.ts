/**
 * The rules in force at any moment, for a replay `"rules": "as-of-event"`: the files layer (as deployed now; git
 * holds its past) with the managed layer as its recorded changes say it stood at each event's timestamp. One
 * compiled set per stretch between two changes, built when an event first falls in it.
 */
import type { RuleStore, RuleVersion } from '../ports/rules.js';
import { rulesAsOf } from '../ports/rules.js';
import type { Rule, RuleSet } from '../rules/types.js';
import { compileManaged, managedRule, type RuleDocumentReader } from './managed-rules.js';

/** Picks the rule set for an event's timestamp. */
export interface RuleSetsAsOf {
  ruleSetAt(time: string): RuleSet;
}

/**
 * @example const asOf = await RulesAsOf.load(store, project.rules, workflows, request.endTime); asOf.ruleSetAt(event.timestamp).route(event)
 */
export class RulesAsOf implements RuleSetsAsOf {
  readonly #sets = new Map<number, RuleSet>();
  readonly #times: string[];

  private constructor(
    private readonly changes: readonly RuleVersion[],
    private readonly files: readonly Rule[],
    private readonly workflows: { has(id: string): boolean },
    private readonly reader: RuleDocumentReader | undefined,
  ) {
    this.#times = changes.map((change) => change.changedAt);
  }

  /**
   * Reads the managed layer's changes up to `until` once. Each version routes by its read form; `reader` reads the
   * documents of versions stored without one (see `managedRule`), which are otherwise left out.
   */
  static async load(
    store: Pick<RuleStore, 'changes'>,
    files: readonly Rule[],
    workflows: { has(id: string): boolean },
    until: string,
    reader?: RuleDocumentReader,
  ): Promise<RulesAsOf> {
    const changes = [...(await store.changes(until))].sort((a, b) => (a.changedAt < b.changedAt ? -1 : a.changedAt > b.changedAt ? 1 : a.revision - b.revision));
    return new RulesAsOf(changes, files, workflows, reader);
  }

  /** The set in force at `time` (ISO): every change at or before it applied. */
  ruleSetAt(time: string): RuleSet {
    // How many changes had happened by `time`: the stretch the set belongs to.
    let low = 0;
    let high = this.#times.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.#times[mid] as string) <= time) low = mid + 1;
      else high = mid;
    }
    let set = this.#sets.get(low);
    if (set === undefined) {
      set = this.#compile(this.changes.slice(0, low), time);
      this.#sets.set(low, set);
    }
    return set;
  }

  #compile(changes: readonly RuleVersion[], time: string): RuleSet {
    const files = new Set(this.files.map((rule) => rule.id));
    const managed = rulesAsOf(changes, time).flatMap((version): Rule[] => {
      if (files.has(version.id)) return [];
      try {
        return [managedRule(version, this.workflows, this.reader)];
      } catch {
        // A version that no longer holds (its workflow is gone, or it cannot be read here) routes nothing, as the live set leaves it out.
        return [];
      }
    });
    // A version that does not compile routes nothing, as the live set leaves it out.
    return compileManaged(this.files, managed, () => undefined);
  }
}
