/**
 * Built-in task (`.waitForTaskToken`): pauses a workflow until an event of a given type (and
 * optional pattern) arrives with the same correlationId. An event that arrived before the wait
 * began is found by the look-back; the state's `TimeoutSeconds` ends the wait with `States.Timeout`.
 *
 * Parameters (Payload): `{ "taskToken.$": "$$.Task.Token", "correlationId.$": "$.correlationId",
 * "eventType": "payment.received", "pattern": {…}?, "timeoutSeconds": 900? }`.
 */
import * as z from '../core/schema.js';
import { InvalidTaskInputError } from './task-errors.js';
import { taskServices } from './runtime.js';

const DEFAULT_TIMEOUT_SECONDS = 24 * 60 * 60;

const WaitRequest = z.strictObject({
  taskToken: z.string().check(z.minLength(1)),
  correlationId: z.string().check(z.minLength(1)),
  eventType: z.string().check(z.minLength(1)),
  pattern: z.optional(z.record(z.string(), z.unknown())),
  timeoutSeconds: z.optional(z.number().check(z.int(), z.positive())),
  /** Given to every invoked task; a wait needs none (its waiter is keyed by its task token). */
  idempotencyKey: z.optional(z.string()),
});

export async function handler(input: unknown): Promise<{ waiting: true }> {
  const parsed = WaitRequest.safeParse(input);
  if (!parsed.success) throw InvalidTaskInputError.fromZod(parsed.error);
  const { taskToken, correlationId, eventType, pattern, timeoutSeconds } = parsed.data;
  const expiresAt = new Date(Date.now() + (timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000).toISOString();
  const services = await taskServices();
  await services.registerWaiter({ token: taskToken, correlationId, eventType, expiresAt, ...(pattern ? { pattern } : {}) });
  return { waiting: true };
}
