/**
 * Managing trigger rules at run time, for both homes: the files layer (`rules/*.yaml`, read-only) merged with the
 * managed layer (the `RuleStore`), ids unique across both; every change validated as files are, versioned, audited
 * as an event (`rule.created|updated|enabled|disabled|deleted`, source `edwe.rules`) and compiled into the live
 * rule set the router reads. See docs/rules.md, Managing rules at run time.
 */
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../errors.js';
import type { Logger } from '../ports/observability.js';
import type { RuleChange, RuleDocument, RuleStore, StoredRule } from '../ports/rules.js';
import { RULE_ID } from '../rules/read-rule.js';
import { ruleDocumentOf } from '../rules/rule-as-document.js';
import { readRuleDocument } from '../rules/rule-document.js';
import type { Rule } from '../rules/types.js';
import { type LiveRuleSet, ManagedRules } from './managed-rules.js';

/** The source of the audit events rule changes are recorded as. */
export const RULES_SOURCE = 'edwe.rules';

/** A files rule cannot be changed through the API (HTTP 409 `managed_by_files`). */
export class ManagedByFilesError extends ConflictError {
  override readonly code = 'managed_by_files';
}

/** A rule as the API shows it: its document, version and layer. */
export type RuleView = RuleDocument & {
  id: string;
  /** Managed rules: a counter from 1; files rules: a digest of the rule (see `filesRuleVersion`). */
  version: number | string;
  managedBy: 'files' | 'api';
  updatedAt?: string;
  updatedBy?: string;
};

/** One entry of `GET /rules/{id}/history`. */
export interface RuleHistoryEntry {
  version: number;
  change: RuleChange;
  rule: RuleDocument;
  changedAt: string;
  changedBy: string;
}

export interface RuleCatalogDeps {
  store: RuleStore;
  /** The files layer, as loaded at start. */
  files: readonly Rule[];
  workflows: { has(id: string): boolean };
  /** Stores an audit event through the home's ingest (so it is stored and routed like any other event). */
  audit(event: { type: string; source: string; timestamp: string; data: Record<string, unknown> }): Promise<unknown>;
  clock: Clock;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** What `get` adds to one rule's view, e.g. a schedule's next fire times. */
  describe?: (rule: Rule) => Record<string, unknown> | undefined;
}

/** What a change asks of the stored version: `expectedVersion` from `If-Match`; `by` who asks. */
export interface ChangeOptions {
  expectedVersion?: number;
  by: string;
}

/** How many times a change without `If-Match` is retried when another change to the same rule slips in between. */
const UNCONDITIONAL_ATTEMPTS = 3;

/**
 * @example const catalog = await RuleCatalog.open({ store, files: project.rules, workflows, audit, clock }); router uses catalog.ruleSet
 */
export class RuleCatalog {
  /** The managed layer as routed, with the files layer: the catalog's writes are applied to it as they are made. */
  readonly #rules: ManagedRules;

