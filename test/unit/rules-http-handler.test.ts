import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createRulesHandler } from '../../lambdas/aws/http/rules-http.js';
import { liveEnvelope, parseRules, RuleCatalog, type EngineEvent, type EventStore } from '../../lambdas/core/index.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteRuleStore } from '../../lambdas/embedded/sqlite-rule-store.js';
import { apiGatewayEvent, bodyOf, withCaller } from '../support/api-gateway.js';

const FILES = parseRules(['rules:', '  - id: from-files', '    eventType: order.placed', '    workflow: order_workflow', ''].join('\n'), 'rules/orders.yaml');
const WORKFLOWS = new Set(['order_workflow', 'vip_workflow']);
const START = Date.now() - 3_600_000;
const at = (minute: number) => new Date(START + minute * 60_000).toISOString();
const ORDERS: EngineEvent[] = ['gold', 'vip', 'vip', 'basic'].map((tier, i) => ({ id: `o-${i}`, type: 'order.placed', source: 'shop', timestamp: at(i), data: { tier } }));
const ADMIN = 'arn:aws:sts::123456789012:assumed-role/RulesAdmin/alice';
const vip = { eventType: 'order.placed', workflow: 'vip_workflow', conditions: [{ field: 'tier', value: 'vip' }] };

/** The handler on a catalog over SQLite, as two containers would share the State table; the events a list. */
async function aHandler() {
  const store = new SqliteRuleStore(openDatabase(':memory:'));
  const audited: Array<{ type: string; data: Record<string, unknown> }> = [];
  const catalogOf = () => RuleCatalog.open({ store, files: FILES, workflows: WORKFLOWS, audit: async (event) => void audited.push(event), clock: { now: () => Date.now() } });
  const events: Pick<EventStore, 'range'> = {
    async *range(from, to) {
      for (const event of ORDERS) if (event.timestamp >= from && event.timestamp < to) yield event;
    },
  };
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const first = await catalogOf();
  const second = await catalogOf();
  return {
    handler: createRulesHandler({ catalog: async () => first, events, workflows: WORKFLOWS, logger: quiet }),
    /** Another container's handler on the same store. */
    other: createRulesHandler({ catalog: async () => second, events, workflows: WORKFLOWS, logger: quiet }),
    audited,
  };
}

const put = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  withCaller(apiGatewayEvent({ method: 'PUT', resource: '/rules/{id}', pathParameters: { id }, body, headers }), { userArn: ADMIN });

