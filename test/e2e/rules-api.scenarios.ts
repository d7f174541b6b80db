/**
 * The rules API's HTTP contract, written against a driver so that each home runs the same scenarios: the embedded
 * engine over real HTTP (rules-api.test.ts), and the AWS home through its own driver. Each scenario uses rule ids
 * and events of its own, so they share one engine.
 */
import { describe, expect, it } from 'vitest';

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** Who calls: `admin` holds every scope; `publisher` may publish events and read rules, not write them. */
export type Role = 'admin' | 'publisher';

export interface RulesApiDriver {
  call(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string>; as?: Role }): Promise<Answer>;
  /** Resolves once a change made through the API is in force for routing (embedded: at once; AWS: within the refresh bound). */
  applied(): Promise<void>;
  /** The name `changedBy` records for `admin`. */
  readonly adminName: string;
  /** A rule of the files layer. */
  readonly filesRuleId: string;
  /** A deployed workflow that ends by itself. */
  readonly workflow: string;
  /**
   * What the body of a call refused for want of a permission matches: the embedded API names the missing scope; on AWS,
   * IAM refuses the call before the function and API Gateway answers for it.
   */
  readonly forbidden: unknown;
  /** Polls `GET /executions?eventId=` until `count` executions are listed. */
  executionsOf(eventId: string, count: number): Promise<any[]>;
}

