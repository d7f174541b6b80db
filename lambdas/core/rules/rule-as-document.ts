/**
 * A rule as the API shows it: its document (the YAML fields as JSON) rebuilt from the rule as read, and a files rule's
 * version digested from it. Apart from the document reader, so that what needs only these carries no YAML parser.
 */
import { shortHash } from '../ids.js';
import type { RuleDocument } from '../ports/rules.js';
import type { Rule } from './types.js';

/** A rule (as loaded from a file) as a document: its YAML fields, defaults filled in. */
export function ruleDocumentOf(rule: Rule): RuleDocument {
  const { location: _location, version: _version, join, ...fields } = rule;
  const document: RuleDocument = { ...fields };
  if (join !== undefined) {
    delete document.eventType;
    document.all = join.types;
    document.within = durationText(join.withinMs);
  }
  return document;
}

/**
 * A files rule's version: a digest of its document, so an execution names the exact definition that started it
 * (files rules have no counter: git holds their history).
 */
export function filesRuleVersion(rule: Rule): string {
  return shortHash(canonicalJson(ruleDocumentOf(rule)), 12);
}

/** JSON with object keys sorted, so equal documents digest equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const UNITS: ReadonlyArray<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** Milliseconds in the largest unit that divides them: 900000 → `15m`. */
function durationText(ms: number): string {
  for (const [unit, size] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
