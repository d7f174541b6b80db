import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { loadProject } from '../../lambdas/project/load-project.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const aDbPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-managed-rules-'));
  dirs.push(dir);
  return join(dir, 'engine.db');
};
const open = (dbPath: string) => EmbeddedEngine.open({ project: loadProject(), dbPath, logger: createLogger({ level: 'silent' }) });
const confirmation = { eventType: 'vip.order', workflow: 'send_confirmation', conditions: [{ field: 'tier', value: 'vip' }] };

describe('EmbeddedEngine with managed rules', () => {
  it('keeps managed rules across a restart and routes by them, recording the version on each execution', async () => {
    const dbPath = aDbPath();
    const first = await open(dbPath);
    await first.rules.put('vip-confirmation', confirmation, { by: 'alice' });
    await first.rules.put('vip-confirmation', { ...confirmation, priority: 2 }, { by: 'alice' });
    await first.close();

    const engine = await open(dbPath);
    await engine.ingest({ id: 'vip-1', type: 'vip.order', source: 'shop', data: { tier: 'vip' } });
    await engine.idle();

    expect(engine.executionsForEvent('vip-1').map((e) => [e.ruleId, e.ruleVersion])).toEqual([['vip-confirmation', 2]]);
    await engine.close();
  });

  it("records a files rule's digest as the version of the executions it starts", async () => {
    const engine = await open(aDbPath());
    const files = (await engine.rules.list()).rules.find((r) => r.id === 'send-order-confirmation');

    await engine.ingest({ id: 'confirmed-1', type: 'order.confirmed', source: 'shop', data: { orderId: 'o-1' } });
    await engine.idle();

    expect(engine.executionsForEvent('confirmed-1').map((e) => e.ruleVersion)).toEqual([files?.version]);
    await engine.close();
  });

  it('routes an event by the rule set of the moment it is routed: a rule deleted before it is not used', async () => {
    const engine = await open(aDbPath());
    await engine.rules.put('vip-confirmation', confirmation, { by: 'alice' });
    await engine.ingest({ id: 'before-delete', type: 'vip.order', source: 'shop', data: { tier: 'vip' } });
    await engine.idle();
    await engine.rules.delete('vip-confirmation', { by: 'alice' });
    await engine.ingest({ id: 'after-delete', type: 'vip.order', source: 'shop', data: { tier: 'vip' } });
    await engine.idle();

    expect(engine.executionsForEvent('before-delete')).toHaveLength(1);
    expect(engine.executionsForEvent('after-delete')).toHaveLength(0);
    const audit = await engine.queries.events({ source: 'edwe.rules' });
    expect(audit.events.map((e) => e.type)).toEqual(['rule.created', 'rule.deleted']);
    await engine.close();
  });
  it('records the rule version on the executions a replay starts', async () => {
    const engine = await open(aDbPath());
    await engine.rules.put('vip-confirmation', confirmation, { by: 'alice' });
    await engine.rules.patch('vip-confirmation', { enabled: false }, { by: 'alice' });
    await engine.rules.patch('vip-confirmation', { enabled: true }, { by: 'alice' });
    const now = Date.now();
    await engine.ingest({ id: 'replayed-1', type: 'vip.order', source: 'shop', timestamp: new Date(now - 1000).toISOString(), data: { tier: 'vip' } });
    await engine.idle();

    const window = { startTime: new Date(now - 60_000).toISOString(), endTime: new Date(now).toISOString(), workflowId: 'send_confirmation' };
    const job = await engine.replay(engine.parseReplay(window));
    const executions = await engine.replayExecutions(job.replayId);

    expect(executions.map((e) => [e.ruleId, e.ruleVersion])).toEqual([['vip-confirmation', 3]]);
    await engine.close();
  });
});
