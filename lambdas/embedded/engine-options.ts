/**
 * What `EmbeddedEngine.open` takes, and the defaults it fills in (clock, logger, retention, sync, encrypted fields
 * and the data key file) before opening anything. See embedded-engine.ts.
 */
import type { EncryptRule, Logger, WorkflowControl } from '../core/index.js';
import type { Project } from '../project/load-project.js';
import { createLogger } from './logger.js';
import type { SyncMode } from './sqlite-database.js';

export interface EmbeddedEngineOptions {
  project: Project;
  /** A file path, or `:memory:`. */
  dbPath: string;
  retentionDays?: number;
  /** Whether a commit waits for the OS (`normal`, default) or the disk (`full`). */
  sync?: SyncMode;
  logger?: Logger;
  now?: () => number;
  /** Fields to encrypt (`event_sourcing.encrypt`); default the project configuration's. */
  encrypt?: EncryptRule[];
  /** The data key file; default `<dbPath>.key` (created 0600), a per-process key for `:memory:`. */
  dataKeyFile?: string;
  /** Where stop and redrive act (default: the runner's; tests pass their own). */
  workflowControl?: WorkflowControl;
}

/** @example const { now, logger, retentionDays, sync, encrypt, keyFile } = engineSettings(options) */
export function engineSettings(options: EmbeddedEngineOptions) {
  return {
    now: options.now ?? Date.now,
    logger: options.logger ?? createLogger(),
    retentionDays: options.retentionDays ?? 30,
    sync: options.sync ?? 'normal',
    encrypt: options.encrypt ?? options.project.config?.eventSourcing.encrypt ?? [],
    /** `undefined`: a per-process key. */
    keyFile: options.dataKeyFile ?? (options.dbPath === ':memory:' ? undefined : `${options.dbPath}.key`),
  };
}
