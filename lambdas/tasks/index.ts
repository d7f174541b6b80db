/**
 * The package's `edwe/tasks` entry: what a task function of the user's may use to read the
 * standard workflow input and to fail with an error that `Retry`/`Catch` can tell apart.
 */
export { InvalidTaskInputError } from './task-errors.js';
export { taskInput, type TaskWorkflowInput } from './task-input.js';
