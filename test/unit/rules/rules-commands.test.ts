import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../cli/io.js';
import { rulesCheck, rulesRoute, testEventPattern } from '../../../cli/rules-commands.js';
import { SEED_CONFIG, tempProject, yaml } from './helpers.js';

let project: ReturnType<typeof tempProject> | undefined;
afterEach(() => project?.cleanup());

const RULES = yaml(
  'rules:',
  '  - id: premium-onboarding',
  '    eventType: user_registration',
  '    workflow: onboarding_workflow',
  '    priority: 100',
  '    stop: true',
  '    conditions:',
  '      - field: user_type',
  '        value: premium',
  '  - id: every-signup',
  '    eventType: user_registration',
  '    workflow: onboarding_workflow',
  '    correlateBy: email',
);

/** A project in a temp dir, and an io whose working directory is its root. */
function setUp(rules: Record<string, string>, stdin?: string) {
  project = tempProject({ rules });
  return memoryIo({ cwd: project.root, ...(stdin === undefined ? {} : { stdin }) });
}

const awsEvent = (detail: Record<string, unknown>) =>
  JSON.stringify({
    id: '1',
    account: '123456789012',
    source: 'com.example',
    time: '2026-01-01T00:00:00Z',
    region: 'eu-west-1',
    resources: [],
    'detail-type': 'Order',
    detail,
  });

describe('edwe rules check', () => {
  it('prints a one-line summary and exits 0 for valid rules', async () => {
    const io = setUp({ 'onboarding.yaml': RULES, 'edwe.config.yaml': SEED_CONFIG });

    expect(await rulesCheck([], io)).toBe(0);
    expect(io.out).toBe('3 rules in 2 files, 1 workflow: OK\n');
    expect(io.err).toBe('');
  });

  it('shows each schedule rule with its next three fires, and locates a bad cron', async () => {
    const io = setUp({
      'nightly.yaml': yaml('rules:', '  - id: nightly', '    schedule: "cron(0 2 * * ? *)"', '    timezone: Europe/Berlin', '    workflow: onboarding_workflow'),
    });

    expect(await rulesCheck([], io)).toBe(0);
    const lines = io.out.split('\n');
    expect(lines[1]).toMatch(/^schedule nightly: cron\(0 2 \* \* \? \*\) \(Europe\/Berlin, catchUp latest\); next (\d{4}-\d\d-\d\dT0[01]:00:00Z(, )?){3}$/);

    const bad = setUp({ 'nightly.yaml': yaml('rules:', '  - id: nightly', '    schedule: "cron(0 2 * * ? * *)"', '    workflow: onboarding_workflow') });
    expect(await rulesCheck([], bad)).toBe(1);
    expect(bad.err).toContain('rules/nightly.yaml:3:15: rule "nightly", schedule: invalid cron expression: a cron expression has six fields');
  });

  it('prints every problem as file:line:column: message and exits 1', async () => {
    const io = setUp({
      'bad.yaml': yaml('rules:', '  - id: a', '    eventType: t', '    workflow: missing_flow', '  - id: b', '    eventType: t', '    workflow: w', '    priorty: 1'),
    });

    expect(await rulesCheck([], io)).toBe(1);
    expect(io.err.split('\n')).toEqual([
      `rules/bad.yaml:4:15: rule "a": workflow "missing_flow" does not exist: no missing_flow.asl.json in ${join(project?.root ?? '', 'workflows')} (it has onboarding_workflow)`,
      'rules/bad.yaml:8:5: rule "b": unknown key "priorty" (did you mean "priority"?)',
      '2 problems found',
      '',
    ]);
    expect(io.out).toBe('');
  });

  it('takes --rules and --workflows relative to the working directory', async () => {
    const io = setUp({});
    writeFileSync(join(project?.root ?? '', 'other.yaml'), RULES);

    expect(await rulesCheck(['--rules', '.', '--workflows', 'workflows'], io)).toBe(0);
    expect(io.out).toMatch(/^2 rules in 1 file, 1 workflow: OK/);
  });

  it('exits 2 on an unknown option or a missing directory', async () => {
    const io = setUp({});

    expect(await rulesCheck(['--nope'], io)).toBe(2);
    expect(await rulesCheck(['--rules', 'absent'], io)).toBe(2);
    expect(io.err).toMatch(/Unknown option '--nope'[\s\S]*--rules: no such directory/);
  });
});

