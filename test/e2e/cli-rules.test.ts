/**
 * `edwe rules list|get|apply|delete|enable|disable|history|test` against a running `edwe dev`, over real HTTP.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../cli/io.js';
import { rulesApiCommand } from '../../cli/rules-api-commands.js';
import { registration, useEngine } from '../support/engine-process.js';

const BASE = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
const at = (minute: number) => new Date(BASE + minute * 60_000).toISOString();

describe('edwe rules (the HTTP API commands)', () => {
  const engine = useEngine();
  const dir = mkdtempSync(join(tmpdir(), 'rules-aws-cli-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const run = async (verb: string, ...argv: string[]) => {
    const io = memoryIo({ cwd: dir });
    const code = await rulesApiCommand(verb, [...argv, '--url', engine.url], io);
    return { code, out: io.out, err: io.err };
  };

  beforeAll(async () => {
    await engine.post('/events', [
      registration({ id: 'cli-r1', timestamp: at(1) }, { user_type: 'premium' }),
      registration({ id: 'cli-r2', timestamp: at(2) }, { user_type: 'free' }),
      registration({ id: 'cli-r3', timestamp: at(3) }, { user_type: 'free' }),
    ]);
    await engine.waitFor('/health', (b) => b.executionsRunning === 0 && b.events.unrouted === 0);
  });

  it('backtests the rule of a YAML file over a window and prints the answer', async () => {
    const rule = file('free.yaml', 'id: free-onboarding\neventType: user_registration\nworkflow: onboarding_workflow\nconditions:\n  - field: user_type\n    value: free\n');

    const { code, out } = await run('test', rule, '--from', at(0), '--to', at(10));

    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ scanned: 3, matched: 2, workflows: { onboarding_workflow: 2 }, eventIds: ['cli-r2', 'cli-r3'] });
  });

  it('says what the engine refused, with the JSON path', async () => {
    const rule = file('bad.json', JSON.stringify({ id: 'bad', eventType: 'user_registration', workflow: 'nowhere' }));

    await expect(run('test', rule, '--from', at(0), '--to', at(10))).rejects.toThrow(/400 validation_error[\s\S]*rule.workflow: no workflow "nowhere" is deployed/);
  });

  it('needs the window and one rule', async () => {
    const two = file('two.yaml', 'rules:\n  - {id: a, eventType: x, workflow: onboarding_workflow}\n  - {id: b, eventType: x, workflow: onboarding_workflow}\n');

    await expect(run('test', two, '--from', at(0))).rejects.toThrow(/--from and --to are required/);
    await expect(run('test', two, '--from', at(0), '--to', at(10))).rejects.toThrow(/tests one rule; the file holds 2/);
  });

  it('applies a rules file, lists both layers, disables, shows the history and deletes', async () => {
    const vip = file(
      'vip.yaml',
      'rules:\n  - id: cli-vip\n    eventType: user_registration\n    workflow: onboarding_workflow\n    conditions:\n      - {field: user_type, value: vip}\n',
    );

    const applied = await run('apply', vip);
    const again = await run('apply', vip, '--if-match', '1');
    const listed = await run('list');
    const disabled = await run('disable', 'cli-vip');
    const history = await run('history', 'cli-vip');
    const got = await run('get', 'cli-vip');
    const deleted = await run('delete', 'cli-vip');

    expect(applied.out).toBe('cli-vip: created (version 1)\n');
    expect(again.out).toBe('cli-vip: replaced (version 2)\n');
    expect(listed.out).toMatch(/^ID +VERSION +LAYER +STATE +WORKFLOW +EVENT TYPE\n/);
    expect(listed.out).toMatch(/cli-vip +2 +api +enabled +onboarding_workflow +user_registration/);
    expect(listed.out).toMatch(/premium-onboarding +\S+ +files +enabled/);
    expect(disabled.out).toBe('cli-vip: disabled (version 3)\n');
    expect(JSON.parse(history.out).versions.map((v: { change: string }) => v.change)).toEqual(['created', 'updated', 'disabled']);
    expect(JSON.parse(got.out)).toMatchObject({ id: 'cli-vip', enabled: false, managedBy: 'api', version: 3 });
    expect(deleted.out).toBe('cli-vip: deleted\n');
  });

  it('says 412 for a stale --if-match and 409 for a files rule', async () => {
    const rule = file('one.json', JSON.stringify({ id: 'cli-once', eventType: 'x', workflow: 'onboarding_workflow' }));
    const files = file('files.json', JSON.stringify({ id: 'premium-onboarding', eventType: 'x', workflow: 'onboarding_workflow' }));
    await run('apply', rule);

    await expect(run('apply', rule, '--if-match', '7')).rejects.toThrow(/^412 /);
    await expect(run('apply', files)).rejects.toThrow(/^409 managed_by_files/);
  });
});
