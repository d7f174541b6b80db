/**
 * A `POST /events` batch on DynamoDB: each entry its own conditional put (BatchWriteItem has no
 * conditions, and idempotency needs one), a bounded number in flight, answers in entry order.
 */
import { mapBounded } from '../core/app/concurrency.js';
import { entryError, type BatchEntryResult } from '../core/index.js';

/** Puts in flight at once for one batch: enough to hide latency, few enough not to throttle a table. */
export const BATCH_CONCURRENCY = 25;

/**
 * Ingests every entry, `concurrency` at a time. An entry's own error (invalid, conflict, a source
 * the caller may not publish) is its answer; an error that is not its fault (a store outage) stops
 * the batch and is thrown, so the request answers 5xx and the client retries it whole — the entries
 * already stored answer `duplicate`.
 */
export async function ingestBatch(
  entries: readonly unknown[],
  ingestOne: (entry: unknown) => Promise<{ id: string; duplicate: boolean }>,
  concurrency = BATCH_CONCURRENCY,
): Promise<{ failedCount: number; results: BatchEntryResult[] }> {
  const results = await mapBounded(entries, concurrency, async (entry): Promise<BatchEntryResult> => {
    try {
      const { id, duplicate } = await ingestOne(entry);
      return duplicate ? { id, duplicate: true } : { id };
    } catch (error) {
      return entryError(error);
    }
  });
  return { failedCount: results.filter((result) => 'error' in result).length, results };
}