  private constructor(private readonly deps: RuleCatalogDeps) {
    // The catalog has the document reader anyway (it reads every PUT): records without a read form are read with it.
    this.#rules = new ManagedRules({
      store: deps.store,
      files: deps.files,
      workflows: deps.workflows,
      reader: readRuleDocument,
      ...(deps.logger === undefined ? {} : { logger: deps.logger }),
    });
  }

  /** Loads the managed layer and compiles the merged set. */
  static async open(deps: RuleCatalogDeps): Promise<RuleCatalog> {
    const catalog = new RuleCatalog(deps);
    await catalog.reload();
    return catalog;
  }

  /** The merged, compiled set; the same object for the catalog's life, its content swapped on every change. */
  get ruleSet(): LiveRuleSet {
    return this.#rules.ruleSet;
  }

  /** The managed layer's revision the live set was compiled from. */
  get revision(): number {
    return this.#rules.revision;
  }

  /** Re-reads the managed layer when its revision moved (one small read otherwise); true when the set changed. */
  refresh(): Promise<boolean> {
    return this.#rules.refresh();
  }

  /** Reads the whole managed layer and compiles the merged set; unchanged rules keep their compiled form. */
  reload(): Promise<void> {
    return this.#rules.reload();
  }

  /**
   * `GET /rules`: every rule of both layers, in id order, and the managed layer's revision. Refreshed first, so that
   * where several processes share the store (Lambda containers) the answer is the store's, not this process's cache.
   */
  async list(): Promise<{ rules: RuleView[]; revision: number }> {
    await this.refresh();
    const managed = [...this.#rules.entries()].filter(({ stored }) => !this.#rules.files.has(stored.id));
    const views = [
      ...[...this.#rules.files.values()].map((file) => ({ ...filesView(file), ...this.deps.describe?.(file) })),
      ...managed.map(({ stored, rule }) => ({ ...managedView(stored), ...(rule === undefined ? {} : this.deps.describe?.(rule)) })),
    ];
    return { rules: views.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), revision: this.#rules.revision };
  }

  /** `GET /rules/{id}`. @throws NotFoundError */
  async get(id: string): Promise<RuleView> {
    const file = this.#rules.files.get(id);
    if (file !== undefined) return { ...filesView(file), ...this.deps.describe?.(file) };
    const stored = await this.#live(id);
    const rule = this.#rules.entry(id)?.rule;
    return { ...managedView(stored), ...(rule === undefined ? {} : this.deps.describe?.(rule)) };
  }

  /**
   * `PUT /rules/{id}`: creates or replaces a managed rule from its document (JSON text or a value).
   * @throws InvalidRuleError (400, each problem by its JSON path), ManagedByFilesError (409), PreconditionFailedError (412).
   */
  async put(id: string, body: string | RuleDocument, options: ChangeOptions): Promise<{ rule: RuleView; created: boolean }> {
    this.#refuseFiles(id);
    const { rule, document } = readRuleDocument(id, body, { workflows: this.deps.workflows });
    // The rule as read is stored beside its document: routing compiles it without reading the document again.
    const { stored, change } = await this.#change(id, options, (live) => ({ change: live === undefined ? 'created' : 'updated', rule: document, read: rule }));
    return { rule: managedView(stored), created: change === 'created' };
  }

  /** `PATCH /rules/{id}` `{"enabled": bool}`. An unchanged state writes no version. @throws ValidationError, NotFoundError, ManagedByFilesError, PreconditionFailedError */
  async patch(id: string, body: unknown, options: ChangeOptions): Promise<RuleView> {
    this.#refuseFiles(id);
    const enabled = parsePatch(body);
    const { stored } = await this.#change(id, options, (live) => {
      if (live === undefined) throw new NotFoundError(`No rule "${id}"`);
      if ((live.rule.enabled ?? true) === enabled) return undefined;
      const rule = { ...live.rule, enabled };
      return { change: enabled ? 'enabled' : 'disabled', rule, read: live.read === undefined ? this.#readQuietly(id, rule) : { ...live.read, enabled } };
    });
    return managedView(stored);
  }

  /** `DELETE /rules/{id}`. @throws NotFoundError, ManagedByFilesError, PreconditionFailedError */
  async delete(id: string, options: ChangeOptions): Promise<void> {
    this.#refuseFiles(id);
    await this.#change(id, options, (live) => {
      if (live === undefined) throw new NotFoundError(`No rule "${id}"`);
      return { change: 'deleted', rule: live.rule, read: live.read };
    });
  }

  /** `GET /rules/{id}/history`, oldest first; a files rule has none here (git holds it). @throws NotFoundError */
  async history(id: string): Promise<{ versions: RuleHistoryEntry[] }> {
    if (this.#rules.files.has(id)) return { versions: [] };
    const versions = await this.deps.store.history(id);
    if (versions.length === 0) throw new NotFoundError(`No rule "${id}"`);
    return { versions: versions.map(({ version, change, rule, changedAt, changedBy }) => ({ version, change, rule, changedAt, changedBy })) };
  }

  #refuseFiles(id: string): void {
    if (!this.#rules.files.has(id)) return;
    throw new ManagedByFilesError(`Rule "${id}" is defined in the rule files (managedBy "files"): change it there and redeploy, or give a managed rule another id`);
  }

  async #live(id: string): Promise<StoredRule> {
    // The store's record, not the cache's: another process may have changed it.
    const stored = RULE_ID.test(id) ? await this.deps.store.get(id) : undefined;
    if (stored === undefined || stored.deleted) throw new NotFoundError(`No rule "${id}"`);
    return stored;
  }

  /**
   * Reads the rule, lets `plan` decide the change (or none), writes it under the version read, applies it to the live
   * set, then records the audit event — after the swap, so the event is routed by the rules it announces.
   */
  async #change(
    id: string,
    options: ChangeOptions,
    plan: (live: StoredRule | undefined) => { change: RuleChange; rule: RuleDocument; read?: Rule | undefined } | undefined,
  ): Promise<{ stored: StoredRule; change?: RuleChange }> {
    for (let attempt = 1; ; attempt++) {
      const current = RULE_ID.test(id) ? await this.deps.store.get(id) : undefined;
      const live = current === undefined || current.deleted ? undefined : current;
      const expectedVersion = options.expectedVersion ?? live?.version ?? 0;
      if (options.expectedVersion !== undefined && options.expectedVersion !== (live?.version ?? 0)) {
        // The store checks too; answering here spares a write that must fail, and says which version is stored.
        throw new PreconditionFailedError(`Rule "${id}" is ${live === undefined ? 'not stored' : `at version ${live.version}`}, not at version ${options.expectedVersion}`);
      }
      const planned = plan(live);
      if (planned === undefined) return { stored: live as StoredRule };
      const at = new Date(this.deps.clock.now()).toISOString();
      try {
        const { read, ...document } = planned;
        const { stored, revision } = await this.deps.store.write({ id, ...document, ...(read === undefined ? {} : { read }), expectedVersion, at, by: options.by });
        this.#rules.apply(stored, revision);
        this.deps.logger?.info('rule changed', { ruleId: id, version: stored.version, change: planned.change, by: options.by, revision });
        await this.#audit(planned.change, stored, options.by, at);
        return { stored, change: planned.change };
      } catch (error) {
        const lost = (error as { code?: unknown }).code === 'precondition_failed' && options.expectedVersion === undefined;
        if (!lost || attempt >= UNCONDITIONAL_ATTEMPTS) throw error;
      }
    }
  }

  async #audit(change: RuleChange, stored: StoredRule, by: string, at: string): Promise<void> {
    try {
      await this.deps.audit({ type: `rule.${change}`, source: RULES_SOURCE, timestamp: at, data: { ruleId: stored.id, version: stored.version, by } });
    } catch (error) {
      // The change stands (it is stored and in force); failing the request now would invite a retry that writes it twice.
      this.deps.logger?.error('the audit event of a rule change was not stored', { ruleId: stored.id, version: stored.version, change, error: String(error) });
    }
  }

  /** A document's read form, or none when it no longer reads (a removed workflow): such a rule is not routed either way. */
  #readQuietly(id: string, document: RuleDocument): Rule | undefined {
    try {
      return readRuleDocument(id, document, { workflows: this.deps.workflows }).rule;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return undefined;
    }
  }
}

