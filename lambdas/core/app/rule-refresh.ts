/**
 * The rules a long-lived routing process holds when another process changes them (the AWS home: the
 * router, the sweeper and the fast path each keep a compiled set per container while the rules API
 * writes the State table). The set is checked at most once per refresh period, by one small read of
 * the managed layer's revision, and recompiled only when the revision moved: a change is in force
 * everywhere at most `refreshMs` after it was written (docs/rules.md, "Hot reload").
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../ports/observability.js';
import type { EngineEvent } from '../envelope.js';
import type { Rule, RuleSet } from '../rules/types.js';

/** How soon a failed read is tried again. */
const RETRY_MS = 1000;

/** The managed layer as the refresher sees it: a compiled set, and a refresh that reads the revision (and the rules when it moved). */
export interface RefreshableRules {
  readonly ruleSet: RuleSet;
  /** One small read when nothing changed; true when the set was recompiled. */
  refresh(): Promise<boolean>;
}

export interface RefreshingRuleSetDeps {
  /** The files layer (bundled): routed by until the managed layer is first read, and when it cannot be. */
  files: RuleSet;
  /** Opens the managed layer (reads it whole); called on the first check. */
  open: () => Promise<RefreshableRules>;
  clock: Clock;
  /** The longest a change may wait to be seen, in ms (`ruleRefreshSeconds` × 1000). */
  refreshMs: number;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * A `RuleSet` that stays within `refreshMs` of the managed layer. `route` is as fast as the compiled
 * set's; callers `await fresh()` before routing (per event is fine: between checks it is a clock read).
 * @example const rules = new RefreshingRuleSet({ files, open: () => RuleCatalog.open(deps), clock, refreshMs: 10_000 }); await rules.fresh(); rules.route(event)
 */
export class RefreshingRuleSet implements RuleSet {
  #current: RuleSet;
  #managed: RefreshableRules | undefined;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | undefined;

  constructor(private readonly deps: RefreshingRuleSetDeps) {
    this.#current = deps.files;
  }

  get rules(): readonly Rule[] {
    return this.#current.rules;
  }

  get disabled(): ReadonlySet<string> | undefined {
    return this.#current.disabled;
  }

  route(event: EngineEvent): Rule[] {
    return this.#current.route(event);
  }

  /**
   * Brings the set up to date when the last check is `refreshMs` old or older; concurrent callers share
   * one check. A failed read is logged and the set in hand kept (routing goes on); it is tried again a second later.
   */
  fresh(): Promise<void> {
    if (this.deps.clock.now() - this.#checkedAt < this.deps.refreshMs) return Promise.resolve();
    this.#pending ??= this.#check().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /**
   * Reads the managed layer now, whatever the period, and fails when it cannot: for a decision that must not rest on a
   * set up to `refreshMs` old (flow control ending the waiting triggers of a rule it does not find).
   * @throws whatever reading the rule store throws.
   */
  async confirm(): Promise<void> {
    await this.#pending;
    const started = this.deps.clock.now();
    if (this.#managed === undefined) this.#managed = await this.deps.open();
    else await this.#managed.refresh();
    this.#current = this.#managed.ruleSet;
    this.#checkedAt = started;
  }

  async #check(): Promise<void> {
    // The time before the read: a change written while it runs is caught by the next check, within the bound.
    const started = this.deps.clock.now();
    try {
      if (this.#managed === undefined) this.#managed = await this.deps.open();
      else await this.#managed.refresh();
      this.#current = this.#managed.ruleSet;
      this.#checkedAt = started;
    } catch (error) {
      // Tried again a second later (or at the next period, when shorter), not at every event.
      this.#checkedAt = started - this.deps.refreshMs + Math.min(RETRY_MS, this.deps.refreshMs);
      this.deps.logger?.warn('the managed rules could not be read; routing with the rules in hand', { error: String(error) });
    }
  }
}
