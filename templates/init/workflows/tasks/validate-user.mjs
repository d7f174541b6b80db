// Task: checks the registering user's details and derives their tier.
// A task function is a module exporting `handler(input)`; a triggered workflow's input is
// { event, rule, correlationId }. Retry/Catch match on an error's name: the workflow catches
// InvalidTaskInputError (a bad input no retry can fix). `edwe/tasks` has a ready-made one and
// `taskInput(input)`, a validating reader of the workflow input, where edwe is installed in this folder.
class InvalidTaskInputError extends Error {
  name = 'InvalidTaskInputError';
}

export async function handler(input) {
  const { event } = input;
  const { userId, email, user_type: userType } = event.data;
  if (email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(String(email))) throw new InvalidTaskInputError('data.email: must be an email address');
  return { userId: userId ?? event.id, email: email ?? null, tier: userType ?? 'standard' };
}
