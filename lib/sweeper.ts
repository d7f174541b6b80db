/**
 * The sweeper (docs/operations.md, "The sweeper"): a scheduled Lambda that finds events stored but never routed — still in
 * the Events table's sparse `byUnrouted` index some minutes after their receipt — and routes them
 * through the router's own code (lambdas/aws/jobs/sweeper.ts). It reads only that index, claims and
 * parks events through the routing marks, and reports what it gives up on to the router's failure queue.
 * On the same schedule it runs the correlation metrics pass (docs/operations.md, "Correlation metrics").
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { EVENTS_TABLE } from '../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import { grantSendToQueue, QueueOnFailure } from './encryption.js';
import { createFunction, handlerEntry } from './lambda-defaults.js';
import { grantRouting, routingFunctionProps, type RoutingProps } from './router.js';

/** The sweeper function's `service` (its logs and its metrics' dimension: the correlation metrics are emitted under it). */
export const SWEEPER_SERVICE = 'edwe-sweeper';

export interface SweeperProps extends RoutingProps {
  /** Where parked events and failed sweeps are reported (the router's failure queue). */
  readonly failureQueue: sqs.IQueue;
  /** How often it runs. Default every 5 minutes. */
  readonly every?: Duration;
  /** How long after its receipt an unrouted event is the sweeper's (the router has had its chance). Default 10 minutes. */
  readonly minAge?: Duration;
  /** Sweeps of one event before it is parked and reported. Default 3. */
  readonly maxAttempts?: number;
}

/**
 * @example new Sweeper(this, 'Sweeper', { table, rules, stateMachines, stateTable, encryptionKey, failureQueue: router.failureQueue })
 */
export class Sweeper extends Construct {
  public readonly sweeperFunction: NodejsFunction;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: SweeperProps) {
    super(scope, id);
    const every = props.every ?? Duration.minutes(5);
    this.sweeperFunction = createFunction(this, 'SweeperFunction', {
      entry: handlerEntry('sweeper'),
      serviceName: SWEEPER_SERVICE,
      description: "edwe: routes events stored but never routed, through the router's code",
      ...routingFunctionProps(this, props, {
        // A sweep ends well before the next one starts.
        timeout: Duration.seconds(Math.min(every.toSeconds(), 300)),
        // And never runs beside another (a retried schedule, a redrive from the CLI): a second invocation
        // is throttled, and retried by Lambda's asynchronous queue once the first has ended.
        reservedConcurrentExecutions: 1,
        invocation: 'async',
        environment: {
          [ENV.DEAD_LETTER_QUEUE_URL]: props.failureQueue.queueUrl,
          [ENV.SWEEP_MIN_AGE_SECONDS]: String((props.minAge ?? Duration.minutes(10)).toSeconds()),
          [ENV.SWEEP_MAX_ATTEMPTS]: String(props.maxAttempts ?? 3),
        },
      }),
    });
    // Routing (as the router), plus counting its attempts (`sweeps`) and parking (`parkedAt`).
    grantRouting(this.sweeperFunction, props, [EVENTS_TABLE.sweepsAttribute, EVENTS_TABLE.parkedAttribute]);
    this.sweeperFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadUnroutedIndex', actions: ['dynamodb:Query'], resources: [`${props.table.tableArn}/index/${EVENTS_TABLE.byUnrouted.indexName}`] }),
    );
    // The correlation metrics pass after each sweep: finds idle correlations in the State table's keys-only index (and
    // removes each with the routing grant's DeleteItem). None when they are off.
    if (props.correlationMetrics !== false) {
      this.sweeperFunction.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadCorrelationActivityIndex',
          actions: ['dynamodb:Query'],
          resources: [`${props.stateTable.tableArn}/index/${STATE_TABLE.byActivity.indexName}`],
        }),
      );
    }
    grantSendToQueue(props.failureQueue, this.sweeperFunction);
    // A failed sweep is simply the next one's work: no retry on top, the failure recorded.
    this.sweeperFunction.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1), onFailure: new QueueOnFailure(props.failureQueue) });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'edwe: runs the sweeper of unrouted events',
      schedule: events.Schedule.rate(every),
      targets: [new targets.LambdaFunction(this.sweeperFunction, { deadLetterQueue: props.failureQueue, retryAttempts: 2, maxEventAge: every })],
    });
  }
}
