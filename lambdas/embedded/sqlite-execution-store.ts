/**
 * Execution records in SQLite: the name is the primary key, so an (event, rule) pair starts once.
 * The `ExecutionStore` port's writes go through the engine's group commit (durable when the promise
 * resolves, one transaction for every write of an event-loop turn); the synchronous methods are for
 * work already inside a transaction.
 */
import {
  encodeCursor,
  toApiExecution,
  toListedExecution,
  type ExecutionEnd,
  type ExecutionListing,
  type ExecutionPage,
  type ExecutionQuery,
  type ExecutionRecord,
  type ExecutionStatus,
  type ExecutionStore,
  type RedriveExpectation,
  type RedriveRecords,
  type RedriveState,
  type StoredExecution,
  type Trigger,
  type WorkflowInput,
} from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import type { SqliteDatabase } from './sqlite-database.js';

// The port's types, for the callers that import them from here.
export { toApiExecution, type StoredExecution } from '../core/index.js';

interface ExecutionRow {
  name: string;
  workflow_id: string;
  rule_id: string;
  event_id: string;
  correlation_id: string;
  status: ExecutionStatus;
  input: string;
  started_at: string;
  stopped_at: string | null;
  output: string | null;
  error: string | null;
  states: string | null;
  /** JSON: a managed rule's version is a number, a files rule's a digest. */
  rule_version: string | null;
  redrive_count: number;
  redrives: string | null;
}

/**
 * @example const recorded = await new SqliteExecutionStore(db, writes).record(trigger, startedAt)
 */
