import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProject, ProjectError } from '../../lambdas/project/load-project.js';

/** A throwaway project: rules/, workflows/ and tasks/ under one temporary root. */
function project(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'edwe-project-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { rulesDir: join(root, 'rules'), workflowsDir: join(root, 'workflows'), tasksDir: join(root, 'tasks'), root };
}

const RULE = 'rules:\n  - id: r\n    eventType: t\n    workflow: flow\n';
const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

function problems(files: Record<string, string>): string[] {
  const paths = project(files);
  roots.push(paths.root);
  try {
    loadProject(paths);
  } catch (error) {
    expect(error).toBeInstanceOf(ProjectError);
    return (error as ProjectError).issues.map((i) => `${i.file.slice(paths.root.length + 1)}:${i.line}: ${i.message}`);
  }
  return [];
}

describe('workflow definitions are validated when a project loads', () => {
  it('accepts a valid definition whose tasks exist', () => {
    expect(
      problems({
        'rules/r.yaml': RULE,
        'workflows/flow.asl.json': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${DoIt}","End":true}}}',
        'tasks/do-it.ts': 'export async function handler() {}',
      }),
    ).toEqual([]);
  });

  it('reports an ASL schema error at the state that has it', () => {
    const definition = '{\n  "StartAt": "A",\n  "States": {\n    "A": { "Type": "Pass", "Nxt": "B" },\n    "B": { "Type": "Succeed" }\n  }\n}\n';

    expect(problems({ 'rules/r.yaml': RULE, 'workflows/flow.asl.json': definition })).toEqual([
      expect.stringMatching(/^workflows\/flow\.asl\.json:4: flow: \/States\/A is invalid/),
    ]);
  });

  it('reports a placeholder with no task function', () => {
    expect(problems({ 'rules/r.yaml': RULE, 'workflows/flow.asl.json': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Missing}","End":true}}}' })).toEqual([
      expect.stringMatching(/^workflows\/flow\.asl\.json:1: \$\{Missing\} has no task function/),
    ]);
  });

  it('reports a rule naming a workflow that does not exist, and broken JSON, together', () => {
    const found = problems({ 'rules/r.yaml': RULE.replace('workflow: flow', 'workflow: nowhere'), 'workflows/other.asl.json': '{"StartAt": ' });

    expect(found).toHaveLength(2);
    expect(found.join('\n')).toMatch(/workflow "nowhere" does not exist/);
    expect(found.join('\n')).toMatch(/other\.asl\.json:1: not valid JSON/);
  });
});

describe('the cache of definitions found valid', () => {
  const VALID = '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}';
  const INVALID = '{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}';
  const withCache = <T>(dir: string, body: () => T): T => {
    const before = process.env.EDWE_CACHE_DIR;
    process.env.EDWE_CACHE_DIR = dir;
    try {
      return body();
    } finally {
      if (before === undefined) delete process.env.EDWE_CACHE_DIR;
      else process.env.EDWE_CACHE_DIR = before;
    }
  };

  it('remembers a valid definition and never an invalid one, which is reported on every load', () => {
    const cache = mkdtempSync(join(tmpdir(), 'edwe-cache-'));
    roots.push(cache);
    const entries = () => (existsSync(join(cache, 'valid-asl')) ? readdirSync(join(cache, 'valid-asl')) : []);

    withCache(cache, () => problems({ 'rules/r.yaml': RULE, 'workflows/flow.asl.json': VALID }));
    expect(entries()).toHaveLength(1);
    const first = withCache(cache, () => problems({ 'rules/r.yaml': RULE, 'workflows/flow.asl.json': INVALID }));
    const again = withCache(cache, () => problems({ 'rules/r.yaml': RULE, 'workflows/flow.asl.json': INVALID }));

    expect(first).toEqual(again);
    expect(first.join('\n')).toMatch(/Nowhere/);
    expect(entries()).toHaveLength(1);
  });

  it('is not written when EDWE_CACHE_DIR=off', () => {
    const home = mkdtempSync(join(tmpdir(), 'edwe-cache-'));
    roots.push(home);
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = home;
    try {
      withCache('off', () => problems({ 'rules/r.yaml': RULE, 'workflows/flow.asl.json': VALID }));
    } finally {
      if (before === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = before;
    }

    expect(readdirSync(home)).toEqual([]);
  });
});
