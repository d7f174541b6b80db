/** Task: checks the registering user's details and derives their tier. */
import { z } from 'zod';
import { InvalidTaskInputError } from '../../lambdas/tasks/task-errors.js';
import { taskInput } from '../../lambdas/tasks/task-input.js';

const UserData = z.looseObject({
  userId: z.string().min(1).optional(),
  email: z.email({ error: 'must be an email address' }).optional(),
  user_type: z.string().min(1).optional(),
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
