/**
 * The `RuleStore` port on SQLite: `rules` holds each managed rule as now stored (tombstones included), `rule_versions`
 * every change, keyed by the set's revision — so the revision is the largest key there, one index read.
 * A write checks, records and appends in one atomic step, so two writers cannot both pass the same version check.
 */
import {
  PreconditionFailedError,
  type RuleChange,
  type RuleDocument,
  type RuleListing,
  type RuleStore,
  type RuleVersion,
  type RuleWrite,
  type StoredRule,
  type Rule,
} from '../core/index.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface RuleRow {
  id: string;
  rule: string;
  read: string | null;
  version: number;
  updated_at: string;
  updated_by: string;
  deleted: number;
}

interface VersionRow {
  revision: number;
  id: string;
  version: number;
  change: RuleChange;
  rule: string;
  read: string | null;
  changed_at: string;
  changed_by: string;
}

/** Runs a write and resolves once it is committed (the engine's `GroupCommit` fits; `atomic` asks for a savepoint). */
export interface SqliteAtomicWrites {
  submit<T>(write: () => T, options?: { atomic?: boolean }): Promise<T>;
}

/**
 * @example const store = new SqliteRuleStore(db, { writes: groupCommit }); await store.write({ id, change: 'created', rule, expectedVersion: 0, at, by })
 */
export class SqliteRuleStore implements RuleStore {
  readonly #get;
  readonly #live;
  readonly #upsert;
  readonly #append;
  readonly #revision;
  readonly #history;
  readonly #changes;
  readonly #write: <T>(write: () => T) => Promise<T>;

  constructor(db: SqliteDatabase, options: { writes?: SqliteAtomicWrites } = {}) {
    this.#get = db.prepare<[string], RuleRow>('SELECT * FROM rules WHERE id = ?');
    this.#live = db.prepare<[], RuleRow>('SELECT * FROM rules WHERE deleted = 0 ORDER BY id');
    this.#upsert = db.prepare<[Record<string, string | number | null>]>(
      `INSERT INTO rules (id, rule, read, version, updated_at, updated_by, deleted) VALUES (@id, @rule, @read, @version, @at, @by, @deleted)
       ON CONFLICT (id) DO UPDATE SET rule = @rule, read = @read, version = @version, updated_at = @at, updated_by = @by, deleted = @deleted`,
    );
    this.#append = db.prepare<[Record<string, string | number | null>]>(
      `INSERT INTO rule_versions (revision, id, version, change, rule, read, changed_at, changed_by) VALUES (@revision, @id, @version, @change, @rule, @read, @at, @by)`,
    );
    this.#revision = db.prepare<[], { revision: number | null }>('SELECT MAX(revision) AS revision FROM rule_versions');
    this.#history = db.prepare<[string], VersionRow>('SELECT * FROM rule_versions WHERE id = ? ORDER BY version');
    this.#changes = db.prepare<[string], VersionRow>('SELECT * FROM rule_versions WHERE changed_at <= ? ORDER BY revision');
    const { writes } = options;
    const transaction = db.transaction((write: () => unknown) => write());
    this.#write = writes === undefined ? async <T>(write: () => T) => transaction(write) as T : <T>(write: () => T) => writes.submit(write, { atomic: true });
  }

  async list(): Promise<RuleListing> {
    // Read together, so the rules and the revision agree (no write can come between two synchronous reads).
    return { rules: this.#live.all().map(fromRow), revision: this.#currentRevision() };
  }

  async get(id: string): Promise<StoredRule | undefined> {
    const row = this.#get.get(id);
    return row === undefined ? undefined : fromRow(row);
  }

  write(change: RuleWrite): Promise<{ stored: StoredRule; revision: number }> {
    return this.#write(() => {
      const row = this.#get.get(change.id);
      const live = row === undefined || row.deleted === 1 ? 0 : row.version;
      if (change.expectedVersion !== undefined && change.expectedVersion !== live) {
        throw new PreconditionFailedError(
          `Rule "${change.id}" is ${live === 0 ? 'not stored' : `at version ${live}`}, not at version ${change.expectedVersion} as the request expects`,
        );
      }
      const version = (row?.version ?? 0) + 1;
      const revision = this.#currentRevision() + 1;
      const rule = JSON.stringify(change.rule);
      const read = change.read === undefined ? null : JSON.stringify(change.read);
      const deleted = change.change === 'deleted' ? 1 : 0;
      this.#upsert.run({ id: change.id, rule, read, version, at: change.at, by: change.by, deleted });
      this.#append.run({ revision, id: change.id, version, change: change.change, rule, read, at: change.at, by: change.by });
      const stored: StoredRule = { id: change.id, rule: change.rule, version, managedBy: 'api', updatedAt: change.at, updatedBy: change.by };
      if (read !== null) stored.read = JSON.parse(read) as Rule;
      if (deleted === 1) stored.deleted = true;
      return { stored, revision };
    });
  }

  async history(id: string): Promise<RuleVersion[]> {
    return this.#history.all(id).map(fromVersionRow);
  }

  async revision(): Promise<number> {
    return this.#currentRevision();
  }

  async changes(until?: string): Promise<RuleVersion[]> {
    // ISO times sort as text; U+FFFF sorts after every one of them.
    return this.#changes.all(until ?? '\uffff').map(fromVersionRow);
  }

  #currentRevision(): number {
    return this.#revision.get()?.revision ?? 0;
  }
}

function fromRow(row: RuleRow): StoredRule {
  const stored: StoredRule = {
    id: row.id,
    rule: JSON.parse(row.rule) as RuleDocument,
    version: row.version,
    managedBy: 'api',
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
  if (row.read !== null) stored.read = JSON.parse(row.read) as Rule;
  if (row.deleted === 1) stored.deleted = true;
  return stored;
}

function fromVersionRow(row: VersionRow): RuleVersion {
  const version: RuleVersion = {
    id: row.id,
    version: row.version,
    change: row.change,
    rule: JSON.parse(row.rule) as RuleDocument,
    changedAt: row.changed_at,
    changedBy: row.changed_by,
    revision: row.revision,
  };
  if (row.read !== null) version.read = JSON.parse(row.read) as Rule;
  return version;
}
