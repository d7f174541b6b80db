/** The rules API's HTTP contract on the embedded engine: `edwe dev` with named tokens, over real HTTP. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { useEngine } from '../support/engine-process.js';
import { describeRulesApiContract, type Role, type RulesApiDriver } from './rules-api.scenarios.js';

const TOKENS: Record<Role, { name: string; token: string; scopes: string[] }> = {
  admin: { name: 'rules-admin', token: 'admin-token-0123456789', scopes: ['events:write', 'events:read', 'executions:read', 'rules:read', 'rules:write'] },
  publisher: { name: 'publisher', token: 'publisher-token-012345', scopes: ['events:write', 'rules:read'] },
};
const file = join(mkdtempSync(join(tmpdir(), 'edwe-rules-api-')), 'tokens.json');
writeFileSync(file, JSON.stringify(Object.values(TOKENS)));

const engine = useEngine(['--memory', '--log-level', 'warn', '--tokens', file]);

const driver: RulesApiDriver = {
  adminName: TOKENS.admin.name,
  filesRuleId: 'fulfil-order',
  workflow: 'send_confirmation',
  forbidden: { error: 'forbidden', message: expect.stringContaining('rules:write') },
  async call(method, path, { body, headers = {}, as = 'admin' } = {}) {
    const response = await fetch(`${engine.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS[as].token}`, ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
  },
  // A change is in force once its answer arrives: the next event is routed by it.
  applied: async () => undefined,
  async executionsOf(eventId, count) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { body } = await driver.call('GET', `/executions?eventId=${encodeURIComponent(eventId)}`);
      if (body.executions.length >= count) return body.executions;
      if (Date.now() > deadline) throw new Error(`no ${count} executions of ${eventId}: ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  },
};

describeRulesApiContract('embedded', () => driver);
