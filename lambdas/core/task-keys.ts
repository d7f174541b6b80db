/**
 * Idempotency keys for task states: every `lambda:invoke` Task gets `<execution>/<state>` in its
 * payload (Map iterations add their index), so a task retried by Step Functions or re-run after a
 * crash sees the same key — and an event it emits gets the same id, which the event store dedupes.
 */
import { createHash } from 'node:crypto';

/** The payload field that carries a task's idempotency key. */
export const IDEMPOTENCY_KEY_FIELD = 'idempotencyKey';

const INVOKE = 'arn:aws:states:::lambda:invoke';

interface StateShape {
  Type?: string;
  Resource?: unknown;
  Parameters?: { Payload?: unknown };
  Branches?: Array<{ States?: Record<string, unknown> }>;
  Iterator?: { States?: Record<string, unknown> };
  ItemProcessor?: { States?: Record<string, unknown> };
}

/** A string literal inside an intrinsic function: `'`, `{`, `}` and `\` are escaped. */
function literal(text: string): string {
  return text.replace(/[\\'{}]/g, (c) => `\\${c}`);
}

/** The `"idempotencyKey.$"` expression of a state: `<execution>/<state>`, plus `/<index>` inside a Map. */
export function idempotencyKeyExpression(stateName: string, inMap: boolean): string {
  return inMap ? `States.Format('{}/${literal(stateName)}/{}', $$.Execution.Name, $$.Map.Item.Index)` : `States.Format('{}/${literal(stateName)}', $$.Execution.Name)`;
}

/**
 * Adds `"idempotencyKey.$"` to the `Payload` of every `lambda:invoke` Task state (nested Parallel
 * branches and Map processors included) that sets no `idempotencyKey` of its own. Both homes run
 * the definition this returns: the embedded ASL runner and the deployed state machines. Text that
 * is not a definition is returned as it is (parsing reports it).
 * @example withIdempotencyKeys(workflow.definition)
 */
export function withIdempotencyKeys(definition: string): string {
  let asl: { States?: Record<string, unknown> };
  try {
    asl = JSON.parse(definition) as typeof asl;
  } catch {
    return definition;
  }
  if (asl === null || typeof asl !== 'object' || typeof asl.States !== 'object' || asl.States === null) return definition;
  visit(asl.States, false);
  return JSON.stringify(asl, null, 2);
}

function visit(states: Record<string, unknown>, inMap: boolean): void {
  for (const [name, value] of Object.entries(states)) {
    if (value === null || typeof value !== 'object') continue;
    const state = value as StateShape;
    const payload = state.Parameters?.Payload;
    const invokes = typeof state.Resource === 'string' && state.Resource.startsWith(INVOKE);
    if (state.Type === 'Task' && invokes && payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
      const fields = payload as Record<string, unknown>;
      if (!(IDEMPOTENCY_KEY_FIELD in fields) && !(`${IDEMPOTENCY_KEY_FIELD}.$` in fields)) {
        fields[`${IDEMPOTENCY_KEY_FIELD}.$`] = idempotencyKeyExpression(name, inMap);
      }
    }
    for (const branch of state.Branches ?? []) if (branch?.States) visit(branch.States, inMap);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor?.States) visit(processor.States, true);
  }
}

/**
 * The id of the event a task emits under an idempotency key: the same key always gives the same id
 * (26 Crockford base32 characters, the length of a ULID, from a SHA-256 of the key).
 */
export function emittedEventId(idempotencyKey: string): string {
  const digest = createHash('sha256').update(`emit:${idempotencyKey}`).digest();
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let out = '';
  for (let i = 0; i < 26; i++) out += alphabet[(digest[i] as number) & 31];
  return out;
}