describe('edwe rules route', () => {
  it('prints the rules that fire in order with their reasons, and those cut by stop', async () => {
    const io = setUp({ 'onboarding.yaml': RULES }, JSON.stringify({ type: 'user_registration', source: 'web', data: { user_type: 'premium', email: 'a@b.c' } }));

    expect(await rulesRoute(['--event', '-'], io)).toBe(0);
    const output = JSON.parse(io.out) as Array<Record<string, unknown>>;

    expect(output).toEqual([
      expect.objectContaining({ rule: 'premium-onboarding', workflow: 'onboarding_workflow', priority: 100, outcome: 'fired', location: 'rules/onboarding.yaml:2:5' }),
      expect.objectContaining({ rule: 'every-signup', outcome: 'cut', cutBy: 'premium-onboarding' }),
    ]);
    expect(output[0]?.reasons).toEqual(['eventType "user_registration"', 'user_type equals "premium" (value: "premium")', 'stop: no lower-priority rule fires']);
  });

  it('reads the event from a file and shows the correlationId each fired rule gives', async () => {
    const io = setUp({ 'onboarding.yaml': RULES });
    writeFileSync(join(project?.root ?? '', 'event.json'), JSON.stringify({ id: 'e-1', type: 'user_registration', source: 'web', data: { email: 'a@b.c' } }));

    expect(await rulesRoute(['--event', 'event.json'], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual([expect.objectContaining({ rule: 'every-signup', outcome: 'fired', correlationId: 'a@b.c' })]);
  });

  it('lists the rules that did not match with --all', async () => {
    const io = setUp({ 'onboarding.yaml': RULES }, JSON.stringify({ type: 'user_registration', source: 'web', data: { user_type: 'basic' } }));

    await rulesRoute(['--event', '-', '--all'], io);

    expect(JSON.parse(io.out)).toEqual([
      expect.objectContaining({ rule: 'premium-onboarding', outcome: 'skipped', reasons: ['condition failed: user_type equals "premium" (value: "basic")'] }),
      expect.objectContaining({ rule: 'every-signup', outcome: 'fired' }),
    ]);
  });

  it('prints an empty list when nothing fires', async () => {
    const io = setUp({ 'onboarding.yaml': RULES }, JSON.stringify({ type: 'order_placed', source: 'shop' }));

    expect(await rulesRoute(['--event', '-'], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual([]);
  });

  it('exits 2 without --event, or for an event that is not valid', async () => {
    const io = setUp({ 'onboarding.yaml': RULES }, '{"source": "web"}');

    expect(await rulesRoute([], io)).toBe(2);
    expect(await rulesRoute(['--event', '-'], io)).toBe(2);
    expect(await rulesRoute(['--event', 'missing.json'], io)).toBe(2);
    expect(io.err).toMatch(/--event FILE \(or - for standard input\) is required[\s\S]*type: required[\s\S]*cannot read missing\.json/);
  });

  it('exits 1 with the problems when the rules are invalid', async () => {
    const io = setUp({ 'bad.yaml': 'rules: [1]\n' }, JSON.stringify({ type: 't', source: 's' }));

    expect(await rulesRoute(['--event', '-'], io)).toBe(1);
    expect(io.err).toMatch(/^rules\/bad\.yaml:1:9: rules\[0\] must be a mapping/);
  });
});

describe('edwe test-event-pattern', () => {
  const run = async (...argv: string[]) => {
    const io = setUp({});
    const code = await testEventPattern(argv, io);
    return { code, out: io.out, err: io.err };
  };

  it('prints {"Result": true} in the AWS CLI layout when the event matches', async () => {
    const result = await run('--event-pattern', '{"source":["com.example"],"detail":{"amount":[{"numeric":[">",100]}]}}', '--event', awsEvent({ amount: 250 }));

    expect(result).toEqual({ code: 0, out: '{\n    "Result": true\n}\n', err: '' });
    expect(JSON.parse(result.out)).toEqual({ Result: true });
  });

  it('prints {"Result": false} when it does not', async () => {
    const result = await run('--event-pattern', '{"detail":{"amount":[{"numeric":[">",100]}]}}', '--event', awsEvent({ amount: 5 }));

    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ Result: false });
  });

  it('prints True or False with --output text', async () => {
    expect((await run('--event-pattern', '{"source":["com.example"]}', '--event', awsEvent({}), '--output', 'text')).out).toBe('True\n');
  });

  it('reads file:// arguments as the AWS CLI does', async () => {
    const io = setUp({});
    writeFileSync(join(project?.root ?? '', 'pattern.json'), '{"detail-type":["Order"]}');

    expect(await testEventPattern(['--event-pattern', 'file://pattern.json', '--event', awsEvent({})], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual({ Result: true });
  });

  it('exits 2 with the reason on stderr for an invalid pattern', async () => {
    const result = await run('--event-pattern', '{"source":[]}', '--event', awsEvent({}));

    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(/InvalidEventPatternException.*Event pattern is not valid\. Reason: source: empty arrays/);
  });

  it('exits 2 for pattern text that is not JSON, an event without its mandatory fields, or a missing argument', async () => {
    expect((await run('--event-pattern', '{source', '--event', awsEvent({}))).code).toBe(2);
    expect((await run('--event-pattern', '{"source":["a"]}', '--event', '{"source":"a"}')).err).toMatch(/Event is not valid/);
    expect((await run('--event-pattern', '{}')).code).toBe(2);
  });
});
