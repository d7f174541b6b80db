/**
 * The replay start adapter, target of the per-workflow replay rules on the engine bus: each replayed
 * event names its workflow, execution and input; this starts that execution. Its name carries the
 * replay id, so it never collides with the original, and a redelivered event meets
 * `ExecutionAlreadyExists` — counted as started. A thrown error is retried by EventBridge and Lambda,
 * then lands in the replay dead-letter queue.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from '../../core/schema.js';
import { REPLAY_SOURCE, validationErrorOf, type Trigger, type WorkflowStarter } from '../../core/index.js';
import { emitCount, type PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { logger as sharedLogger } from '../wiring/powertools.js';

/** The part of a replayed event this function relies on (core `replayBusEntry` writes it). */
const ReplayedEvent = z.object({
  source: z.literal(REPLAY_SOURCE),
  detail: z.object({
    workflowId: z.string().check(z.minLength(1)),
    ruleId: z.string().check(z.minLength(1)),
    executionName: z.string().check(z.minLength(1), z.maxLength(80)),
    input: z.looseObject({ event: z.looseObject({ id: z.string() }), replay: z.object({ replayId: z.string().check(z.minLength(1)) }) }),
  }),
});

export interface ReplayStartDeps {
  starter: WorkflowStarter;
  logger?: Pick<Logger, 'info'>;
  metrics?: PowertoolsMetricsSink;
}

export type ReplayStartHandler = (event: EventBridgeEvent<string, unknown>) => Promise<{ executionName: string; alreadyStarted: boolean }>;

/**
 * The start handler without middlewares.
 * @example await createReplayStartHandler({ starter })(eventBridgeEvent)
 * @throws ValidationError for an event that is not a replayed event; the starter's errors.
 */
export function createReplayStartHandler(deps: ReplayStartDeps): ReplayStartHandler {
  const log = deps.logger ?? sharedLogger;
  return async (event) => {
    const parsed = ReplayedEvent.safeParse(event);
    if (!parsed.success) {
      throw validationErrorOf('Not a replayed event', parsed.error.issues, { root: '(event)', listDetails: false });
    }
    const { workflowId, ruleId, executionName, input } = parsed.data.detail;
    // The input exactly as it was put on the bus (zod rebuilds objects in its own key order).
    const original = (event.detail as { input: Trigger['input'] }).input;
    const trigger: Trigger = { workflowId, ruleId, executionName, input: original };
    const { alreadyStarted } = await deps.starter.start(trigger);
    const correlationId = (original as { correlationId?: string }).correlationId;
    log.info('replayed execution started', { workflowId, ruleId, executionName, replayId: input.replay.replayId, eventId: input.event.id, correlationId, alreadyStarted });
    if (!alreadyStarted) emitCount(deps.metrics, 'ReplayExecutionsStarted');
    return { executionName, alreadyStarted };
  };
}
