/**
 * The statements hour marks add to a role (lib/hour-marks-grants.ts), as the infra tests expect them:
 * an appender's update of `HOURS#` keys and one-item Scan of the time index, a time reader's batch get of `HOURS#` keys.
 */
import { expect } from 'vitest';

/** The condition both grants carry: `HOURS#` keys, and the key present. */
export const MARK_KEYS_CONDITION = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['HOURS#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } };

/** An appender's two statements, in the order the grant adds them. */
export const MARKING = [
  expect.objectContaining({ Sid: 'MarkEventHours', Action: 'dynamodb:UpdateItem', Condition: MARK_KEYS_CONDITION }),
  expect.objectContaining({ Sid: 'ProbeForUnmarkedEvents', Action: 'dynamodb:Scan' }),
];

/** A time reader's statement. */
export const READING_MARKS = expect.objectContaining({ Sid: 'ReadHourMarks', Action: 'dynamodb:BatchGetItem', Condition: MARK_KEYS_CONDITION });
