/**
 * What the dashboard and the alarms show of the correlation metrics (docs/operations.md, "Correlation metrics"): the
 * sweeper's pass emits them, so they are drawn, and its failures alarmed, only in a stack that runs the pass.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SERVICE_METRICS, type GaugeMetric, type HistogramMetric } from '../lambdas/core/metric-names.js';

/** The pass that emits the correlation metrics: the function's `service`, and how often it runs. */
export interface CorrelationMetricsWatch {
  readonly service: string;
  readonly every: Duration;
}

/** Passes in a row that must fail before the alarm: one failure is the next pass's to make good. */
export const FAILED_PASSES_TO_ALARM = 2;

const [PASSES_FAILED] = SERVICE_METRICS.correlations;

/** The failed passes, summed over each pass's interval (at least 5 minutes, CloudWatch's usual period for EMF). */
export function failedPasses(namespace: string, watch: CorrelationMetricsWatch): cloudwatch.Metric {
  // CloudWatch takes periods of whole minutes here.
  const period = Duration.minutes(Math.ceil(Math.max(300, watch.every.toSeconds()) / 60));
  return new cloudwatch.Metric({ namespace, metricName: PASSES_FAILED, dimensionsMap: { service: watch.service }, period, statistic: 'Sum' });
}

/**
 * The widgets: the active correlations after each pass (and the passes that failed), the distributions of the
 * correlations each pass closed as percentiles.
 * @param search a `SEARCH` of the namespace by dimensions, metric name and statistic, as the rest of the dashboard's.
 */
export function correlationWidgets(search: (dimensions: string, metricName: string, statistic: string) => string): cloudwatch.IWidget[] {
  const period = Duration.minutes(5);
  const active: GaugeMetric = 'ActiveCorrelations';
  const perCorrelation: HistogramMetric[] = ['CorrelationEvents', 'CorrelationWorkflows'];
  const span: HistogramMetric = 'CorrelationSpan';
  const percentile = (metricName: string, stat: string) => new cloudwatch.MathExpression({ expression: search('service', metricName, stat), label: '', period });
  return [
    new cloudwatch.GraphWidget({
      title: 'active correlations (idle < 5 min)',
      width: 8,
      left: [new cloudwatch.MathExpression({ expression: `MAX(${search('service', active, 'Maximum')})`, label: active, period })],
      right: [new cloudwatch.MathExpression({ expression: `SUM(${search('service', PASSES_FAILED, 'Sum')})`, label: PASSES_FAILED, period })],
    }),
    new cloudwatch.GraphWidget({
      title: 'events and workflows per correlation (p50 / p99)',
      width: 8,
      left: perCorrelation.flatMap((m) => ['p50', 'p99'].map((p) => percentile(m, p))),
    }),
    new cloudwatch.GraphWidget({ title: 'correlation span (s, p50 / p99)', width: 8, left: ['p50', 'p99'].map((p) => percentile(span, p)) }),
  ];
}
