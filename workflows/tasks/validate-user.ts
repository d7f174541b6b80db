/** Task: checks the registering user's details and derives their tier. */
import * as z from '../../lambdas/tasks/schema.js';
import { InvalidTaskInputError } from '../../lambdas/tasks/task-errors.js';
import { taskInput } from '../../lambdas/tasks/task-input.js';

const UserData = z.looseObject({
  userId: z.optional(z.string().check(z.minLength(1))),
  email: z.optional(z.email({ error: 'must be an email address' })),
  user_type: z.optional(z.string().check(z.minLength(1))),
});

export interface ValidatedUser {
  userId: string;
  email: string | null;
  tier: string;
}

export async function handler(input: unknown): Promise<ValidatedUser> {
  const { event } = taskInput(input);
  const parsed = UserData.safeParse(event.data);
  if (!parsed.success) throw InvalidTaskInputError.fromZod(parsed.error);
  const data = parsed.data;
  return { userId: data.userId ?? event.id, email: data.email ?? null, tier: data.user_type ?? 'standard' };
}
