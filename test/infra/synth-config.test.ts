import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cdkContext } from '../support/cdk.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const made: string[] = [];

/** A project directory holding only `rules/edwe.config.yaml` with this configuration. */
function aProject(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-synth-'));
  made.push(dir);
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'workflows'));
  writeFileSync(join(dir, 'rules', 'edwe.config.yaml'), `event_driven_workflow_engine:\n${config}`);
  return dir;
}

/** Runs the CDK app (`cdk.json`'s "app") the way `cdk synth` does, on that project, without bundling. */
function synth(projectDir: string): { status: number | null; stderr: string; template: () => Record<string, any> } {
  const outdir = join(projectDir, 'cdk.out');
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      NODE_NO_WARNINGS: '1',
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkContext(), 'edwe:projectDir': projectDir, 'aws:cdk:bundling-stacks': [] }),
    },
  });
  return { status: result.status, stderr: result.stderr, template: () => JSON.parse(readFileSync(join(outdir, 'EdweStack.template.json'), 'utf8')) };
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('cdk synth and the seed configuration', () => {
  it('builds the sources the configuration file names', () => {
    const result = synth(aProject('  event_sources:\n    - type: kinesis\n      stream_name: user-events\n  event_sourcing:\n    retention: 7d\n'));

    expect(result.status, result.stderr).toBe(0);
    const resources = Object.values(result.template().Resources as Record<string, { Type: string; Properties: Record<string, any> }>);
    expect(resources.filter((r) => r.Type === 'AWS::Kinesis::Stream').map((r) => r.Properties.Name)).toEqual(['user-events']);
    expect(resources.some((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.RETENTION_DAYS === '7')).toBe(true);
  });

  it('fails, naming the key, on a source it cannot deploy', () => {
    const result = synth(aProject('  event_sources:\n    - type: kafka\n      topics: [orders]\n      bootstrap_servers: [broker:9092]\n'));

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('event_sources[0] (kafka).secret_arn: required with bootstrap_servers');
    expect(result.stderr).toContain('Nothing was synthesized.');
  });

  it('fails, naming the file, line and key, on a configuration the parser refuses', () => {
    const result = synth(aProject('  event_sources:\n    - type: kinesis\n      mode: sometimes\n'));

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/edwe\.config\.yaml:\d+:\d+: .*mode.*must be one of on-demand, provisioned/);
  });
});
