/**
 * Workflow definitions (see docs/workflows.md): ASL JSON with `${TaskName}` placeholders that name task
 * functions (`${ValidateUser}` → `workflows/tasks/validate-user.ts`).
 */
import { ValidationError } from './errors.js';

export type WorkflowType = 'STANDARD' | 'EXPRESS';

export interface WorkflowSettings {
  type: WorkflowType;
  /** Whole-execution timeout. */
  timeoutSeconds: number;
  /**
   * The starts per second the deployer expects at peak: `cdk synth` warns when a Standard
   * workflow's exceeds the region's StartExecution refill (docs/capacity.md). Optional.
   */
  expectedRatePerSecond?: number;
}

export interface WorkflowDefinition {
  id: string;
  /** The ASL text as written, placeholders included. */
  definition: string;
  settings: WorkflowSettings;
  /** Placeholder names used by the definition, e.g. `ValidateUser`. */
  tasks: string[];
}

export const DEFAULT_WORKFLOW_SETTINGS: WorkflowSettings = { type: 'STANDARD', timeoutSeconds: 300 };

const PLACEHOLDER = /\$\{([A-Za-z][A-Za-z0-9]*)\}/g;
export const WORKFLOW_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The task names a definition refers to, in first-use order. */
export function placeholdersOf(definition: string): string[] {
  return [...new Set([...definition.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/** `ValidateUser` → `validate-user`: the task function's file name. */
export function taskFileName(task: string): string {
  return task
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Replaces every `${Task}` with `resolve(Task)`. */
export function substitutePlaceholders(definition: string, resolve: (task: string) => string): string {
  return definition.replace(PLACEHOLDER, (_, task: string) => resolve(task));
}

/**
 * Checks a workflow file's text and builds its definition.
 * @throws ValidationError when the JSON is broken or has no `StartAt`/`States`.
 */
export function parseWorkflow(id: string, text: string, settings: Partial<WorkflowSettings> = {}, fileName = `${id}.asl.json`): WorkflowDefinition {
  if (!WORKFLOW_ID.test(id)) throw new ValidationError(`${fileName}: workflow id "${id}" may contain only letters, digits, _ and -`);
  let asl: unknown;
  try {
    asl = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${fileName}: not valid JSON: ${(error as Error).message}`, [], { cause: error });
  }
  if (asl === null || typeof asl !== 'object' || typeof (asl as { StartAt?: unknown }).StartAt !== 'string' || typeof (asl as { States?: unknown }).States !== 'object') {
    throw new ValidationError(`${fileName}: an ASL definition needs "StartAt" and "States"`);
  }
  const merged: WorkflowSettings = { ...DEFAULT_WORKFLOW_SETTINGS, ...settings };
  if (merged.type !== 'STANDARD' && merged.type !== 'EXPRESS') throw new ValidationError(`${fileName}: type must be STANDARD or EXPRESS`);
  if (!Number.isInteger(merged.timeoutSeconds) || merged.timeoutSeconds < 1) throw new ValidationError(`${fileName}: timeoutSeconds must be a positive integer`);
  const rate = merged.expectedRatePerSecond;
  if (rate !== undefined && (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)) {
    throw new ValidationError(`${fileName}: expectedRatePerSecond must be a number of starts per second above 0`);
  }
  return { id, definition: text, settings: merged, tasks: placeholdersOf(text) };
}