function filesView(rule: Rule): RuleView {
  return { ...ruleDocumentOf(rule), id: rule.id, version: rule.version as string, managedBy: 'files' };
}

function managedView(stored: StoredRule): RuleView {
  return { ...stored.rule, id: stored.id, version: stored.version, managedBy: 'api', updatedAt: stored.updatedAt, updatedBy: stored.updatedBy };
}

/** `{"enabled": true|false}` and nothing else. @throws ValidationError naming the path */
function parsePatch(body: unknown): boolean {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError('Expected {"enabled": true|false}', [{ path: '(body)', message: 'must be a JSON object' }]);
  const unknown = Object.keys(body).filter((k) => k !== 'enabled');
  const details = unknown.map((key) => ({ path: key, message: 'unknown field: only "enabled" can be patched' }));
  const enabled = (body as { enabled?: unknown }).enabled;
  if (typeof enabled !== 'boolean') details.push({ path: 'enabled', message: 'must be true or false' });
  if (details.length > 0) throw new ValidationError(`Invalid patch: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  return enabled as boolean;
}

/**
 * The version an `If-Match` header names (`"3"`, or `3`); `undefined` without one.
 * @throws ValidationError for anything else (a weak tag, a list, `*`).
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*"?(\d{1,15})"?\s*$/.exec(header);
  if (match === null) throw new ValidationError('If-Match must name one version, e.g. "3"', [{ path: 'If-Match', message: 'must be a version such as "3"' }]);
  return Number(match[1]);
}
