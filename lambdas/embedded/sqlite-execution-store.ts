/** Execution records in SQLite: the name is the primary key, so an (event, rule) pair starts once. */
import { encodeCursor, type ExecutionQuery, type ExecutionRecord, type ExecutionStatus, type Trigger, type WorkflowInput } from '../core/index.js';
import type { SqliteDatabase } from './sqlite-database.js';

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
}

/** An execution with the input it was started with (needed to resume after a crash). */
export interface StoredExecution extends ExecutionRecord {
  input: WorkflowInput;
}

export class SqliteExecutionStore {
  readonly #insert;
  readonly #get;
  readonly #byEvent;
  readonly #finish;
  readonly #running;
  readonly #byCorrelation;
  readonly #byReplay;

  constructor(private readonly db: SqliteDatabase) {
    this.#insert = db.prepare(
      `INSERT INTO executions (name, workflow_id, rule_id, event_id, correlation_id, status, input, started_at)
       VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, ?) ON CONFLICT (name) DO NOTHING`,
    );
    this.#get = db.prepare<[string], ExecutionRow>('SELECT * FROM executions WHERE name = ?');
    this.#byEvent = db.prepare<[string], ExecutionRow>('SELECT * FROM executions WHERE event_id = ? ORDER BY started_at, name');
    this.#finish = db.prepare(`UPDATE executions SET status = ?, stopped_at = ?, output = ?, error = ? WHERE name = ? AND status = 'RUNNING'`);
    this.#byCorrelation = db.prepare<[string], ExecutionRow>('SELECT * FROM executions WHERE correlation_id = ? ORDER BY started_at, name');
    this.#byReplay = db.prepare<[string], ExecutionRow>("SELECT * FROM executions WHERE json_extract(input, '$.replay.replayId') = ? ORDER BY rowid");
    this.#running = db.prepare<[], ExecutionRow>(`SELECT * FROM executions WHERE status = 'RUNNING' ORDER BY started_at, name`);
  }

  isOpen(): boolean {
    return this.db.open;
  }

  /** Records a start; false when an execution of that name already exists (a redelivery). */
  begin(trigger: Trigger, startedAt: string): boolean {
    const { input } = trigger;
    return (
      this.#insert.run(trigger.executionName, trigger.workflowId, trigger.ruleId, input.event.id, input.correlationId, JSON.stringify(input), startedAt)
        .changes === 1
    );
  }

  finish(name: string, status: Exclude<ExecutionStatus, 'RUNNING'>, stoppedAt: string, result: { output?: unknown; error?: ExecutionRecord['error'] }): void {
    this.#finish.run(
      status,
      stoppedAt,
      result.output === undefined ? null : JSON.stringify(result.output),
      result.error === undefined ? null : JSON.stringify(result.error),
      name,
    );
  }

  get(name: string): StoredExecution | undefined {
    const row = this.#get.get(name);
    return row ? fromRow(row) : undefined;
  }

  byEvent(eventId: string): StoredExecution[] {
    return this.#byEvent.all(eventId).map(fromRow);
  }

  byCorrelation(correlationId: string): StoredExecution[] {
    return this.#byCorrelation.all(correlationId).map(fromRow);
  }

  /** One page of `GET /executions`, in (startedAt, name) order. */
  query(query: ExecutionQuery): { executions: StoredExecution[]; cursor?: string } {
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
    const sql = `SELECT * FROM executions WHERE ${where.join(' AND ')} ORDER BY started_at, name LIMIT @limit`;
    const rows = this.db.prepare<[Record<string, string | number>], ExecutionRow>(sql).all(params);
    const more = rows.length > query.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { executions: rows.map(fromRow), ...(more && last ? { cursor: encodeCursor({ timestamp: last.started_at, id: last.name }) } : {}) };
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

/** The API shape of an execution (DESIGN §4): the record without its input. */
export function toApiExecution({ input: _input, ...record }: StoredExecution): ExecutionRecord {
  return record;
}

function fromRow(row: ExecutionRow): StoredExecution {
  const record: StoredExecution = {
    name: row.name,
    workflowId: row.workflow_id,
    ruleId: row.rule_id,
    eventId: row.event_id,
    correlationId: row.correlation_id,
    status: row.status,
    startedAt: row.started_at,
    input: JSON.parse(row.input) as WorkflowInput,
  };
  if (row.stopped_at !== null) record.stoppedAt = row.stopped_at;
  if (row.output !== null) record.output = JSON.parse(row.output) as unknown;
  if (row.error !== null) record.error = JSON.parse(row.error) as ExecutionRecord['error'] & object;
  return record;
}
