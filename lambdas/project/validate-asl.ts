/**
 * Checks a workflow definition against the Amazon States Language (asl-validator's schemas and
 * path checks), with each problem located at its line in the `.asl.json` file.
 */
import aslValidator from 'asl-validator';
import { LineCounter, parseDocument } from 'yaml';
import { substitutePlaceholders, taskFileName, type RuleFileIssue, type WorkflowDefinition } from '../core/index.js';

/** Placeholders become well-formed Lambda ARNs, as the CDK app's substitutions do. */
const sampleArn = (task: string) => `arn:aws:lambda:us-east-1:123456789012:function:edwe-${taskFileName(task)}`;

export function validateAsl(workflow: WorkflowDefinition, file: string): RuleFileIssue[] {
  const text = substitutePlaceholders(workflow.definition, sampleArn);
  const result = aslValidator(JSON.parse(text));
  if (result.isValid) return [];
  const lineCounter = new LineCounter();
  // JSON is YAML: the yaml parser gives every node its position.
  const doc = parseDocument(text, { lineCounter });
  return result.errors.map((error) => {
    const pointer = error.schemaError?.instancePath ?? '';
    const segments = pointer
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const node = doc.getIn(segments, true) as { range?: [number, number, number] } | undefined;
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { file, line, column: col, path: pointer, message: `${workflow.id}: ${error.Message}` };
  });
}
