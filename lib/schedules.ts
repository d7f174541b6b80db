/**
 * Scheduled rules on AWS: one EventBridge Scheduler schedule per enabled schedule rule, in a group
 * of the stack's own, invoking the EventBridge ingest function with the fire as an EventBridge-shaped
 * event whose id is `<ruleId>@<aws.scheduler.scheduled-time>` — deterministic, so a fire Scheduler
 * delivers twice is stored once. A PutEvents target would not do: EventBridge gives each put a new id.
 * A fire Scheduler cannot deliver (after its retries) goes to the schedules' dead-letter queue.
 */
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SCHEDULE_FIRED, SCHEDULER_SOURCE, type Rule } from '../lambdas/core/index.js';
import { createFailureQueue } from './encryption.js';

/** Scheduler's placeholder for the time a fire was scheduled for (ISO 8601, UTC, whole seconds). */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

export interface SchedulesProps {
  /** The project's rules; the enabled ones with a `schedule` get a schedule. */
  readonly rules: readonly Rule[];
  /** The function each fire invokes: the EventBridge ingest function (it reads `id`, `detail-type`, `source`, `time`, `detail`). */
  readonly target: lambda.IFunction;
  /** Retries before a fire goes to the dead-letter queue. Default 10. */
  readonly retryAttempts?: number;
  /** How long Scheduler keeps trying one fire. Default 6 hours. */
  readonly maxEventAge?: Duration;
}

/** The input Scheduler sends for each fire of `rule`: the fire event as an EventBridge event. */
export function scheduleInput(rule: Pick<Rule, 'id' | 'data'>): string {
  return JSON.stringify({
    version: '0',
    id: `${rule.id}@${SCHEDULED_TIME}`,
    'detail-type': SCHEDULE_FIRED,
    source: SCHEDULER_SOURCE,
    time: SCHEDULED_TIME,
    detail: { ruleId: rule.id, scheduledTime: SCHEDULED_TIME, ...(rule.data ?? {}) },
  });
}

/**
 * @example new Schedules(this, 'Schedules', { rules: project.rules, target: busIngestion.ingestFunction })
 */
export class Schedules extends Construct {
  public readonly group: scheduler.CfnScheduleGroup;
  /** The role Scheduler assumes: invoke the target, send to the dead-letter queue, nothing else. */
  public readonly role: iam.Role;
  /** Fires Scheduler could not deliver (SQS-managed encryption: Scheduler needs no key grant to send). */
  public readonly deadLetterQueue: sqs.Queue;
  /** The schedules, by rule id. */
  public readonly schedules = new Map<string, scheduler.CfnSchedule>();

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.group = new scheduler.CfnScheduleGroup(this, 'Group', {});
    this.deadLetterQueue = createFailureQueue(this, 'DeadLetterQueue', undefined, 'the EventBridge Scheduler schedules (fires they could not deliver)');
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl, description: 'edwe: fires EventBridge Scheduler could not deliver' });
    // Scheduler may assume the role only for this account's schedules in this group (the confused-deputy guard the Scheduler guide recommends).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': this.group.attrArn } },
      }),
      description: 'edwe: EventBridge Scheduler invokes the ingest function with each fire of a schedule rule',
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.target.functionArn] }));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));

    for (const rule of props.rules) {
      if (!rule.enabled || rule.schedule === undefined) continue;
      const schedule = new scheduler.CfnSchedule(this, `Schedule-${rule.id}`, {
        groupName: this.group.ref,
        description: `edwe: rule ${rule.id} fires ${rule.workflow}`,
        scheduleExpression: rule.schedule,
        scheduleExpressionTimezone: rule.timezone ?? 'UTC',
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: props.target.functionArn,
          roleArn: this.role.roleArn,
          input: scheduleInput(rule),
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
          retryPolicy: { maximumRetryAttempts: props.retryAttempts ?? 10, maximumEventAgeInSeconds: (props.maxEventAge ?? Duration.hours(6)).toSeconds() },
        },
      });
      // Created after the role's policy, so Scheduler can use the role from the first fire on.
      schedule.node.addDependency(this.role);
      this.schedules.set(rule.id, schedule);
    }
  }
}
