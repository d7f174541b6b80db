/**
 * What the Events table's hour marks (lambdas/aws/event-hour-marks.ts) need beyond an appender's put and get:
 * a writer's one-item look at the time index (is there any event yet), and a reader's consistent batch get of marks.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { EVENTS_TABLE } from '../lambdas/layout/events-table.js';

/**
 * Hour marks' keys only: `ForAllValues` alone would also match a request without the key, so its presence is required too.
 */
const MARK_KEYS = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['HOURS#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } };

/**
 * An appender's extra grants: `UpdateItem` of hour marks only (adding an hour to its day's mark), and, until the table
 * records since when marks are complete, a `Scan` (Limit 1) of the time index.
 */
export function markHoursStatements(eventsTable: { readonly tableArn: string }): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'MarkEventHours',
      actions: ['dynamodb:UpdateItem'],
      resources: [eventsTable.tableArn],
      conditions: MARK_KEYS,
    }),
    new iam.PolicyStatement({ sid: 'ProbeForUnmarkedEvents', actions: ['dynamodb:Scan'], resources: [`${eventsTable.tableArn}/index/${EVENTS_TABLE.byTime.indexName}`] }),
  ];
}

/** A time reader's grant: `BatchGetItem` of hour marks only. */
export function readHourMarksStatement(eventsTable: { readonly tableArn: string }, sid = 'ReadHourMarks'): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: ['dynamodb:BatchGetItem'],
    resources: [eventsTable.tableArn],
    conditions: MARK_KEYS,
  });
}
