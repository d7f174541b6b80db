/**
 * Rules and encrypted fields: a sealed field's stored value is ciphertext, so a rule can only ask
 * whether it exists. Any other condition, pattern or `correlateBy` on it would never match as
 * written, and is refused when the project loads.
 */
import type { EncryptRule } from '../field-encryption.js';
import { fieldSegments } from './field-path.js';
import { InvalidRuleError } from './rule-document.js';
import type { Condition, Rule } from './types.js';

/** A rule that reads an encrypted field for more than its existence; `key` is the rule's key at fault. */
export interface EncryptedFieldUse {
  rule: Rule;
  key: 'conditions' | 'pattern' | 'correlateBy';
  /** Where in the rule, as a JSON path of its document: `conditions[1]`, `pattern.data.card`, `correlateBy`. */
  path: string;
  /** The encrypted field it reads, as `event_sourcing.encrypt` names it. */
  field: string;
  message: string;
}

const overlaps = (a: readonly string[], b: readonly string[]): boolean => a.slice(0, b.length).join('\u0000') === b.slice(0, a.length).join('\u0000');

/** Every use of an encrypted field other than `exists` in `rules`, for the event types each rule may see. */
export function encryptedFieldUses(rules: readonly Rule[], encrypt: readonly EncryptRule[]): EncryptedFieldUse[] {
  const uses: EncryptedFieldUse[] = [];
  for (const rule of rules) {
    const types = rule.eventType === '*' ? encrypt.map((e) => e.eventType) : Array.isArray(rule.eventType) ? rule.eventType : [rule.eventType];
    for (const entry of encrypt.filter((e) => types.includes(e.eventType))) {
      for (const field of entry.fields) {
        const sealed = field.split('.');
        const about = `"${field}" of ${entry.eventType} is encrypted (event_sourcing.encrypt)`;
        rule.conditions.forEach((condition, i) => {
          if (conditionOp(condition) !== 'exists' && overlaps(fieldSegments(condition.field), sealed)) {
            const message = `rule "${rule.id}": ${about}; a condition on it can only be "exists", not "${conditionOp(condition)}"`;
            uses.push({ rule, key: 'conditions', path: `conditions[${i}]`, field, message });
          }
        });
        if (rule.correlateBy !== undefined && overlaps(fieldSegments(rule.correlateBy), sealed)) {
          uses.push({ rule, key: 'correlateBy', path: 'correlateBy', field, message: `rule "${rule.id}": ${about}; it cannot be the correlateBy path` });
        }
        const read = rule.pattern === undefined ? undefined : patternRead(rule.pattern, [], 'pattern', sealed);
        if (read !== undefined) {
          uses.push({ rule, key: 'pattern', path: read, field, message: `rule "${rule.id}": ${about}; a pattern may only test it with [{ "exists": … }]` });
        }
      }
    }
  }
  return uses;
}

/**
 * Refuses a rule document (a managed rule) that reads an encrypted field for more than its existence, as a rule
 * file doing so is refused when the project loads.
 * @throws InvalidRuleError (400) naming each use by its JSON path and the encrypted field.
 */
export function refuseEncryptedFieldUses(rule: Rule, encrypt: readonly EncryptRule[]): void {
  const uses = encryptedFieldUses([rule], encrypt);
  if (uses.length === 0) return;
  const details = uses.map(({ path, message }) => ({ path, message: message.replace(`rule "${rule.id}": `, '') }));
  throw new InvalidRuleError(`Invalid rule "${rule.id}": ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}

const conditionOp = (condition: Condition): string => condition.op ?? 'equals';

/** Where (a JSON path under `written`) a pattern matches on `sealed`, or a path inside or around it, with anything but `exists`. */
function patternRead(pattern: Record<string, unknown>, at: readonly string[], written: string, sealed: readonly string[]): string | undefined {
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or' && Array.isArray(value)) {
      for (const [i, branch] of value.entries()) {
        const read = branch !== null && typeof branch === 'object' ? patternRead(branch as Record<string, unknown>, at, `${written}.$or[${i}]`, sealed) : undefined;
        if (read !== undefined) return read;
      }
      continue;
    }
    const path = [...at, key];
    if (Array.isArray(value)) {
      const existsOnly = value.every((m) => m !== null && typeof m === 'object' && Object.keys(m).length === 1 && 'exists' in m);
      if (!existsOnly && overlaps(path, sealed)) return `${written}.${key}`;
    } else if (value !== null && typeof value === 'object' && overlaps(path, sealed)) {
      const read = patternRead(value as Record<string, unknown>, path, `${written}.${key}`, sealed);
      if (read !== undefined) return read;
    }
  }
  return undefined;
}
