// Task: composes the welcome message for a new user (delivering it is up to you).
export async function handler({ user, accountManager }) {
  const premium = user.tier === 'premium';
  const text = premium && accountManager.name ? `Welcome aboard, ${user.userId}! ${accountManager.name} is your account manager.` : `Welcome aboard, ${user.userId}!`;
  return { to: user.email, template: premium ? 'welcome-premium' : 'welcome-standard', text };
}
