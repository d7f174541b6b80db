/**
 * Checks a workflow definition against the Amazon States Language (asl-validator's schemas and
 * path checks), with each problem located at its line in the `.asl.json` file.
 *
 * asl-validator compiles its JSON schemas afresh on every call (about half a second of CPU), which
 * would be most of `edwe dev`'s start-up. Its answer depends only on its version and the definition,
 * so a definition found valid is remembered by that pair's hash in a cache folder (`$EDWE_CACHE_DIR`,
 * else `$XDG_CACHE_HOME/edwe` or `~/.cache/edwe`; `EDWE_CACHE_DIR=off` disables it), and the
 * validator is loaded only when a definition is not known valid. Invalid definitions are never cached.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { substitutePlaceholders, taskFileName, type RuleFileIssue, type WorkflowDefinition } from '../core/index.js';

type AslValidator = typeof import('asl-validator');

const require = createRequire(import.meta.url);

/** Placeholders become well-formed Lambda ARNs, as the CDK app's substitutions do. */
const sampleArn = (task: string) => `arn:aws:lambda:us-east-1:123456789012:function:edwe-${taskFileName(task)}`;

export function validateAsl(workflow: WorkflowDefinition, file: string): RuleFileIssue[] {
  const text = substitutePlaceholders(workflow.definition, sampleArn);
  const known = knownValidMarker(text);
  if (known !== undefined && existsSync(known)) return [];
  const result = (require('asl-validator') as AslValidator)(JSON.parse(text));
  if (result.isValid) {
    if (known !== undefined) remember(known);
    return [];
  }
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

/** The cache folder, or undefined when disabled. */
function cacheDir(): string | undefined {
  const configured = process.env.EDWE_CACHE_DIR;
  if (configured === 'off') return undefined;
  if (configured) return join(configured, 'valid-asl');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'edwe', 'valid-asl');
}

let validatorVersion: string | undefined;

/** The file whose presence says "this definition passed this validator version". */
function knownValidMarker(text: string): string | undefined {
  const dir = cacheDir();
  if (dir === undefined) return undefined;
  validatorVersion ??= (require('asl-validator/package.json') as { version: string }).version;
  return join(dir, createHash('sha256').update(`asl-validator@${validatorVersion}\n${text}`).digest('hex'));
}

function remember(marker: string): void {
  try {
    mkdirSync(join(marker, '..'), { recursive: true });
    writeFileSync(marker, '');
  } catch {
    // A cache that cannot be written only costs the next start-up the validation again.
  }
}
