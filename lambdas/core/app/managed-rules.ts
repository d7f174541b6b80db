/**
 * The merged rule set as routing holds it: the files layer plus the managed layer (the `RuleStore`), compiled from
 * each managed rule's read form (`StoredRule.read`), so that a routing function reads no document again. The rules
 * API's catalog (rule-catalog.ts) keeps one of these and applies its writes to it.
 */
import { ValidationError } from '../errors.js';
import type { Logger } from '../ports/observability.js';
import type { RuleDocument, RuleStore, StoredRule } from '../ports/rules.js';
import { filesRuleVersion } from '../rules/rule-as-document.js';
import type { RuleDocumentContext } from '../rules/rule-document.js';
import { compileRules } from '../rules/rule-set.js';
import type { Rule, RuleSet } from '../rules/types.js';

/** Reads a rule document as the rules API does (`readRuleDocument`), for versions stored without their read form. */
export type RuleDocumentReader = (id: string, document: RuleDocument, context: RuleDocumentContext) => { rule: Rule };

/**
 * The rule a stored version routes by: its read form, checked against the workflows deployed now. A version stored
 * without one (written before read forms were kept) is read from its document by `reader` where one is given (the
 * embedded engine, the rules API); elsewhere (the routing functions on AWS) it fails, and the caller leaves it out.
 * @throws ValidationError when the rule no longer holds or cannot be read here.
 */
export function managedRule(stored: Pick<StoredRule, 'id' | 'rule' | 'read' | 'version'>, workflows: { has(id: string): boolean }, reader?: RuleDocumentReader): Rule {
  if (stored.read === undefined) {
    if (reader === undefined) {
      throw new ValidationError(
        `Rule "${stored.id}" version ${stored.version} was stored without its read form, which this function needs: write it again (PUT /rules/${stored.id}, or edwe rules apply)`,
      );
    }
    return { ...reader(stored.id, stored.rule, { workflows }).rule, version: stored.version };
  }
  if (!workflows.has(stored.read.workflow)) {
    throw new ValidationError(`Rule "${stored.id}": no workflow "${stored.read.workflow}" is deployed`, [
      { path: 'workflow', message: `no workflow "${stored.read.workflow}" is deployed` },
    ]);
  }
  return { ...stored.read, version: stored.version };
}

/**
 * The files layer and the managed rules compiled into one set. A read form is trusted as stored, so one that no longer
 * compiles (a pattern a later matcher refuses, a record edited by hand) is found and left out, each reported to
 * `leftOut`, rather than failing the whole set; the search costs nothing while every rule compiles.
 * @throws whatever compiling the files layer alone throws.
 */
export function compileManaged(files: readonly Rule[], managed: readonly Rule[], leftOut: (rule: Rule, error: unknown) => void): RuleSet {
  try {
    return compileRules([...files, ...managed]);
  } catch {
    const compiling = managed.filter((rule) => {
      try {
        compileRules([rule]);
        return true;
      } catch (error) {
        leftOut(rule, error);
        return false;
      }
    });
    return compileRules([...files, ...compiling]);
  }
}

/** A rule set whose rules can be replaced while events are routed through it: each `route` uses one set whole. */
export class LiveRuleSet implements RuleSet {
  constructor(private current: RuleSet) {}
  get rules(): readonly Rule[] {
    return this.current.rules;
  }
  get disabled(): ReadonlySet<string> | undefined {
    return this.current.disabled;
  }
  route(event: Parameters<RuleSet['route']>[0]): Rule[] {
    return this.current.route(event);
  }
  swap(next: RuleSet): void {
    this.current = next;
  }
}

export interface ManagedRulesDeps {
  store: Pick<RuleStore, 'list' | 'revision'>;
  /** The files layer, as loaded at start (or bundled). */
  files: readonly Rule[];
  workflows: { has(id: string): boolean };
  /** Reads a stored document that has no read form; without it such a rule is left out, with a warning. */
  reader?: RuleDocumentReader;
  logger?: Pick<Logger, 'warn'>;
}

/** A managed rule as stored and as compiled (`undefined`: left out of routing, see `managedRule`). */
export interface ManagedEntry {
  stored: StoredRule;
  rule: Rule | undefined;
}