export class SqliteExecutionStore implements ExecutionStore, RedriveRecords {
  readonly #insert;
  readonly #hold;
  readonly #get;
  readonly #byEvent;
  readonly #finish;
  readonly #finishQueued;
  readonly #running;
  readonly #byCorrelation;
  readonly #byReplay;
  readonly #setRedrive;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly writes: GroupCommit,
  ) {
    this.#insert = db.prepare(
      `INSERT INTO executions (name, workflow_id, rule_id, event_id, correlation_id, status, input, started_at, rule_version)
       VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET event_id = excluded.event_id, correlation_id = excluded.correlation_id, status = 'RUNNING', input = excluded.input,
         started_at = excluded.started_at, rule_version = excluded.rule_version WHERE executions.status = 'QUEUED'`,
    );
    this.#hold = db.prepare(
      `INSERT INTO executions (name, workflow_id, rule_id, event_id, correlation_id, status, input, started_at, rule_version)
       VALUES (?, ?, ?, ?, ?, 'QUEUED', ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
    );
    this.#get = db.prepare<[string], ExecutionRow>('SELECT * FROM executions WHERE name = ?');
    this.#byEvent = db.prepare<[string], ExecutionRow>('SELECT * FROM executions WHERE event_id = ? ORDER BY started_at, name');
    this.#finish = db.prepare(`UPDATE executions SET status = ?, stopped_at = ?, output = ?, error = ?, states = ? WHERE name = ? AND status IN ('RUNNING', 'QUEUED')`);
    this.#finishQueued = db.prepare(`UPDATE executions SET status = ?, stopped_at = ?, output = ?, error = ?, states = ? WHERE name = ? AND status = 'QUEUED'`);
    this.#byCorrelation = db.prepare<[string], ExecutionRow>('SELECT * FROM executions WHERE correlation_id = ? ORDER BY started_at, name');
    this.#byReplay = db.prepare<[string], ExecutionRow>("SELECT * FROM executions WHERE json_extract(input, '$.replay.replayId') = ? ORDER BY rowid");
    this.#running = db.prepare<[], ExecutionRow>(`SELECT * FROM executions WHERE status = 'RUNNING' ORDER BY started_at, name`);
    this.#setRedrive = db.prepare(
      `UPDATE executions SET status = @status, stopped_at = @stoppedAt, output = @output, error = @error, redrive_count = @count, redrives = @redrives
       WHERE name = @name AND status = @expectedStatus AND redrive_count = @expectedCount`,
    );
  }

  /** Writes the redrive count, history and status when the record is as expected; false when it is not, or is missing. */
  setRedrive(name: string, expected: RedriveExpectation, next: RedriveState): Promise<boolean> {
    const { end } = next;
    const row = {
      name,
      expectedStatus: expected.status,
      expectedCount: expected.redriveCount,
      status: end?.status ?? 'RUNNING',
      stoppedAt: end?.stoppedAt ?? null,
      output: end?.output === undefined ? null : JSON.stringify(end.output),
      error: end?.error === undefined ? null : JSON.stringify(end.error),
      count: next.redriveCount,
      redrives: next.redrives.length === 0 ? null : JSON.stringify(next.redrives),
    };
    return this.writes.submit(() => this.#setRedrive.run(row).changes === 1);
  }

  /** Records a RUNNING execution; false when one of that name exists already (kept as it is), unless it is QUEUED: that one starts. */
  record(trigger: Trigger, startedAt: string): Promise<boolean> {
    const row = rowOf(trigger, startedAt);
    return this.writes.submit(() => this.#insert.run(...row).changes === 1);
  }

  /** Records a QUEUED execution (a trigger flow control holds); false when one of that name exists already. */
  hold(trigger: Trigger, queuedAt: string): Promise<boolean> {
    const row = rowOf(trigger, queuedAt);
    return this.writes.submit(() => this.#hold.run(...row).changes === 1);
  }

  async get(name: string): Promise<StoredExecution | undefined> {
    const row = this.#get.get(name);
    return row ? fromRow(row) : undefined;
  }

  /** Moves a RUNNING or QUEUED record to its end; false when it had ended already, or is missing. */
  finish(name: string, end: ExecutionEnd): Promise<boolean> {
    return this.#end(this.#finish, name, end);
  }

  #end(statement: { run(...values: Array<string | null>): { changes: number } }, name: string, end: ExecutionEnd): Promise<boolean> {
    const output = end.output === undefined ? null : JSON.stringify(end.output);
    const error = end.error === undefined ? null : JSON.stringify(end.error);
    const states = end.states === undefined ? null : JSON.stringify(end.states);
    return this.writes.submit(() => statement.run(end.status, end.stoppedAt, output, error, states, name).changes === 1);
  }

  /** Ends a QUEUED record (a held trigger dropped); false when it started, ended or is missing. */
  finishIfQueued(name: string, end: ExecutionEnd): Promise<boolean> {
    return this.#end(this.#finishQueued, name, end);
  }

  /** One page of `GET /executions`, in (startedAt, name) order. */
  async list(query: ExecutionQuery): Promise<ExecutionPage> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit + 1 };
    const filter = (column: string, name: 'eventId' | 'correlationId' | 'workflowId' | 'status') => {
      const value = query[name];
      if (value === undefined) return;
      where.push(`${column} = @${name}`);
      params[name] = value;
    };
    filter('event_id', 'eventId');
    filter('correlation_id', 'correlationId');
    filter('workflow_id', 'workflowId');
    filter('status', 'status');
    if (query.after) {
      where.push('(started_at > @afterAt OR (started_at = @afterAt AND name > @afterName))');
      params.afterAt = query.after.timestamp;
      params.afterName = query.after.id;
    }
    const sql = `SELECT * FROM executions ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY started_at, name LIMIT @limit`;
    const rows = this.db.prepare<[Record<string, string | number>], ExecutionRow>(sql).all(params);
    const more = rows.length > query.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { executions: rows.map((row) => toApiExecution(fromRow(row))), ...(more && last ? { cursor: encodeCursor({ timestamp: last.started_at, id: last.name }) } : {}) };
  }

  /** One page of every execution, narrowed by workflow, status and start time, newest first. */
  async recent(listing: ExecutionListing): Promise<ExecutionPage> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: listing.limit + 1 };
    const condition = (sql: string, values: Record<string, string | undefined>) => {
      if (Object.values(values).some((v) => v === undefined)) return;
      where.push(sql);
      Object.assign(params, values);
    };
    condition('workflow_id = @workflowId', { workflowId: listing.workflowId });
    condition('status = @status', { status: listing.status });
    condition('started_at >= @from', { from: listing.from });
    condition('started_at < @to', { to: listing.to });
    condition('(started_at < @beforeAt OR (started_at = @beforeAt AND name < @beforeName))', { beforeAt: listing.before?.timestamp, beforeName: listing.before?.id });
    const sql = `SELECT * FROM executions ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY started_at DESC, name DESC LIMIT @limit`;
    const rows = this.db.prepare<[Record<string, string | number>], ExecutionRow>(sql).all(params);
    const more = rows.length > listing.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return {
      executions: rows.map((row) => toListedExecution(fromRow(row))),
      ...(more && last ? { cursor: encodeCursor({ timestamp: last.started_at, id: last.name }) } : {}),
    };
  }

  async byCorrelation(correlationId: string): Promise<ExecutionRecord[]> {
    return this.#byCorrelation.all(correlationId).map((row) => toApiExecution(fromRow(row)));
  }

  /** The executions an event started (the embedded engine's own look-ups). */
  byEvent(eventId: string): StoredExecution[] {
    return this.#byEvent.all(eventId).map(fromRow);
  }

  /** Executions a replay started (a scan: replays are rare and operator-driven). */
  byReplay(replayId: string): StoredExecution[] {
    return this.#byReplay.all(replayId).map(fromRow);
  }

  /** Executions a previous process started and never finished. */
  running(): StoredExecution[] {
    return this.#running.all().map(fromRow);
  }
}

function fromRow(row: ExecutionRow): StoredExecution {
  const record: StoredExecution = {
    name: row.name,
    workflowId: row.workflow_id,
    ruleId: row.rule_id,
    ...(row.rule_version === null || row.rule_version === undefined ? {} : { ruleVersion: JSON.parse(row.rule_version) as number | string }),
    eventId: row.event_id,
    correlationId: row.correlation_id,
    status: row.status,
    startedAt: row.started_at,
    input: JSON.parse(row.input) as WorkflowInput,
  };
  if (row.stopped_at !== null) record.stoppedAt = row.stopped_at;
  if (row.output !== null) record.output = JSON.parse(row.output) as unknown;
  if (row.error !== null) record.error = JSON.parse(row.error) as ExecutionRecord['error'] & object;
  if (row.states !== null) record.states = JSON.parse(row.states) as NonNullable<ExecutionRecord['states']>;
  if (row.redrive_count > 0) record.redriveCount = row.redrive_count;
  if (row.redrives !== null) record.redrives = JSON.parse(row.redrives) as NonNullable<ExecutionRecord['redrives']>;
  return record;
}

/** The values `record` and `hold` insert, in their statements' column order. */
function rowOf(trigger: Trigger, at: string): Array<string | null> {
  const { input } = trigger;
  const version = trigger.ruleVersion === undefined ? null : JSON.stringify(trigger.ruleVersion);
  return [trigger.executionName, trigger.workflowId, trigger.ruleId, input.event.id, input.correlationId, JSON.stringify(input), at, version];
}
