/** Task: reserves the ordered items (here: counts them and picks the warehouse by the order's region). */
import * as z from '../../lambdas/tasks/schema.js';
import { InvalidTaskInputError } from '../../lambdas/tasks/task-errors.js';
import { taskInput } from '../../lambdas/tasks/task-input.js';

const Order = z.looseObject({
  orderId: z.string().check(z.minLength(1)),
  items: z.array(z.looseObject({ sku: z.string().check(z.minLength(1)), quantity: z.number().check(z.int(), z.positive()) })).check(z.minLength(1)),
  region: z.optional(z.string()),
});

export interface Reservation {
  orderId: string;
  units: number;
  warehouse: string;
}

export async function handler(input: unknown): Promise<Reservation> {
  const { event } = taskInput(input);
  const parsed = Order.safeParse(event.data);
  if (!parsed.success) throw InvalidTaskInputError.fromZod(parsed.error);
  const { orderId, items, region } = parsed.data;
  return { orderId, units: items.reduce((sum, item) => sum + item.quantity, 0), warehouse: region === 'eu' ? 'dublin' : 'ohio' };
}
