/**
 * The embedded engine's SQLite database: one file in WAL mode, or memory for `--memory`.
 *
 * Durability (`--sync`): with `normal` (the default) a commit is in the WAL — in the operating
 * system's hands — before `POST /events` answers, so it survives the engine being killed at any
 * moment; a power loss or OS crash may lose the last commits. With `full` every commit also waits
 * for the disk (fsync), which survives power loss but makes a request wait for the disk's slowest
 * syncs (see bench/README.md for what that costs on this machine).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** How far a commit goes before it counts: the OS (`normal`) or the disk (`full`). */
export type SyncMode = 'normal' | 'full';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  type           TEXT NOT NULL,
  source         TEXT NOT NULL,
  timestamp      TEXT NOT NULL,
  correlation_id TEXT,
  body           TEXT NOT NULL,
  received_at    TEXT NOT NULL,
  expires_at     INTEGER NOT NULL,
  routed_at      TEXT,
  sweeps         INTEGER NOT NULL DEFAULT 0,
  parked_at      TEXT
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (timestamp, id);
CREATE INDEX IF NOT EXISTS events_by_correlation ON events (correlation_id, timestamp, id) WHERE correlation_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, timestamp, id);
CREATE INDEX IF NOT EXISTS events_unrouted ON events (seq) WHERE routed_at IS NULL;

