/**
 * The engine's CloudWatch dashboard (docs/operations.md, "Metrics"): its own metrics by search over the namespace,
 * the latency percentiles, the correlation metrics, one line per workflow, stream lag and the alarms' status.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { SERVICE_METRICS, WORKFLOW_METRICS } from '../lambdas/core/metric-names.js';
import { correlationWidgets } from './correlation-watch.js';

/**
 * The engine's own metrics with the `service` dimension, summed over every function that emits them:
 * core's one list (lambdas/core/metric-names.ts), which the handlers emit from too.
 */
export const ENGINE_METRICS = SERVICE_METRICS;

/** The engine's metrics with the `service` and `workflowId` dimensions: one line per workflow. */
export const ENGINE_WORKFLOW_METRICS = WORKFLOW_METRICS;

/** Milliseconds, not counts: drawn as their maximum. */
const LATENCY_METRICS = new Set<string>(['RoutingLag']);

export interface EngineDashboardProps {
  /** CloudWatch namespace the handlers' Powertools metrics use. */
  readonly namespace: string;
  /** Functions fed by a stream: their iterator age is drawn. */
  readonly streamConsumers: Readonly<Record<string, lambda.IFunction>>;
  /** Whether the correlation metrics pass runs: its metrics are drawn. */
  readonly correlationMetrics: boolean;
  /** The alarms whose status the dashboard shows. */
  readonly alarms: cloudwatch.IAlarm[];
}

/** The dashboard, as the construct `Dashboard` of `scope`. */
export function engineDashboard(scope: Construct, props: EngineDashboardProps): cloudwatch.Dashboard {
  const fiveMinutes = Duration.minutes(5);
  const search = (dimensions: string, metricName: string, statistic: string) => `SEARCH('{${props.namespace},${dimensions}} MetricName="${metricName}"', '${statistic}', 300)`;
  const engineMetric = (metricName: string) => {
    const latency = LATENCY_METRICS.has(metricName);
    return new cloudwatch.MathExpression({
      expression: latency ? `MAX(${search('service', metricName, 'Maximum')})` : `SUM(${search('service', metricName, 'Sum')})`,
      label: latency ? `${metricName} (max ms)` : metricName,
      period: fiveMinutes,
    });
  };
  // One line per workflow (and function): the label is the search's own, naming the dimensions.
  const perWorkflow = (metricName: string) => new cloudwatch.MathExpression({ expression: search('service,workflowId', metricName, 'Sum'), label: '', period: fiveMinutes });

  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: Duration.hours(3) });
  dashboard.addWidgets(
    // The correlation pass's own count is drawn with the correlation metrics, below.
    ...Object.entries(ENGINE_METRICS)
      .filter(([title]) => title !== 'correlations')
      .map(
        ([title, names]) =>
          new cloudwatch.GraphWidget({
            title,
            width: 8,
            left: names.filter((n) => !LATENCY_METRICS.has(n)).map(engineMetric),
            right: names.filter((n) => LATENCY_METRICS.has(n)).map(engineMetric),
          }),
      ),
  );
  // The distributions, as percentiles: CloudWatch keeps each EMF value.
  const percentile = (metricName: string, stat: string, dimensions = 'service') =>
    new cloudwatch.MathExpression({ expression: search(dimensions, metricName, stat), label: '', period: fiveMinutes });
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'routing and start latency (s, p50 / p99)',
      width: 12,
      left: ['RoutingLatency', 'StartLatency'].flatMap((m) => ['p50', 'p99'].map((p) => percentile(m, p))),
    }),
    new cloudwatch.GraphWidget({ title: 'execution duration by workflow (s, p99)', width: 12, left: [percentile('ExecutionDuration', 'p99', 'service,workflowId')] }),
  );
  // The correlation metrics, emitted by the sweeper's pass (docs/operations.md, "Correlation metrics").
  if (props.correlationMetrics) dashboard.addWidgets(...correlationWidgets(search));
  dashboard.addWidgets(...ENGINE_WORKFLOW_METRICS.map((name) => new cloudwatch.GraphWidget({ title: `${name} by workflow`, width: 6, left: [perWorkflow(name)] })));
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'stream lag (iterator age, ms)',
      width: 12,
      left: Object.values(props.streamConsumers).map((fn) => fn.metric('IteratorAge', { period: fiveMinutes, statistic: 'Maximum' })),
    }),
    new cloudwatch.AlarmStatusWidget({ title: 'alarms', width: 12, alarms: props.alarms }),
  );
  return dashboard;
}
