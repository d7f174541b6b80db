/**
 * The `ReplayJobStore` port on SQLite: each job a row of `jobs` under its kind (a replay, or a bulk
 * action on executions, which the same machinery runs) — the job as JSON, its status beside it,
 * the step version, the failures recorded and the pacing mark. Every change reads and
 * writes the row in one synchronous transaction, so nothing can interleave with it: a step's claim
 * and its progress hold only while the version is still its own, as on DynamoDB.
 */
import { ConflictError, NotFoundError } from '../core/index.js';
import type { ReplayFailure, ReplayJob, ReplayJobStore, ReplayProgress, ReplayStatus, StoredReplayJob } from '../core/index.js';
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from './sqlite-database.js';

interface ReplayRow {
  job: string;
  status: string;
  version: number;
  failures: string;
  paced_until: number | null;
}

/** Runs a write and resolves once it is committed (the engine's `GroupCommit` fits). */
export interface SqliteWrites {
  submit<T>(write: () => T): Promise<T>;
}

export interface SqliteReplayJobStoreOptions {
  /** Where writes go; default: each in a transaction of its own. */
  writes?: SqliteWrites;
  /** The kind of job this store keeps: replays (default) or bulk actions; each kind sees only its own rows. */
  kind?: JobKind;
}

/** The jobs the `jobs` table keeps, each kind a store of its own. */
export type JobKind = 'replay' | 'bulk-action';

/**
 * @example const store = new SqliteReplayJobStore(db, { writes: groupCommit }); await store.claim(replayId, 0)
 */
export class SqliteReplayJobStore implements ReplayJobStore {
  readonly #insert: (id: string, status: string, job: string, expiresAt: number) => Database.RunResult;
  readonly #select: (id: string) => ReplayRow | undefined;
  readonly #update: (row: Record<string, string | number | null>) => Database.RunResult;
  readonly #running: () => ReplayRow[];
  readonly #write: <T>(write: () => T) => Promise<T>;

  constructor(db: SqliteDatabase, options: SqliteReplayJobStoreOptions = {}) {
    const kind = options.kind ?? 'replay';
    const columns = 'job, status, version, failures, paced_until';
    const insert = db.prepare<[string, string, string, string, number]>(
      `INSERT INTO jobs (kind, id, status, job, version, failures, expires_at) VALUES (?, ?, ?, ?, 0, '[]', ?) ON CONFLICT (kind, id) DO NOTHING`,
    );
    this.#insert = (id: string, status: string, job: string, expiresAt: number) => insert.run(kind, id, status, job, expiresAt);
    const select = db.prepare<[string, string], ReplayRow>(`SELECT ${columns} FROM jobs WHERE kind = ? AND id = ?`);
    this.#select = (id: string) => select.get(kind, id);
    const update = db.prepare<[Record<string, string | number | null>]>(
      'UPDATE jobs SET status = @status, job = @job, version = @version, failures = @failures, paced_until = @pacedUntil WHERE kind = @kind AND id = @replayId',
    );
    this.#update = (row: Record<string, string | number | null>) => update.run({ ...row, kind });
    const running = db.prepare<[string], ReplayRow>(`SELECT ${columns} FROM jobs WHERE kind = ? AND status = 'running' ORDER BY id`);
    this.#running = () => running.all(kind);
    const { writes } = options;
    const transaction = db.transaction((write: () => unknown) => write());
    this.#write = writes === undefined ? async <T>(write: () => T) => transaction(write) as T : <T>(write: () => T) => writes.submit(write);
  }

  /** @throws ConflictError when the id is taken. */
  async create(job: ReplayJob, expiresAt: number): Promise<void> {
    const inserted = await this.#write(() => this.#insert(job.replayId, job.status, JSON.stringify(job), expiresAt).changes === 1);
    if (!inserted) throw new ConflictError(`A replay with id "${job.replayId}" already exists`);
  }

  async get(replayId: string): Promise<StoredReplayJob | undefined> {
    return this.getSync(replayId);
  }

  /** `get`, answered at once (the embedded HTTP server and library read jobs synchronously). */
  getSync(replayId: string): StoredReplayJob | undefined {
    const row = this.#select(replayId);
    return row === undefined ? undefined : fromRow(row);
  }

  async claim(replayId: string, version: number): Promise<StoredReplayJob | undefined> {
    return this.#write(() => {
      const stored = this.getSync(replayId);
      if (stored === undefined || stored.version !== version || stored.job.status !== 'running') return undefined;
      return this.#put({ ...stored, version: version + 1 });
    });
  }

  async saveProgress(replayId: string, version: number, progress: ReplayProgress): Promise<StoredReplayJob | undefined> {
    const { cursor, pacedUntil, failures, ...totals } = progress;
    return this.#write(() => {
      const stored = this.getSync(replayId);
      if (stored === undefined || stored.version !== version) return undefined;
      const job: ReplayJob = { ...stored.job, ...totals, ...(cursor === undefined ? {} : { cursor }) };
      const paced = pacedUntil ?? stored.pacedUntil;
      return this.#put({ job, version: version + 1, failures, ...(paced === undefined ? {} : { pacedUntil: paced }) });
    });
  }

  async finish(replayId: string, version: number, status: Extract<ReplayStatus, 'completed' | 'failed'>, finishedAt: string, error?: string): Promise<boolean> {
    return this.#write(() => {
      const stored = this.getSync(replayId);
      if (stored === undefined || stored.version !== version || stored.job.status !== 'running') return false;
      this.#put({ ...stored, version: version + 1, job: { ...stored.job, status, finishedAt, ...(error === undefined ? {} : { error }) } });
      return true;
    });
  }

  /** Touches only the status, never the version: a running step keeps its claim and sees the status at its next write. */
  async cancel(replayId: string, finishedAt: string): Promise<StoredReplayJob> {
    const stored = await this.#write(() => {
      const current = this.getSync(replayId);
      if (current === undefined || current.job.status !== 'running') return current;
      return this.#put({ ...current, job: { ...current.job, status: 'cancelled', finishedAt } });
    });
    if (stored === undefined) throw new NotFoundError(`No replay with id "${replayId}"`);
    return stored;
  }

  /** Jobs still running, in id order: at start, the ones a previous process left to resume. */
  running(): StoredReplayJob[] {
    return this.#running().map(fromRow);
  }

  #put(stored: StoredReplayJob): StoredReplayJob {
    const { job } = stored;
    this.#update({
      replayId: job.replayId,
      status: job.status,
      job: JSON.stringify(job),
      version: stored.version,
      failures: JSON.stringify(stored.failures),
      pacedUntil: stored.pacedUntil ?? null,
    });
    return stored;
  }
}

/** The row as the port shows it; the `status` column is the one writes keep up to date. */
function fromRow(row: ReplayRow): StoredReplayJob {
  const job = { ...(JSON.parse(row.job) as ReplayJob), status: row.status as ReplayStatus };
  const stored: StoredReplayJob = { job, version: row.version, failures: JSON.parse(row.failures) as ReplayFailure[] };
  if (row.paced_until !== null) stored.pacedUntil = row.paced_until;
  return stored;
}
