/**
 * Sortable unique ids (ULID: 48-bit millisecond time + 80 random bits, Crockford base32).
 * Pure: the caller supplies the time and the random bytes, so tests can pin both.
 */
import { createHash } from 'node:crypto';
import type { Clock, IdSource } from './clock.js';
import type { EnvelopeContext } from './envelope.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Encodes a ULID from a time in ms since the epoch and at least 10 random bytes. */
export function ulid(timeMs: number, random: Uint8Array): string {
  if (!Number.isInteger(timeMs) || timeMs < 0 || timeMs > 2 ** 48 - 1) {
    throw new RangeError(`ulid: time out of range: ${timeMs}`);
  }
  if (random.length < 10) throw new RangeError('ulid: needs 10 random bytes');
  let out = '';
  let t = timeMs;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  // 80 bits of randomness → 16 base32 characters, 5 bits at a time.
  let bits = 0;
  let value = 0;
  for (let i = 0; i < 10; i++) {
    value = (value << 8) | (random[i] as number);
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** A short, stable hex digest (SHA-256 prefix) used where names must be deterministic. */
export function shortHash(text: string, length = 16): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Random bytes, e.g. `node:crypto`'s `randomBytes`: a home passes its source, core draws none of its own. */
export type RandomBytes = (size: number) => Uint8Array;

/** Bytes drawn from the source at a time: one call to the operating system's generator per 409 ids, not one per id. */
const RANDOM_POOL_BYTES = 4096;

/**
 * Fresh ULIDs from `random`: ids for requests that carry no stable identity of their own. The
 * random part is cut from a pool refilled from `random`, so the source is called once per 409 ids.
 */
export function ulidIds(random: RandomBytes): IdSource {
  let pool: Uint8Array = new Uint8Array(0);
  let used = 0;
  return {
    newId: (nowMs) => {
      if (used + 10 > pool.length) {
        pool = random(RANDOM_POOL_BYTES);
        used = 0;
      }
      used += 10;
      return ulid(nowMs, pool.subarray(used - 10, used));
    },
  };
}

/**
 * The envelope context of live traffic: receive time from `clock`, fresh ULIDs from `random`.
 * Stream records use a context derived from the record instead, so that redeliveries repeat.
 * @example normaliseEvent(body, liveEnvelope(wallClock, randomBytes))
 */
export function liveEnvelope(clock: Clock, random: RandomBytes): EnvelopeContext {
  return { clock, ids: ulidIds(random) };
}
