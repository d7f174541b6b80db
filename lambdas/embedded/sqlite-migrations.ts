/**
 * Schema changes a database file written by an earlier release needs beyond added columns: rows moved from a table
 * the schema no longer has into the one that replaced it. Each move looks at the file itself (is the old table still
 * there?), so it runs once, and a file that never had the old table is left alone.
 */
import type Database from 'better-sqlite3';

/** The tables jobs were kept in before the one `jobs` table, and the kind their rows take there. */
const OLD_JOB_TABLES = [
  ['replays', 'replay'],
  ['bulk_actions', 'bulk-action'],
] as const;

/** Runs every move the file still needs; call after the current schema's tables exist. */
export function migrate(db: Database.Database): void {
  for (const [table, kind] of OLD_JOB_TABLES) moveJobs(db, table, kind);
}

/**
 * Copies an old job table's rows into `jobs` under `kind` and drops it, in one immediate transaction: a second process
 * opening the same file waits for it and then finds nothing left to move. Columns an even older file lacks take the
 * defaults they were added with (version 0, no failures, no pacing mark, no expiry).
 */
function moveJobs(db: Database.Database, table: string, kind: string): void {
  const move = db.transaction(() => {
    const listed = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
    const columns = new Set(listed.map((c) => c.name));
    if (columns.size === 0) return;
    const column = (name: string, otherwise: string): string => (columns.has(name) ? name : otherwise);
    db.prepare(
      `INSERT OR IGNORE INTO jobs (kind, id, status, job, version, failures, paced_until, expires_at)
       SELECT ?, replay_id, status, job, ${column('version', '0')}, ${column('failures', "'[]'")}, ${column('paced_until', 'NULL')}, ${column('expires_at', 'NULL')}
       FROM ${table}`,
    ).run(kind);
    db.exec(`DROP TABLE ${table}`);
  });
  move.immediate();
}