let counter = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${++counter}`;

export function describeRulesApiContract(home: string, driver: () => RulesApiDriver): void {
  describe(`rules API (${home})`, () => {
    const d = () => driver();
    const rule = (tier: string, extra: Record<string, unknown> = {}) => ({
      eventType: 'rules-api.order',
      workflow: d().workflow,
      conditions: [{ field: 'tier', value: tier }],
      ...extra,
    });
    const put = (id: string, body: unknown, headers: Record<string, string> = {}, as: Role = 'admin') => d().call('PUT', `/rules/${id}`, { body, headers, as });
    const send = async (tier: string) => {
      const id = unique('evt');
      const answer = await d().call('POST', '/events', { body: { id, type: 'rules-api.order', source: 'rules-api.test', data: { tier } } });
      expect(answer.status).toBe(202);
      return id;
    };

    it('routes the next event by a rule created at run time, recording the rule version on the execution', async () => {
      const id = unique('gold');
      const created = await put(id, rule(id));
      expect(created.status).toBe(201);
      expect(created.headers.get('etag')).toBe('"1"');
      expect(created.body).toMatchObject({ id, version: 1, managedBy: 'api', updatedBy: d().adminName });
      await d().applied();

      const eventId = await send(id);
      const [execution] = await d().executionsOf(eventId, 1);
      expect(execution).toMatchObject({ ruleId: id, workflowId: d().workflow, ruleVersion: 1 });
      expect((await d().call('GET', `/executions/${execution.name}`)).body).toMatchObject({ ruleId: id, ruleVersion: 1 });

      const fetched = await d().call('GET', `/rules/${id}`);
      expect([fetched.status, fetched.headers.get('etag')]).toEqual([200, '"1"']);
    });

    it('lists both layers with versions and a revision that grows with every change', async () => {
      const before = (await d().call('GET', '/rules')).body;
      const id = unique('listed');
      await put(id, rule(id));
      const after = (await d().call('GET', '/rules')).body;

      expect(after.revision).toBeGreaterThan(before.revision);
      expect(after.rules.find((r: any) => r.id === id)).toMatchObject({ version: 1, managedBy: 'api' });
      expect(after.rules.find((r: any) => r.id === d().filesRuleId)).toMatchObject({ managedBy: 'files', version: expect.any(String) });
    });

    it('answers 412 to a stale If-Match and keeps the stored version', async () => {
      const id = unique('guarded');
      await put(id, rule(id));
      const replaced = await put(id, rule(id, { priority: 3 }), { 'if-match': '"1"' });
      expect([replaced.status, replaced.headers.get('etag')]).toEqual([200, '"2"']);

      const stale = await put(id, rule(id, { priority: 9 }), { 'if-match': '"1"' });

      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({ error: 'precondition_failed' });
      expect((await d().call('GET', `/rules/${id}`)).body).toMatchObject({ version: 2, priority: 3 });
      expect((await d().call('PATCH', `/rules/${id}`, { body: { enabled: false }, headers: { 'if-match': '"1"' } })).status).toBe(412);
    });

    it('answers 409 managed_by_files to a change of a files rule', async () => {
      const id = d().filesRuleId;
      for (const [method, body] of [
        ['PUT', rule('x')],
        ['PATCH', { enabled: false }],
        ['DELETE', undefined],
      ] as const) {
        const answer = await d().call(method, `/rules/${id}`, { body });
        expect([method, answer.status, answer.body.error]).toEqual([method, 409, 'managed_by_files']);
      }
      expect((await d().call('GET', `/rules/${id}`)).body).toMatchObject({ id, managedBy: 'files' });
    });

    it('answers 400 naming the JSON path of what is wrong, and stores nothing', async () => {
      const id = unique('invalid');
      const answer = await put(id, rule(id, { conditions: [{ field: 'tier', op: 'equalz', value: 1 }] }));

      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'invalid_rule', details: [{ path: 'conditions[0].op', message: expect.stringContaining('unknown operator') }] });
      expect((await d().call('GET', `/rules/${id}`)).status).toBe(404);
    });

    it('keeps the history of create, update, disable and delete, and rolls back by putting an old version again', async () => {
      const id = unique('history');
      await put(id, rule(id));
      await put(id, rule(id, { priority: 5 }));
      expect((await d().call('PATCH', `/rules/${id}`, { body: { enabled: false } })).body).toMatchObject({ version: 3, enabled: false });
      expect((await d().call('DELETE', `/rules/${id}`)).status).toBe(204);
      expect((await d().call('GET', `/rules/${id}`)).status).toBe(404);

      const { versions } = (await d().call('GET', `/rules/${id}/history`)).body;
      expect(versions.map((v: any) => [v.version, v.change, v.changedBy])).toEqual([
        [1, 'created', d().adminName],
        [2, 'updated', d().adminName],
        [3, 'disabled', d().adminName],
        [4, 'deleted', d().adminName],
      ]);

      const rollback = await put(id, versions[0].rule);
      expect(rollback.status).toBe(201);
      expect(rollback.body).toMatchObject({ version: 5, conditions: [{ field: 'tier', value: id }] });
      expect(rollback.body).not.toHaveProperty('priority');
      await d().applied();
      const [execution] = await d().executionsOf(await send(id), 1);
      expect(execution).toMatchObject({ ruleId: id, ruleVersion: 5 });
    });

    it('stops routing by a disabled rule', async () => {
      const id = unique('paused');
      await put(id, rule(id));
      await d().call('PATCH', `/rules/${id}`, { body: { enabled: false } });
      const witness = unique('witness');
      await put(witness, rule(id, { eventType: 'rules-api.order' }));
      await d().applied();

      const executions = await d().executionsOf(await send(id), 1);

      expect(executions.map((e: any) => e.ruleId)).toEqual([witness]);
    });

    it('answers 403 to a caller who may read rules but not change them, and changes nothing', async () => {
      const id = unique('scoped');
      await put(id, rule(id));
      const revision = (await d().call('GET', '/rules')).body.revision;

      const attempts = [
        await put(id, rule(id, { priority: 1 }), {}, 'publisher'),
        await d().call('PATCH', `/rules/${id}`, { body: { enabled: false }, as: 'publisher' }),
        await d().call('DELETE', `/rules/${id}`, { as: 'publisher' }),
        await put(unique('scoped-new'), rule(id), {}, 'publisher'),
      ];

      for (const answer of attempts) expect(answer).toMatchObject({ status: 403, body: d().forbidden });
      expect((await d().call('GET', '/rules', { as: 'publisher' })).body.revision).toBe(revision);
      expect((await d().call('GET', `/rules/${id}`)).body).toMatchObject({ version: 1 });
    });

    it('stores every change as an event of source edwe.rules, visible on GET /events', async () => {
      const id = unique('audited');
      // From a minute before the changes: on AWS a listing without `from` walks every hour bucket of the retention period.
      const since = new Date(Date.now() - 60_000).toISOString();
      await put(id, rule(id));
      await d().call('PATCH', `/rules/${id}`, { body: { enabled: false } });
      await d().call('DELETE', `/rules/${id}`);

      const { events } = (await d().call('GET', `/events?source=edwe.rules&from=${encodeURIComponent(since)}&limit=1000`)).body;
      const mine = events.filter((e: any) => e.data.ruleId === id);
      expect(mine.map((e: any) => [e.type, e.data.version, e.data.by])).toEqual([
        ['rule.created', 1, d().adminName],
        ['rule.disabled', 2, d().adminName],
        ['rule.deleted', 3, d().adminName],
      ]);
    });
  });
}
