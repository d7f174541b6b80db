/**
 * Where built-in task functions find the engine: the embedded engine installs its services at
 * start; in a Lambda function they are built from the environment on first use.
 */
import type { TaskServices } from '../core/index.js';

let installed: TaskServices | undefined;

/** Called by the home the tasks run in (the embedded engine, or a test). */
export function installTaskServices(services: TaskServices | undefined): void {
  installed = services;
}

export async function taskServices(): Promise<TaskServices> {
  if (installed) return installed;
  // In Lambda: the AWS-backed services. A dynamic import, so the embedded engine (which installs its
  // own) never loads the SDK; a literal one, so that esbuild bundles the module into the task function.
  const module = await import('../aws/task-services.js');
  installed = module.taskServicesFromEnvironment();
  return installed;
}
