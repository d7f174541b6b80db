/**
 * What the built-in tasks (`emit-event`, `wait-for-event`) are given, the same in both homes: an
 * emitted event is ingested like an event from any other entry point (validated, stored once, routed
 * from the store's stream), and a wait registers its waiter and looks back over its correlation.
 */
import { ConflictError } from '../errors.js';
import type { FieldEncryption } from '../field-encryption.js';
import type { ExecutionStore } from '../ports/executions.js';
import type { TaskServices } from '../ports/tasks.js';
import { emittedEventId } from '../task-keys.js';
import type { WaiterRequest } from '../ports/waiters.js';
import type { CorrelationWaits, WaiterOutcome } from './correlation-waits.js';
import { ingestEvent, type IngestDeps } from './ingest.js';

/** The source of an event a workflow emits without naming one. */
export const EMITTED_SOURCE = 'edwe.emit-event';

export interface TaskServicesDeps {
  /** How emitted events are ingested (the store, and the envelope context for their ids and receive time). */
  ingest: IngestDeps;
  waits: Pick<CorrelationWaits, 'register'>;
  /**
   * With encrypted fields: what a workflow emits has the plaintext of its execution's sealed input
   * fields sealed again (the execution is named by the emit's idempotency key, `<execution>/<state>`).
   */
  concealing?: { fields: Pick<FieldEncryption, 'conceal'>; executions: Pick<ExecutionStore, 'get'> };
  /** Told when a wait's look-back found its event already stored and completed it at once. */
  onWaiterCompleted?: (outcome: WaiterOutcome, request: WaiterRequest) => void;
}

/**
 * @example installTaskServices(createTaskServices({ ingest: { store, envelope }, waits }))
 */
export function createTaskServices(deps: TaskServicesDeps): TaskServices {
  const concealed = async (data: Record<string, unknown>, idempotencyKey: string | undefined): Promise<Record<string, unknown>> => {
    if (deps.concealing === undefined || idempotencyKey === undefined) return data;
    const execution = await deps.concealing.executions.get(idempotencyKey.split('/')[0] as string);
    return execution === undefined ? data : ((await deps.concealing.fields.conceal(execution.input, data)) as Record<string, unknown>);
  };
  return {
    emitEvent: async ({ type, source, data, correlationId, idempotencyKey }) => {
      const input = { type, source: source ?? EMITTED_SOURCE, data: await concealed(data ?? {}, idempotencyKey), correlationId };
      if (idempotencyKey === undefined) return { id: (await ingestEvent(input, deps.ingest)).id };
      const id = emittedEventId(idempotencyKey);
      try {
        await ingestEvent({ id, ...input }, deps.ingest);
      } catch (error) {
        // The key's event is stored already, with other content (a re-run read a later payment, say):
        // it was emitted once, and emitting is what the key makes happen at most once.
        if (!(error instanceof ConflictError)) throw error;
      }
      return { id };
    },
    registerWaiter: async (request) => {
      const outcome = await deps.waits.register(request);
      if (outcome !== undefined) deps.onWaiterCompleted?.(outcome, request);
    },
  };
}
