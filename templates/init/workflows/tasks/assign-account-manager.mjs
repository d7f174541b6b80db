// Task: gives a premium user an account manager, chosen stably from the team by the user id.
const ACCOUNT_MANAGERS = ['Ada Lovelace', 'Grace Hopper', 'Katherine Johnson', 'Margaret Hamilton'];

export async function handler(input) {
  let hash = 0;
  for (const char of input.user.userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return { name: ACCOUNT_MANAGERS[hash % ACCOUNT_MANAGERS.length] };
}
