/**
 * Built-in task: a workflow emits an event that carries its correlationId and is ingested like any other.
 * Parameters: `{ "type": "order.confirmed", "data.$": "$.order", "correlationId.$": "$.correlationId" }`.
 */
import * as z from '../core/schema.js';
import { InvalidTaskInputError } from './task-errors.js';
import { taskServices } from './runtime.js';

const EmitRequest = z.strictObject({
  type: z.string().check(z.minLength(1)),
  source: z.optional(z.string().check(z.minLength(1))),
  data: z.optional(z.record(z.string(), z.unknown())),
  correlationId: z.string().check(z.minLength(1)),
  /** `<execution>/<state>`, added to every `lambda:invoke` payload (see core/task-keys.ts): the emitted event's id derives from it. */
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
});

export async function handler(input: unknown): Promise<{ id: string; type: string }> {
  const parsed = EmitRequest.safeParse(input);
  if (!parsed.success) throw InvalidTaskInputError.fromZod(parsed.error);
  const { type, source, data, correlationId, idempotencyKey } = parsed.data;
  const services = await taskServices();
  const { id } = await services.emitEvent({
    type,
    correlationId,
    ...(source === undefined ? {} : { source }),
    ...(data === undefined ? {} : { data }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });
  return { id, type };
}
