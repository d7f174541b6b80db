/** Small builders for rule tests: rules, events, rule files and throwaway project directories. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRules, RuleFileError, type Condition, type EngineEvent, type Rule, type RuleFileIssue } from '../../../lambdas/core/index.js';

/** A valid rule; override what the test is about. */
export function rule(overrides: Partial<Rule> = {}): Rule {
  return { id: 'r', eventType: 'user_registration', workflow: 'onboarding_workflow', priority: 0, conditions: [], stop: false, enabled: true, ...overrides };
}

/** A rule with one condition. */
export const when = (field: string, op: Condition['op'], value?: unknown, overrides: Partial<Rule> = {}): Rule =>
  rule({ conditions: [{ field, ...(op === undefined ? {} : { op }), ...(value === undefined ? {} : { value }) }], ...overrides });

/** An event of the envelope's shape. */
export function event(data: Record<string, unknown> = {}, overrides: Partial<EngineEvent> = {}): EngineEvent {
  return { id: 'evt-1', type: 'user_registration', source: 'web-app', timestamp: '2026-01-01T00:00:00.000Z', data, ...overrides };
}

/** The seed's example event. */
export const seedEvent = (): EngineEvent => event({ user_type: 'premium' });

/** YAML text from lines, so fixtures show their line numbers plainly. */
export const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** The issues `parseRules` reports for a text (fails the test when it parses). */
export function issuesOf(text: string, file = 'rules/test.yaml'): RuleFileIssue[] {
  try {
    parseRules(text, file);
  } catch (error) {
    if (error instanceof RuleFileError) return [...error.issues];
    throw error;
  }
  throw new Error('expected the rules file to be rejected');
}

/** The seed's configuration example, as the seed writes it. */
export const SEED_CONFIG = yaml(
  'event_driven_workflow_engine:',
  '  event_sources:',
  '    - type: "kafka"',
  '      topics: ["user-events", "system-events"]',
  '    - type: "webhook"',
  '      endpoints: ["/api/events"]',
  '  trigger_rules:',
  '    - event_type: "user_registration"',
  '      workflow: "onboarding_workflow"',
  '      conditions:',
  '        - field: "user_type"',
  '          value: "premium"',
  '  event_sourcing:',
  '    enabled: true',
  '    retention: "30d"',
  '    replay_enabled: true',
  '  real_time_execution:',
  '    enabled: true',
  '    max_latency: "100ms"',
);

const MINIMAL_ASL = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });

/** A project on disk: `rules/<name>` files and empty-bodied workflows; `cleanup()` removes it. */
export function tempProject(files: { rules?: Record<string, string>; workflows?: string[] } = {}): {
  root: string;
  rulesDir: string;
  workflowsDir: string;
  tasksDir: string;
  cleanup: () => void;
} {
  const root = mkdtempSync(join(tmpdir(), 'edwe-rules-'));
  const rulesDir = join(root, 'rules');
  const workflowsDir = join(root, 'workflows');
  const tasksDir = join(root, 'lambdas', 'tasks');
  for (const dir of [rulesDir, workflowsDir, tasksDir]) mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files.rules ?? {})) writeFileSync(join(rulesDir, name), text);
  for (const id of files.workflows ?? ['onboarding_workflow']) writeFileSync(join(workflowsDir, `${id}.asl.json`), MINIMAL_ASL);
  return { root, rulesDir, workflowsDir, tasksDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
