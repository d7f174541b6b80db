/**
 * The managed layer of trigger rules: rules created through the API, kept versioned in the engine's store
 * (SQLite embedded, the State table on AWS). The files layer (`rules/*.yaml`) is not here: it is read-only and
 * ships with the code. See docs/rules.md, Managing rules at run time.
 */

import type { Rule } from '../rules/types.js';

/** A rule as written: the YAML fields as JSON (`{id, eventType, workflow, conditions, …}`), kept as sent. */
export type RuleDocument = Record<string, unknown>;

/** What a version of a rule did to it. */
export type RuleChange = 'created' | 'updated' | 'enabled' | 'disabled' | 'deleted';

/** A managed rule as stored now: its document and the version that wrote it. A deleted rule stays as a tombstone. */
export interface StoredRule {
  id: string;
  rule: RuleDocument;
  /**
   * The rule as read from `rule` when it was written (plain JSON, without `version`): what routing compiles, so that the
   * routing functions need no document reader (the YAML parser). Absent on a record written without it; see `managedRule`.
   */
  read?: Rule;
  /** 1 for the first version of this id, +1 for every change (a re-created id continues its count). */
  version: number;
  managedBy: 'api';
  /** ISO time of the last change. */
  updatedAt: string;
  /** Who made the last change (a token's name, an IAM identity). */
  updatedBy: string;
  /** Set when the last change deleted the rule. */
  deleted?: true;
}

/** One version of one rule, as `GET /rules/{id}/history` lists it. */
export interface RuleVersion {
  id: string;
  version: number;
  change: RuleChange;
  /** The document as it was after this change (for `deleted`, as it was when deleted). */
  rule: RuleDocument;
  /** The rule as read from `rule` (see `StoredRule.read`). */
  read?: Rule;
  changedAt: string;
  changedBy: string;
  /** The set's revision this change made: a total order of every change to the managed layer. */
  revision: number;
}

/** The live managed rules (no tombstones) and the set's revision. */
export interface RuleListing {
  rules: StoredRule[];
  revision: number;
}

/** A change to write. `expectedVersion`: the version the writer read (0 = the id has no live rule); a different one fails. */
export interface RuleWrite {
  id: string;
  change: RuleChange;
  /** The document after the change (for `deleted`, the document being deleted). */
  rule: RuleDocument;
  /** The rule as read from `rule`, stored beside it (see `StoredRule.read`). */
  read?: Rule;
  /** Checked against the stored version when given: a live rule's version, or 0 for "no live rule" (none, or deleted). */
  expectedVersion?: number;
  at: string;
  by: string;
}

/**
 * Versioned rule records. Every write bumps the set's revision and appends a version; a write is atomic (record,
 * version and revision together) and checked against `expectedVersion`.
 */
export interface RuleStore {
  /** The live rules, in id order, with the revision they are at. */
  list(): Promise<RuleListing>;
  /** A rule as stored, its tombstone included (`deleted`); `undefined` when the id was never written. */
  get(id: string): Promise<StoredRule | undefined>;
  /**
   * Writes one change and answers the record as now stored and the set's new revision.
   * @throws PreconditionFailedError when `expectedVersion` is given and is not the stored one (412).
   */
  write(change: RuleWrite): Promise<{ stored: StoredRule; revision: number }>;
  /** Every version of one rule, oldest first; empty when the id was never written. */
  history(id: string): Promise<RuleVersion[]>;
  /** The set's revision (0 before the first change): one small read, for refreshing a cached set. */
  revision(): Promise<number>;
  /**
   * Every change to the managed layer up to and including `until` (ISO), in revision order: what a replay that
   * routes each event by the rules of its time reads once (see `rulesAsOf`).
   */
  changes(until?: string): Promise<RuleVersion[]>;
}

/**
 * The managed rules in force at `time` (ISO), from the changes in revision order: each id's last change at or
 * before `time`, without the deleted ones. Disabled rules are included (their document says `enabled: false`).
 */
export function rulesAsOf(changes: readonly RuleVersion[], time: string): RuleVersion[] {
  const latest = new Map<string, RuleVersion>();
  for (const change of changes) if (change.changedAt <= time) latest.set(change.id, change);
  return [...latest.values()].filter((v) => v.change !== 'deleted').sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
