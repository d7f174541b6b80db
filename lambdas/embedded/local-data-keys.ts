/**
 * The embedded engine's data key for field encryption: 32 random bytes in a file readable by its
 * owner only (mode 0600), created beside the database on first use (`<db>.key`) or named with
 * `--data-key-file`. An in-memory database gets a key that lives as long as the process.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { DataKey, DataKeys } from '../core/index.js';

/** The reference stored in every field sealed with the local key. */
export const LOCAL_KEY_REFERENCE = 'local';

/** A key file that cannot be used: unreadable, the wrong size, or open to other users. */
export class DataKeyFileError extends Error {
  override readonly name = 'DataKeyFileError';
}

export class LocalDataKeys implements DataKeys {
  readonly #key: DataKey;

  private constructor(bytes: Uint8Array) {
    this.#key = { plaintext: bytes, reference: LOCAL_KEY_REFERENCE };
  }

  /**
   * Reads the key file, creating it (mode 0600, never overwriting) when it does not exist; without
   * a path, a key for this process only.
   * @throws DataKeyFileError naming the file and what is wrong with it.
   */
  static open(path: string | undefined): LocalDataKeys {
    if (path === undefined) return new LocalDataKeys(randomBytes(32));
    if (!existsSync(path)) {
      try {
        writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        // Another process created it first: read theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataKeyFileError(`${path}: cannot create the data key file: ${(error as Error).message}`);
      }
    }
    const mode = statSync(path).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new DataKeyFileError(`${path}: the data key file is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`);
    }
    const bytes = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (bytes.length !== 32) throw new DataKeyFileError(`${path}: expected a base64 256-bit key (32 bytes), found ${bytes.length} bytes`);
    return new LocalDataKeys(bytes);
  }

  async current(): Promise<DataKey> {
    return this.#key;
  }

  async resolve(reference: string): Promise<Uint8Array> {
    if (reference !== LOCAL_KEY_REFERENCE) throw new DataKeyFileError(`a sealed field names data key "${reference.slice(0, 16)}…", not this engine's key file`);
    return this.#key.plaintext;
  }
}