describe('the rules API on API Gateway', () => {
  it('creates a rule recorded as changed by the signing identity, with its version as the ETag, and replaces it under If-Match', async () => {
    const { handler, audited } = await aHandler();

    const created = await handler(put('vip-orders', vip));
    const replaced = await handler(put('vip-orders', { ...vip, priority: 5 }, { 'If-Match': '"1"' }));
    const stale = await handler(put('vip-orders', vip, { 'If-Match': '"1"' }));

    expect([created.statusCode, replaced.statusCode, stale.statusCode]).toEqual([201, 200, 412]);
    expect(created.headers?.etag).toBe('"1"');
    expect(bodyOf(replaced)).toMatchObject({ id: 'vip-orders', version: 2, managedBy: 'api', updatedBy: ADMIN, priority: 5 });
    expect(audited.map((e) => [e.type, e.data.by])).toEqual([
      ['rule.created', ADMIN],
      ['rule.updated', ADMIN],
    ]);
  });

  it('answers another container with the change: each request reads the revision first', async () => {
    const { handler, other } = await aHandler();
    await handler(put('vip-orders', vip));

    const listed = bodyOf(await other(apiGatewayEvent({ method: 'GET', resource: '/rules' })));

    expect(listed.revision).toBe(1);
    expect(listed.rules.map((r: { id: string }) => r.id)).toEqual(['from-files', 'vip-orders']);
  });

  it('refuses to change a files rule (409), and patches, lists the history of and deletes a managed one', async () => {
    const { handler } = await aHandler();
    await handler(put('vip-orders', vip));

    const files = await handler(put('from-files', vip));
    const disabled = await handler(apiGatewayEvent({ method: 'PATCH', resource: '/rules/{id}', pathParameters: { id: 'vip-orders' }, body: { enabled: false } }));
    const deleted = await handler(apiGatewayEvent({ method: 'DELETE', resource: '/rules/{id}', pathParameters: { id: 'vip-orders' } }));
    const history = bodyOf(await handler(apiGatewayEvent({ method: 'GET', resource: '/rules/{id}/history', pathParameters: { id: 'vip-orders' } })));

    expect(files.statusCode).toBe(409);
    expect(bodyOf(files).error).toBe('managed_by_files');
    expect(disabled.statusCode).toBe(200);
    expect(deleted.statusCode).toBe(204);
    expect(history.versions.map((v: { change: string }) => v.change)).toEqual(['created', 'disabled', 'deleted']);
  });

  it('backtests a candidate among the managed rules over the Events table', async () => {
    const { handler } = await aHandler();

    const answer = await handler(apiGatewayEvent({ method: 'POST', resource: '/rules/test', body: { rule: { id: 'vip-orders', ...vip }, from: at(0), to: at(60) } }));

    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toEqual({ scanned: 4, matched: 2, workflows: { vip_workflow: 2 }, eventIds: ['o-1', 'o-2'] });
  });

  it('serves the rule "test" on its own resource, as API Gateway routes it there', async () => {
    const { handler } = await aHandler();

    const created = await handler(withCaller(apiGatewayEvent({ method: 'PUT', resource: '/rules/test', path: '/rules/test', body: vip }), { userArn: ADMIN }));
    const read = await handler(apiGatewayEvent({ method: 'GET', resource: '/rules/test', path: '/rules/test' }));

    expect(created.statusCode).toBe(201);
    expect(bodyOf(read)).toMatchObject({ id: 'test', workflow: 'vip_workflow', updatedBy: ADMIN });
  });

  it('records an API key caller by its key id', async () => {
    const { handler } = await aHandler();

    const answer = await handler(withCaller(apiGatewayEvent({ method: 'PUT', resource: '/rules/{id}', pathParameters: { id: 'k' }, body: vip }), { apiKeyId: 'abc123' }));

    expect(bodyOf(answer).updatedBy).toBe('api-key:abc123');
  });

  it('answers an empty PATCH 400 and changes nothing: the console asks so whether its caller may write rules (IAM answers 403 otherwise)', async () => {
    const { handler, audited } = await aHandler();

    const probe = await handler(apiGatewayEvent({ method: 'PATCH', resource: '/rules/{id}', pathParameters: { id: 'edwe-console-write-probe' }, body: {} }));

    expect(probe.statusCode).toBe(400);
    expect(bodyOf(probe).details).toEqual([{ path: 'enabled', message: 'must be true or false' }]);
    expect(audited).toEqual([]);
    expect(bodyOf(await handler(apiGatewayEvent({ method: 'GET', resource: '/rules' }))).revision).toBe(0);
  });
});

describe('POST /rules/{id}/trigger on API Gateway', () => {
  const SCHEDULED = parseRules(
    ['rules:', '  - id: nightly', '    schedule: "rate(1 day)"', '    workflow: order_workflow', '    data: { kind: nightly }', ''].join('\n'),
    'rules/nightly.yaml',
  );

  async function triggering() {
    const stored: EngineEvent[] = [];
    const store = new SqliteRuleStore(openDatabase(':memory:'));
    const clock = { now: () => Date.now() };
    const catalog = await RuleCatalog.open({ store, files: [...FILES, ...SCHEDULED], workflows: WORKFLOWS, audit: async () => {}, clock });
    let n = 0;
    const handler = createRulesHandler({
      catalog: async () => catalog,
      events: { range: async function* () {} },
      workflows: WORKFLOWS,
      fire: {
        ingest: { store: { put: async (event) => (stored.push(event), { id: event.id, duplicate: false }) }, envelope: liveEnvelope(clock, randomBytes) },
        clock,
        ids: { newId: () => `01TEST${++n}` },
      },
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
    const trigger = (id: string) => handler(withCaller(apiGatewayEvent({ method: 'POST', resource: '/rules/{id}/trigger', pathParameters: { id } }), { userArn: ADMIN }));
    return { trigger, stored };
  }

  it('ingests one schedule.fired event <ruleId>@manual-<id> carrying the rule data, and answers 202 with its id', async () => {
    const { trigger, stored } = await triggering();

    const answer = await trigger('nightly');

    expect(answer.statusCode).toBe(202);
    expect(bodyOf(answer)).toEqual({ id: 'nightly@manual-01TEST1' });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: 'nightly@manual-01TEST1', type: 'schedule.fired', source: 'edwe.scheduler', data: { ruleId: 'nightly', kind: 'nightly' } });
  });

  it('answers 404 for an unknown rule and 409 for a rule without a schedule, storing nothing', async () => {
    const { trigger, stored } = await triggering();

    const unknown = await trigger('no-such-rule');
    const unscheduled = await trigger('from-files');

    expect([unknown.statusCode, unscheduled.statusCode]).toEqual([404, 409]);
    expect(bodyOf(unscheduled).message).toMatch(/has no schedule/);
    expect(stored).toEqual([]);
  });
});
