/**
 * Where built-in task functions find the engine: the embedded engine installs its services at
 * start; in a Lambda function they are built from the environment on first use.
 */
import type { TaskServices } from '../core/index.js';

let installed: TaskServices | undefined;

// TODO(issue 5, AWS side): lambdas/aws/task-services.ts backs these with the State table and SendTaskSuccess.
const AWS_TASK_SERVICES = '../aws/task-services.js';

/** Called by the home the tasks run in (the embedded engine, or the AWS task adapter). */
export function installTaskServices(services: TaskServices | undefined): void {
  installed = services;
}

export async function taskServices(): Promise<TaskServices> {
  if (installed) return installed;
  // In Lambda: the AWS-backed services, imported only there so the embedded engine never loads the SDK.
  const module = (await import(AWS_TASK_SERVICES).catch((error: unknown) => {
    throw new Error(`No task services installed and the AWS ones could not be loaded (${AWS_TASK_SERVICES})`, { cause: error });
  })) as { taskServicesFromEnvironment: () => TaskServices };
  installed = module.taskServicesFromEnvironment();
  return installed;
}
