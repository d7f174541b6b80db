/** Task: composes the welcome message for a new user (delivery is a separate concern of the deployer's). */
import * as z from '../../lambdas/tasks/schema.js';

const Input = z.object({
  user: z.object({ userId: z.string(), email: z.nullable(z.string()), tier: z.string() }),
  accountManager: z.object({ name: z.nullable(z.string()) }),
});

export interface WelcomeMessage {
  to: string | null;
  template: 'welcome-premium' | 'welcome-standard';
  text: string;
}

export async function handler(input: unknown): Promise<WelcomeMessage> {
  const { user, accountManager } = Input.parse(input);
  const premium = user.tier === 'premium';
  const text = premium && accountManager.name ? `Welcome aboard, ${user.userId}! ${accountManager.name} is your account manager.` : `Welcome aboard, ${user.userId}!`;
  return { to: user.email, template: premium ? 'welcome-premium' : 'welcome-standard', text };
}
