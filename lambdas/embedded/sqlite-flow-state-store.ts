/**
 * Flow control's state in SQLite (the `FlowStateStore` port): one row per (rule, key) with a version for compare-and-set,
 * the queue as rows ordered by position, skips per (event, rule). Writes go through the engine's group commit.
 */
import type { FlowKey, FlowSkip, FlowState, FlowStateStore, QueuedTrigger, VersionedFlowState } from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import type { SqliteDatabase } from './sqlite-database.js';

/**
 * @example const ok = await new SqliteFlowStateStore(db, writes).write({ ruleId, key }, state, 0)
 */
export class SqliteFlowStateStore implements FlowStateStore {
  readonly #read;
  readonly #insert;
  readonly #update;
  readonly #clear;
  readonly #enqueue;
  readonly #peek;
  readonly #remove;
  readonly #noteSkip;
  readonly #skips;

  constructor(
    db: SqliteDatabase,
    private readonly writes: GroupCommit,
  ) {
    this.#read = db.prepare<[string, string], { state: string; version: number }>('SELECT state, version FROM flow_state WHERE rule_id = ? AND key = ?');
    this.#insert = db.prepare('INSERT INTO flow_state (rule_id, key, state, version) VALUES (?, ?, ?, 1) ON CONFLICT (rule_id, key) DO NOTHING');
    this.#update = db.prepare('UPDATE flow_state SET state = ?, version = version + 1 WHERE rule_id = ? AND key = ? AND version = ?');
    this.#clear = db.prepare('DELETE FROM flow_state WHERE rule_id = ? AND key = ? AND version = ?');
    this.#enqueue = db.prepare('INSERT INTO flow_queue (rule_id, key, position, entry) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.#peek = db.prepare<[string, string, number], { entry: string }>('SELECT entry FROM flow_queue WHERE rule_id = ? AND key = ? ORDER BY position LIMIT ?');
    this.#remove = db.prepare('DELETE FROM flow_queue WHERE rule_id = ? AND key = ? AND position = ?');
    this.#noteSkip = db.prepare('INSERT INTO flow_skips (event_id, rule_id, reason) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.#skips = db.prepare<[string], { rule_id: string; reason: FlowSkip['reason'] }>('SELECT rule_id, reason FROM flow_skips WHERE event_id = ? ORDER BY rule_id');
  }

  async read({ ruleId, key }: FlowKey): Promise<VersionedFlowState | undefined> {
    const row = this.#read.get(ruleId, key);
    return row === undefined ? undefined : { state: JSON.parse(row.state) as FlowState, version: row.version };
  }

  write({ ruleId, key }: FlowKey, state: FlowState, expected: number): Promise<boolean> {
    const text = JSON.stringify(state);
    return this.writes.submit(() => (expected === 0 ? this.#insert.run(ruleId, key, text) : this.#update.run(text, ruleId, key, expected)).changes === 1);
  }

  clear({ ruleId, key }: FlowKey, expected: number): Promise<boolean> {
    return this.writes.submit(() => this.#clear.run(ruleId, key, expected).changes === 1);
  }

  enqueue({ ruleId, key }: FlowKey, entry: QueuedTrigger): Promise<boolean> {
    const text = JSON.stringify(entry);
    return this.writes.submit(() => this.#enqueue.run(ruleId, key, entry.position, text).changes === 1);
  }

  async peek({ ruleId, key }: FlowKey, limit: number): Promise<QueuedTrigger[]> {
    return this.#peek.all(ruleId, key, limit).map((row) => JSON.parse(row.entry) as QueuedTrigger);
  }

  remove({ ruleId, key }: FlowKey, positions: readonly string[]): Promise<void> {
    return this.writes.submit(() => {
      for (const position of positions) this.#remove.run(ruleId, key, position);
    });
  }

  noteSkip({ eventId, ruleId, reason }: FlowSkip): Promise<void> {
    return this.writes.submit(() => void this.#noteSkip.run(eventId, ruleId, reason));
  }

  async skipsFor(eventId: string): Promise<FlowSkip[]> {
    return this.#skips.all(eventId).map((row) => ({ eventId, ruleId: row.rule_id, reason: row.reason }));
  }
}
