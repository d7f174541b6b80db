/** Reads the standard workflow input (see docs/workflows.md) that every triggered execution receives. */
import * as z from '../core/schema.js';
import { InvalidTaskInputError } from './task-errors.js';

const WorkflowInputSchema = z.looseObject({
  event: z.looseObject({
    id: z.string(),
    type: z.string(),
    source: z.string(),
    timestamp: z.string(),
    data: z.record(z.string(), z.unknown()),
    correlationId: z.optional(z.string()),
  }),
  rule: z.object({ id: z.string(), priority: z.number() }),
  correlationId: z.string(),
});

export type TaskWorkflowInput = z.infer<typeof WorkflowInputSchema>;

export function taskInput(input: unknown): TaskWorkflowInput {
  const parsed = WorkflowInputSchema.safeParse(input);
  if (!parsed.success) throw InvalidTaskInputError.fromZod(parsed.error);
  return parsed.data;
}
