/** Task: gives a premium user an account manager, chosen stably from the team by the user id. */
import * as z from '../../lambdas/tasks/schema.js';

const ACCOUNT_MANAGERS = ['Ada Lovelace', 'Grace Hopper', 'Katherine Johnson', 'Margaret Hamilton'] as const;
const Input = z.object({ user: z.object({ userId: z.string().check(z.minLength(1)) }) });

export async function handler(input: unknown): Promise<{ name: string }> {
  const { user } = Input.parse(input);
  let hash = 0;
  for (const char of user.userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return { name: ACCOUNT_MANAGERS[hash % ACCOUNT_MANAGERS.length] as string };
}