/**
 * @example const rules = await ManagedRules.open({ store, files, workflows }); await rules.refresh(); rules.ruleSet.route(event)
 */
export class ManagedRules {
  /** The merged, compiled set; the same object for this holder's life, its content swapped on every change. */
  readonly ruleSet: LiveRuleSet;
  /** The files layer by id, each with its version (a digest). */
  readonly files: ReadonlyMap<string, Rule>;
  readonly #managed = new Map<string, ManagedEntry>();
  #revision = 0;

  constructor(private readonly deps: ManagedRulesDeps) {
    this.files = new Map(deps.files.map((rule) => [rule.id, { ...rule, version: rule.version ?? filesRuleVersion(rule) }]));
    this.ruleSet = new LiveRuleSet(compileRules([...this.files.values()]));
  }

  /** Loads the managed layer and compiles the merged set. */
  static async open(deps: ManagedRulesDeps): Promise<ManagedRules> {
    const rules = new ManagedRules(deps);
    await rules.reload();
    return rules;
  }

  /** The managed layer's revision the live set was compiled from. */
  get revision(): number {
    return this.#revision;
  }

  /** The live managed rules (no tombstones), files rules' ids included when a managed rule shares one. */
  entries(): IterableIterator<ManagedEntry> {
    return this.#managed.values();
  }

  /** One live managed rule, as this holder last read or wrote it. */
  entry(id: string): ManagedEntry | undefined {
    return this.#managed.get(id);
  }

  /** Re-reads the managed layer when its revision moved (one small read otherwise); true when the set changed. */
  async refresh(): Promise<boolean> {
    if ((await this.deps.store.revision()) === this.#revision) return false;
    await this.reload();
    return true;
  }

  /** Reads the whole managed layer and compiles the merged set; unchanged rules keep their compiled form. */
  async reload(): Promise<void> {
    const { rules, revision } = await this.deps.store.list();
    const live = new Set(rules.map((r) => r.id));
    for (const id of [...this.#managed.keys()]) if (!live.has(id)) this.#managed.delete(id);
    for (const stored of rules) this.#remember(stored);
    this.#revision = revision;
    this.#compile();
  }

  /** Applies a write made through this process; a newer record of the same rule (another writer's) is not overwritten. */
  apply(stored: StoredRule, revision: number): void {
    const known = this.#managed.get(stored.id)?.stored;
    if (known !== undefined && known.version > stored.version) return;
    if (stored.deleted) this.#managed.delete(stored.id);
    else this.#remember(stored);
    this.#revision = Math.max(this.#revision, revision);
    this.#compile();
  }

  #remember(stored: StoredRule): void {
    const known = this.#managed.get(stored.id);
    if (known !== undefined && known.stored.version === stored.version) return;
    this.#managed.set(stored.id, { stored, rule: this.#compileOne(stored) });
  }

  /** A stored rule as a `Rule`; one that no longer holds (its workflow was removed, a files rule took its id) is left out, with a warning. */
  #compileOne(stored: StoredRule): Rule | undefined {
    if (this.files.has(stored.id)) {
      this.deps.logger?.warn('a managed rule is shadowed by a files rule of the same id', { ruleId: stored.id });
      return undefined;
    }
    try {
      return managedRule(stored, this.deps.workflows, this.deps.reader);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      this.deps.logger?.warn('a managed rule is no longer valid and is not routed', { ruleId: stored.id, version: stored.version, error: error.message });
      return undefined;
    }
  }

  #compile(): void {
    const managed = [...this.#managed.values()].flatMap(({ rule }) => (rule === undefined ? [] : [rule]));
    const leftOut = (rule: Rule, error: unknown) => {
      const entry = this.#managed.get(rule.id);
      // Left out until it changes: a later compile does not try it (nor warn about it) again.
      if (entry !== undefined) entry.rule = undefined;
      this.deps.logger?.warn('a managed rule does not compile and is not routed', { ruleId: rule.id, version: rule.version, error: String(error) });
    };
    this.ruleSet.swap(compileManaged([...this.files.values()], managed, leftOut));
  }
}