CREATE TABLE IF NOT EXISTS executions (
  name           TEXT PRIMARY KEY,
  workflow_id    TEXT NOT NULL,
  rule_id        TEXT NOT NULL,
  event_id       TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  status         TEXT NOT NULL,
  input          TEXT NOT NULL,
  started_at     TEXT NOT NULL,
  stopped_at     TEXT,
  output         TEXT,
  error          TEXT,
  rule_version   TEXT
);
-- The runner's checkpoints (sqlite-checkpoints.ts): the top-level state an execution last entered, with its input.
CREATE TABLE IF NOT EXISTS checkpoints (
  name           TEXT PRIMARY KEY,
  state          TEXT,
  input          TEXT,
  steps          TEXT NOT NULL,
  redrives       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS waiters (
  token          TEXT PRIMARY KEY,
  correlation_id TEXT NOT NULL,
  event_type     TEXT NOT NULL,
  pattern        TEXT,
  expires_at     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS waiters_by_correlation ON waiters (correlation_id, event_type);

CREATE TABLE IF NOT EXISTS join_events (
  rule_id        TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  event_type     TEXT NOT NULL,
  timestamp      TEXT NOT NULL,
  event_id       TEXT NOT NULL,
  body           TEXT NOT NULL,
  PRIMARY KEY (rule_id, correlation_id, event_type)
);

CREATE TABLE IF NOT EXISTS replays (
  replay_id      TEXT PRIMARY KEY,
  status         TEXT NOT NULL,
  job            TEXT NOT NULL,
  version        INTEGER NOT NULL DEFAULT 0,
  failures       TEXT NOT NULL DEFAULT '[]',
  paced_until    INTEGER,
  expires_at     INTEGER
);
CREATE INDEX IF NOT EXISTS replays_running ON replays (status) WHERE status = 'running';

-- Bulk actions on executions: jobs of the same shape as replays, run by the same job store.
CREATE TABLE IF NOT EXISTS bulk_actions (
  replay_id      TEXT PRIMARY KEY,
  status         TEXT NOT NULL,
  job            TEXT NOT NULL,
  version        INTEGER NOT NULL DEFAULT 0,
  failures       TEXT NOT NULL DEFAULT '[]',
  paced_until    INTEGER,
  expires_at     INTEGER
);
CREATE INDEX IF NOT EXISTS bulk_actions_running ON bulk_actions (status) WHERE status = 'running';

CREATE TABLE IF NOT EXISTS dead_letters (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  source         TEXT NOT NULL,
  reason         TEXT NOT NULL,
  letter         TEXT NOT NULL,
  failed_at      TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS rules (
  id             TEXT PRIMARY KEY,
  rule           TEXT NOT NULL,
  read           TEXT,
  version        INTEGER NOT NULL,
  updated_at     TEXT NOT NULL,
  updated_by     TEXT NOT NULL,
  deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rule_versions (
  revision       INTEGER PRIMARY KEY,
  id             TEXT NOT NULL,
  version        INTEGER NOT NULL,
  change         TEXT NOT NULL,
  rule           TEXT NOT NULL,
  read           TEXT,
  changed_at     TEXT NOT NULL,
  changed_by     TEXT NOT NULL,
  UNIQUE (id, version)
);
CREATE TABLE IF NOT EXISTS flow_state (
  rule_id        TEXT NOT NULL,
  key            TEXT NOT NULL,
  state          TEXT NOT NULL,
  version        INTEGER NOT NULL,
  PRIMARY KEY (rule_id, key)
);
CREATE TABLE IF NOT EXISTS flow_queue (
  rule_id        TEXT NOT NULL,
  key            TEXT NOT NULL,
  position       TEXT NOT NULL,
  entry          TEXT NOT NULL,
  PRIMARY KEY (rule_id, key, position)
);
CREATE TABLE IF NOT EXISTS flow_skips (
  event_id       TEXT NOT NULL,
  rule_id        TEXT NOT NULL,
  reason         TEXT NOT NULL,
  PRIMARY KEY (event_id, rule_id)
);
CREATE TABLE IF NOT EXISTS flow_timers (
  rule_id        TEXT NOT NULL,
  key            TEXT NOT NULL,
  due_at         TEXT NOT NULL,
  PRIMARY KEY (rule_id, key, due_at)
);
CREATE INDEX IF NOT EXISTS flow_timers_by_due ON flow_timers (due_at);

CREATE INDEX IF NOT EXISTS executions_by_event ON executions (event_id, started_at);
CREATE INDEX IF NOT EXISTS executions_by_correlation ON executions (correlation_id, started_at);
CREATE INDEX IF NOT EXISTS executions_by_status ON executions (status) WHERE status = 'RUNNING';
CREATE INDEX IF NOT EXISTS executions_by_start ON executions (started_at, name);
CREATE INDEX IF NOT EXISTS executions_by_workflow ON executions (workflow_id, started_at, name);
CREATE INDEX IF NOT EXISTS executions_by_status_and_start ON executions (status, started_at, name);
`;

/** [table, column, definition] of columns `SCHEMA` has that older files lack (`SCHEMA` may not index them). */
const ADDED_COLUMNS: ReadonlyArray<readonly [string, string, string]> = [
  // The sweeper's attempts and parking.
  ['events', 'sweeps', 'INTEGER NOT NULL DEFAULT 0'],
  ['events', 'parked_at', 'TEXT'],
  ['replays', 'version', 'INTEGER NOT NULL DEFAULT 0'],
  ['replays', 'failures', "TEXT NOT NULL DEFAULT '[]'"],
  ['replays', 'paced_until', 'INTEGER'],
  ['replays', 'expires_at', 'INTEGER'],
  ['executions', 'states', 'TEXT'],
  ['executions', 'rule_version', 'TEXT'],
  // Redrives: the count and the history (JSON), both absent until the first redrive.
  ['executions', 'redrive_count', 'INTEGER NOT NULL DEFAULT 0'],
  ['executions', 'redrives', 'TEXT'],
  // A managed rule as read (JSON), beside its document: routing compiles it without the document reader.
  ['rules', 'read', 'TEXT'],
  ['rule_versions', 'read', 'TEXT'],
];

/** How long a statement waits for a lock another process holds before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 100;

/** Opens (creating if needed) the database at `path`, or an in-memory one when `path` is `:memory:`. */
export function openDatabase(path: string, sync: SyncMode = 'normal'): SqliteDatabase {
  try {
    return prepare(path, sync);
  } catch (error) {
    // The start-up error names the file: "unable to open database file" alone does not say which.
    throw new Error(`Cannot open the database ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function prepare(path: string, sync: SyncMode): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  if (path !== ':memory:') {
    db.pragma('journal_mode = WAL');
    // A checkpoint leaves the WAL file no larger than this (it is reused, not regrown).
    db.pragma('journal_size_limit = 67108864');
  }
  db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  // better-sqlite3 is synchronous: waiting on another process's lock freezes every request. Wait briefly, then
  // fail with SQLITE_BUSY, which the HTTP API answers 503 + Retry-After (docs/security.md, Limits).
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.exec(SCHEMA);
  // Columns added after a table's first release: a database file written before them gains them here.
  for (const [table, column, definition] of ADDED_COLUMNS) {
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
    if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }
  return db;
}
