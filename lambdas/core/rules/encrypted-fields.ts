/**
 * Rules and encrypted fields: a sealed field's stored value is ciphertext, so a rule can only ask
 * whether it exists. Any other condition, pattern or `correlateBy` on it would never match as
 * written, and is refused when the project loads.
 */
import type { EncryptRule } from '../field-encryption.js';
import { fieldSegments } from './field-path.js';
import type { Condition, Rule } from './types.js';

/** A rule that reads an encrypted field for more than its existence; `key` is the rule's key at fault. */
export interface EncryptedFieldUse {
  rule: Rule;
  key: 'conditions' | 'pattern' | 'correlateBy';
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
        for (const condition of rule.conditions) {
          if (conditionOp(condition) !== 'exists' && overlaps(fieldSegments(condition.field), sealed)) {
            uses.push({ rule, key: 'conditions', message: `rule "${rule.id}": ${about}; a condition on it can only be "exists", not "${conditionOp(condition)}"` });
          }
        }
        if (rule.correlateBy !== undefined && overlaps(fieldSegments(rule.correlateBy), sealed)) {
          uses.push({ rule, key: 'correlateBy', message: `rule "${rule.id}": ${about}; it cannot be the correlateBy path` });
        }
        if (rule.pattern !== undefined && patternReads(rule.pattern, [], sealed)) {
          uses.push({ rule, key: 'pattern', message: `rule "${rule.id}": ${about}; a pattern may only test it with [{ "exists": … }]` });
        }
      }
    }
  }
  return uses;
}

const conditionOp = (condition: Condition): string => condition.op ?? 'equals';

/** Whether a pattern matches on `sealed` (or a path inside or around it) with anything but `exists`. */
function patternReads(pattern: Record<string, unknown>, at: readonly string[], sealed: readonly string[]): boolean {
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or' && Array.isArray(value)) {
      if (value.some((branch) => branch !== null && typeof branch === 'object' && patternReads(branch as Record<string, unknown>, at, sealed))) return true;
      continue;
    }
    const path = [...at, key];
    if (Array.isArray(value)) {
      const existsOnly = value.every((m) => m !== null && typeof m === 'object' && Object.keys(m).length === 1 && 'exists' in m);
      if (!existsOnly && overlaps(path, sealed)) return true;
    } else if (value !== null && typeof value === 'object' && overlaps(path, sealed) && patternReads(value as Record<string, unknown>, path, sealed)) {
      return true;
    }
  }
  return false;
}
