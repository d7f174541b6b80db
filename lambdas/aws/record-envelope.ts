/**
 * The envelope defaults of an event that arrived as a record (Kinesis, Kafka, EventBridge, a
 * dead letter being redriven): a redelivery of the same record must yield the same event, so its
 * receive time is the record's and its ULID's random part is a hash of the record's identity.
 */
import { createHash } from 'node:crypto';
import { ulid, type EnvelopeContext } from '../core/index.js';

/** Defaults that a redelivery reproduces: the record's receive time, and a ULID whose random part hashes its identity. */
export function recordEnvelope(identity: string, receivedAtMs: number): EnvelopeContext {
  const random = createHash('sha256').update(identity).digest().subarray(0, 10);
  return { clock: { now: () => receivedAtMs }, ids: { newId: (t) => ulid(t, random) } };
}
