/**
 * Loads a task function file. JavaScript is imported as it is; TypeScript is imported as it is where
 * the process already runs TypeScript (tsx, vitest), and otherwise through tsx's `tsImport`, which
 * the package declares as an optional peer dependency: plain `node` runs `.js`/`.mjs` tasks without it.
 */
import { pathToFileURL } from 'node:url';

/** A task function as the task files (`workflows/tasks/*`, built-ins in `lambdas/tasks/`) export it. */
export type TaskFunction = (input: unknown) => Promise<unknown>;

/** Raised when a task module cannot be used: no `handler` export, or TypeScript without tsx. */
export class TaskModuleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TaskModuleError';
  }
}

const TYPESCRIPT = /\.[mc]?ts$/;
/** What Node says when it cannot run a TypeScript file (or the `.js` specifiers it uses for `.ts` files). */
const NOT_RUNNABLE = new Set(['ERR_UNKNOWN_FILE_EXTENSION', 'ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING']);

/** @throws TaskModuleError when the module exports no `handler` function, or is TypeScript and tsx is not installed. */
export async function importTask(path: string): Promise<TaskFunction> {
  const module = (await importModule(path)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new TaskModuleError(`${path} does not export a "handler" function`);
  return module.handler as TaskFunction;
}

async function importModule(path: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  try {
    return await import(url);
  } catch (error) {
    if (!TYPESCRIPT.test(path) || !NOT_RUNNABLE.has((error as { code?: string }).code ?? '')) throw error;
    return importWithTsx(url, path);
  }
}

async function importWithTsx(url: string, path: string): Promise<unknown> {
  let tsx: typeof import('tsx/esm/api');
  try {
    tsx = await import('tsx/esm/api');
  } catch (cause) {
    throw new TaskModuleError(`${path} is TypeScript: install tsx beside edwe (npm install --save-dev tsx) or write the task in JavaScript (.js/.mjs)`, { cause });
  }
  return tsx.tsImport(url, import.meta.url);
}
