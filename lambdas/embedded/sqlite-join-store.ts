/**
 * Multi-event triggers in SQLite: the latest event of each type per (rule, correlation). The
 * `JoinStore` port's `offer` goes through the engine's group commit; `offerSync` is for routing
 * already inside a transaction.
 */
import { completeJoin, joinCorrelation, joinTrigger, newerThan, type EngineEvent, type JoinStore, type Rule, type Trigger } from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import type { SqliteDatabase } from './sqlite-database.js';

/**
 * @example const trigger = await new SqliteJoinStore(db, writes).offer(rule, event)
 */
export class SqliteJoinStore implements JoinStore {
  readonly #upsert;
  readonly #rows;

  constructor(
    db: SqliteDatabase,
    private readonly writes: GroupCommit,
  ) {
    this.#upsert = db.prepare(
      `INSERT INTO join_events (rule_id, correlation_id, event_type, timestamp, event_id, body) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (rule_id, correlation_id, event_type) DO UPDATE SET timestamp = excluded.timestamp, event_id = excluded.event_id, body = excluded.body`,
    );
    this.#rows = db.prepare<[string, string], { body: string }>('SELECT body FROM join_events WHERE rule_id = ? AND correlation_id = ?');
  }

  /** Records the event for the rule's join; the trigger when this event completes it (once per correlation). */
  offer(rule: Rule, event: EngineEvent): Promise<Trigger | undefined> {
    return this.writes.submit(() => this.offerSync(rule, event));
  }

  /**
   * `offer` inside the caller's transaction. Only an event newer than the kept one of its type can
   * complete the join, so a redelivered or older event answers nothing.
   */
  offerSync(rule: Rule, event: EngineEvent): Trigger | undefined {
    if (!rule.join) return undefined;
    const correlationId = joinCorrelation(event, rule);
    if (correlationId === undefined) return undefined;
    const latest = new Map<string, EngineEvent>();
    for (const row of this.#rows.all(rule.id, correlationId)) {
      const kept = JSON.parse(row.body) as EngineEvent;
      latest.set(kept.type, kept);
    }
    if (!newerThan(event, latest.get(event.type))) return undefined;
    this.#upsert.run(rule.id, correlationId, event.type, event.timestamp, event.id, JSON.stringify(event));
    latest.set(event.type, event);
    const events = completeJoin(rule, latest);
    return events === undefined ? undefined : joinTrigger(rule, correlationId, events, event);
  }
}
