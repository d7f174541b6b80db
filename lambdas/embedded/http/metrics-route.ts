/** `GET /metrics`: the engine's metrics in the Prometheus text format, for a Prometheus scrape or `curl`. */
import type { ServerResponse } from 'node:http';
import type { PrometheusEngineMetrics } from '../prometheus-metrics.js';

/** Answers the scrape. */
export async function serveMetrics(metrics: Pick<PrometheusEngineMetrics, 'render' | 'contentType'>, response: ServerResponse): Promise<void> {
  const text = await metrics.render();
  response.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}
