import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleProxy } from '../../cli/console-command.js';
import { type EngineProcess, startEngine } from '../support/engine-process.js';
import { ARTIFACTS, useBrowser } from './browser.js';

const TOKEN = 'console-rules-admin-token';
const READER = 'console-rules-reader-token';
const ID = 'vip-signups';
/** The managed rule the console creates: VIP sign-ups start the confirmation workflow. */
const VIP = { eventType: 'vip.signup', workflow: 'send_confirmation', priority: 5, conditions: [{ field: 'tier', value: 'vip' }] };
/** Puts a token where the console keeps it (as if given at its prompt), before the page's scripts run. */
const withToken = (page: Page, token: string) =>
  page.addInitScript((t) => (globalThis as unknown as { sessionStorage: { setItem(key: string, value: string): void } }).sessionStorage.setItem('edwe-token', t), token);
const signup = (tier: string, orderId: string) => ({ type: 'vip.signup', source: 'console-test', data: { tier, orderId, customerEmail: 'v@example.com' } });

describe('the console edits, backtests and rolls back managed rules, in Chromium', () => {
  const browser = useBrowser();
  let engine: EngineProcess;
  let page: Page;
  let dir: string;

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${engine.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as any };
  };
  const until = async (path: string, holds: (body: any) => boolean) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { body } = await call('GET', path);
      if (holds(body)) return body;
      if (Date.now() > deadline) throw new Error(`timed out on GET ${path}: ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const snap = (name: string, on: Page = page) => on.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  /** Opens a view in a freshly loaded page (a hash change alone keeps the page's state, e.g. its write-scope answer). */
  const open = async (route: string, on: Page = page) => {
    await on.goto('about:blank');
    await on.goto(`${engine.url}/console#${route}`);
  };
  const editor = (on: Page = page) => on.getByLabel('rule JSON');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-rules-'));
    const tokens = join(dir, 'tokens.json');
    writeFileSync(tokens, JSON.stringify([{ name: 'reader', token: READER, scopes: ['rules:read', 'events:read', 'executions:read'] }]));
    engine = await startEngine(['--memory', '--log-level', 'warn', '--token', TOKEN, '--tokens', tokens]);
    page = await browser.page();
    // The admin's token, as if given at the console's prompt; a delete's confirmation is accepted.
    await withToken(page, TOKEN);
    page.on('dialog', (dialog) => void dialog.accept());
  });
  afterAll(async () => {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a files rule read-only, saying why', async () => {
    await open('/rules');
    const row = page.getByTestId('rules').locator('tr[data-rule="premium-onboarding"]');
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('files');
    expect(await row.locator('[data-field="version"]').textContent()).toMatch(/^[0-9a-f]{12}$/);

    await row.getByRole('link', { name: 'premium-onboarding' }).click();
    await page.getByTestId('files-rule').waitFor();
    expect(await page.getByTestId('files-rule').textContent()).toContain('managed_by_files');
    expect(await editor().getAttribute('readonly')).not.toBeNull();
    expect(JSON.parse(await editor().inputValue())).toMatchObject({ eventType: 'user_registration', workflow: 'onboarding_workflow' });
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
  });

  it('creates a managed rule, and an event posted over HTTP is routed by it', async () => {
    await open('/rules');
    await page.getByTestId('new-rule').click();
    await page.getByLabel('rule id').fill(ID);
    await editor().fill(JSON.stringify(VIP, null, 2));
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('dd[data-field="version"]', { hasText: '1' }).waitFor();
    expect(await page.locator('dd[data-field="layer"]').textContent()).toBe('api');
    expect((await call('GET', `/rules/${ID}`)).body).toMatchObject({ ...VIP, version: 1, managedBy: 'api', updatedBy: 'token' });

    const posted = await call('POST', '/events', signup('vip', 'v-1'));
    const { executions } = await until(`/executions?eventId=${posted.body.id}`, (b) => b.executions?.length === 1);
    expect(executions[0].ruleId).toBe(ID);
    await open(`/event/${posted.body.id}`);
    await page.getByRole('link', { name: executions[0].name }).waitFor();

    await open('/rules');
    const row = page.getByTestId('rules').locator(`tr[data-rule="${ID}"]`);
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('api');
    expect(await row.locator('[data-field="version"]').textContent()).toBe('1');
    await snap('rules-list');
  });

  it("shows a schedule rule's next fire times", async () => {
    const nightly = await call('PUT', '/rules/nightly-digest', { schedule: 'cron(0 2 * * ? *)', workflow: 'send_confirmation' });
    expect(nightly.status).toBe(201);
    const fires: string[] = nightly.body.nextFires ?? (await call('GET', '/rules/nightly-digest')).body.nextFires;
    expect(fires).toHaveLength(3);
    await open('/rules');
    const next = page.getByTestId('rules').locator('tr[data-rule="nightly-digest"] [data-field="next-fire"]');
    await next.waitFor();
    expect(await next.getAttribute('title')).toBe(fires.join('\n'));
    expect(await next.textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:00:00$/);
    expect((await call('DELETE', '/rules/nightly-digest')).status).toBe(204);
  });

  it('names the JSON path of a refused rule next to the editor', async () => {
    await open(`/rule/${ID}`);
    await editor().fill(JSON.stringify({ ...VIP, conditions: [{ field: 'tier', op: 'equalz', value: 'vip' }] }));
    await page.getByRole('button', { name: 'Save' }).click();
    const errors = page.getByTestId('rule-errors');
    await errors.locator('code', { hasText: 'conditions[0].op' }).waitFor();
    expect(await errors.textContent()).toContain('unknown operator "equalz"');

    await editor().fill('{"eventType": "vip.signup",');
    await page.getByRole('button', { name: 'Save' }).click();
    await errors.getByText('The rule is not JSON').waitFor();
    expect((await call('GET', `/rules/${ID}`)).body.version).toBe(1);
  });

  it('saving over a version changed meanwhile says so, and a reload shows the newer one', async () => {
    await open(`/rule/${ID}`);
    await editor().waitFor();
    // Someone else saves version 2 while the page holds version 1.
    expect((await call('PUT', `/rules/${ID}`, { ...VIP, priority: 6 }, { 'if-match': '"1"' })).status).toBe(200);
    await editor().fill(JSON.stringify({ ...VIP, priority: 7 }, null, 2));
    await page.getByRole('button', { name: 'Save' }).click();
    const errors = page.getByTestId('rule-errors');
    await errors.getByText('Changed meanwhile — reload').waitFor();
    expect((await call('GET', `/rules/${ID}`)).body).toMatchObject({ priority: 6, version: 2 });
    await snap('rule-stale');

    await errors.getByRole('button', { name: 'Reload' }).click();
    await page.locator('dd[data-field="version"]', { hasText: '2' }).waitFor();
    expect(JSON.parse(await editor().inputValue()).priority).toBe(6);
  });

  it('backtests the rule in the editor with the counts the API answers, linking the matched events', async () => {
    const posted = [await call('POST', '/events', signup('vip', 'v-2')), await call('POST', '/events', signup('basic', 'v-3'))];
    expect(posted.map((p) => p.status)).toEqual([202, 202]);
    await open(`/rule/${ID}`);
    await editor().waitFor();
    // The candidate, unsaved: every tier.
    const candidate = { ...VIP, priority: 6, conditions: [{ field: 'tier', op: 'exists' }] };
    await editor().fill(JSON.stringify(candidate));
    await page.getByLabel('backtest window').selectOption({ label: 'last 24 h' });
    await page.getByRole('button', { name: 'Backtest' }).click();
    const result = page.getByTestId('backtest-result').locator('[data-from]');
    await result.waitFor({ timeout: 15_000 });

    const window = { from: await result.getAttribute('data-from'), to: await result.getAttribute('data-to') };
    const answer = (await call('POST', '/rules/test', { rule: { ...candidate, id: ID }, ...window })).body;
    expect(answer.matched).toBe(3);
    expect(Number(await result.locator('[data-field="scanned"]').textContent())).toBe(answer.scanned);
    expect(Number(await result.locator('[data-field="matched"]').textContent())).toBe(answer.matched);
    expect(Number(await result.locator('[data-workflow="send_confirmation"]').textContent())).toBe(answer.workflows.send_confirmation);
    const links = page.getByTestId('backtest-events').getByRole('link');
    expect(await links.allTextContents()).toEqual(answer.eventIds);
    await snap('rule-backtest');

    await links.first().click();
    await page.locator('dl.facts dd.mono', { hasText: answer.eventIds[0] }).waitFor();
    expect((await call('GET', `/rules/${ID}`)).body.version).toBe(2);
  });

  it('compares versions side by side and rolls back to an old one', async () => {
    await open(`/rule/${ID}`);
    const history = page.getByTestId('rule-history');
    await history.locator('tr[data-version="2"]').waitFor();
    // Version 1 beside the latest: the changed priority is marked on each side.
    const diff = page.getByTestId('rule-diff');
    expect(await diff.locator('.diff-old').allTextContents()).toEqual(['  "priority": 5,\n']);
    expect(await diff.locator('.diff-new').allTextContents()).toEqual(['  "priority": 6,\n']);
    await snap('rule-history');

    await diff.getByRole('button', { name: 'Roll back to version 1' }).click();
    await page.getByTestId('rule-status').getByText('Rolled back to version 1: saved as version 3').waitFor();
    expect((await call('GET', `/rules/${ID}`)).body).toMatchObject({ ...VIP, version: 3 });
    expect((await call('GET', `/rules/${ID}/history`)).body.versions.map((v: any) => v.change)).toEqual(['created', 'updated', 'updated']);
  });

  it('disables and enables a rule', async () => {
    await open(`/rule/${ID}`);
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByTestId('rule-status').getByText('Disabled: version 4').waitFor();
    expect((await call('GET', `/rules/${ID}`)).body.enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByTestId('rule-status').getByText('Enabled: version 5').waitFor();
    expect((await call('GET', `/rules/${ID}`)).body.enabled).toBe(true);
  });

  it('with a token lacking rules:write, disables the edit controls, and a forced save shows the 403', async () => {
    const reader = await browser.page();
    await withToken(reader, READER);
    await reader.goto(`${engine.url}/console#/rules`);
    await reader.getByTestId('read-only').waitFor();
    expect(await reader.getByTestId('new-rule').count()).toBe(0);

    await reader.goto(`${engine.url}/console#/rule/${ID}`);
    const save = reader.getByRole('button', { name: 'Save' });
    await save.waitFor();
    for (const name of ['Save', 'Disable', 'Delete']) expect(await reader.getByRole('button', { name }).isDisabled(), name).toBe(true);
    expect(await reader.getByRole('button', { name: /^Roll back/ }).isDisabled()).toBe(true);
    await snap('rule-read-only', reader);

    await save.evaluate((button) => button.removeAttribute('disabled'));
    await save.click();
    await reader.getByTestId('rule-errors').getByText('The token "reader" lacks the scope rules:write').waitFor();
    expect((await call('GET', `/rules/${ID}`)).body.version).toBe(5);
  });

  it('through edwe console (as against AWS), a save sends If-Match: a stale one is refused', async () => {
    const proxy = createConsoleProxy({ target: engine.url, fetch: (input, init) => fetch(input, init), signed: false, token: TOKEN, home: 'aws', region: 'eu-west-1' });
    await new Promise<void>((ready) => proxy.listen(0, '127.0.0.1', ready));
    try {
      const proxied = await browser.page();
      await proxied.goto(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}/console#/rule/${ID}`);
      await editor(proxied).waitFor();
      await editor(proxied).fill(JSON.stringify({ ...VIP, priority: 8 }));
      await proxied.getByRole('button', { name: 'Save' }).click();
      await proxied.getByTestId('rule-status').getByText('Saved as version 6').waitFor();

      expect((await call('PUT', `/rules/${ID}`, { ...VIP, priority: 9 })).body.version).toBe(7);
      await editor(proxied).fill(JSON.stringify({ ...VIP, priority: 10 }));
      await proxied.getByRole('button', { name: 'Save' }).click();
      await proxied.getByTestId('rule-errors').getByText('Changed meanwhile — reload').waitFor();
      expect((await call('GET', `/rules/${ID}`)).body.priority).toBe(9);
    } finally {
      proxy.close();
    }
  });

  it('deletes a rule, and restores it from its history', async () => {
    await open(`/rule/${ID}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('rules').waitFor();
    expect((await call('GET', `/rules/${ID}`)).status).toBe(404);

    await open(`/rule/${ID}`);
    await page.getByText('This rule is deleted').waitFor();
    await page.getByTestId('rule-diff').getByRole('button', { name: 'Roll back to version 7' }).click();
    await page.getByTestId('rule-status').getByText('Rolled back to version 7: saved as version 9').waitFor();
    expect((await call('GET', `/rules/${ID}`)).body).toMatchObject({ priority: 9, version: 9 });
  });
});
