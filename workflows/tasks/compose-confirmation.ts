/** Task: composes the order confirmation message from an `order.confirmed` event. */
import * as z from '../../lambdas/tasks/schema.js';
import { InvalidTaskInputError } from '../../lambdas/tasks/task-errors.js';
import { taskInput } from '../../lambdas/tasks/task-input.js';

const Confirmed = z.looseObject({ orderId: z.string().check(z.minLength(1)), customerEmail: z.optional(z.string()), amount: z.optional(z.number()) });

export async function handler(input: unknown): Promise<{ to: string | null; subject: string; orderId: string; correlationId: string }> {
  const { event, correlationId } = taskInput(input);
  const parsed = Confirmed.safeParse(event.data);
  if (!parsed.success) throw InvalidTaskInputError.fromZod(parsed.error);
  const { orderId, customerEmail, amount } = parsed.data;
  const paid = amount === undefined ? '' : ` (${amount.toFixed(2)} paid)`;
  return { to: customerEmail ?? null, subject: `Order ${orderId} is confirmed${paid}`, orderId, correlationId };
}
