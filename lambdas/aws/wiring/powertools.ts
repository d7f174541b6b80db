/**
 * The Powertools utilities every handler shares. Their names come from POWERTOOLS_SERVICE_NAME and
 * POWERTOOLS_METRICS_NAMESPACE (set by the CDK constructs); constructing them has no side effects,
 * and outside Lambda the tracer is disabled, so tests can import the handlers freely.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger();
export const tracer = new Tracer();
export const metrics = new Metrics();

/** An SDK client with its calls traced by the function's tracer. */
export const traced = <T>(client: T): T => tracer.captureAWSv3Client(client);

/**
 * Runs `work` in its own X-Ray subsegment carrying `annotations` (indexed, so a trace can be found by
 * `annotation.eventId = "…"`). The current segment is shared state: with `concurrent`, the subsegment
 * is not made current (the SDK calls of `work` then hang under the invocation's segment, not this
 * one), so that items processed side by side do not nest under each other. Without tracing (tests,
 * local runs) it just runs `work`.
 * @example await inSubsegment(tracer, '### route', { eventId }, () => router.route(event))
 */
export async function inSubsegment<T>(
  using: Pick<Tracer, 'isTracingEnabled' | 'getSegment' | 'setSegment'>,
  name: string,
  annotations: Readonly<Record<string, string | undefined>>,
  work: () => Promise<T>,
  concurrent = false,
): Promise<T> {
  const parent = using.isTracingEnabled() ? using.getSegment() : undefined;
  if (parent === undefined) return work();
  const subsegment = parent.addNewSubsegment(name);
  for (const [key, value] of Object.entries(annotations)) if (value !== undefined) subsegment.addAnnotation(key, value);
  if (!concurrent) using.setSegment(subsegment);
  try {
    return await work();
  } catch (error) {
    subsegment.addError(error as Error);
    throw error;
  } finally {
    subsegment.close();
    if (!concurrent) using.setSegment(parent);
  }
}
