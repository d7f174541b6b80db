import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleProxy } from '../../cli/console-command.js';
import { registration, startEngine, type EngineProcess } from '../support/engine-process.js';
import { ARTIFACTS, useBrowser } from './browser.js';

const TOKEN = 'console-test-token';
const order = { type: 'order.placed', source: 'shop', data: { orderId: 'o-1', customerEmail: 'c@example.com', items: [{ sku: 'tea', quantity: 2 }] } };
const payment = { type: 'payment.received', source: 'payments', correlationId: 'o-1', data: { orderId: 'o-1', amount: 30 } };

describe('the web console, in Chromium, against edwe dev', () => {
  const browser = useBrowser();
  let engine: EngineProcess;
  let page: Page;
  /** Every URL the page asked for: nothing may come from outside the engine. */
  const requested: string[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${engine.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
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
  const snap = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  beforeAll(async () => {
    engine = await startEngine(['--memory', '--log-level', 'info', '--token', TOKEN]);
    page = await browser.page();
    page.on('request', (request) => void requested.push(request.url()));
    // The console asks for the token once, on the API's first 401, and keeps it for the session.
    page.on('dialog', (dialog) => void dialog.accept(TOKEN));
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('serves the console with a same-origin-only content security policy', async () => {
    const response = await fetch(`${engine.url}/console`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    expect(await response.text()).toContain('/console/app.js');
  });

  it('shows posted events in the live tail within 2 s', async () => {
    await page.goto(`${engine.url}/console#/tail`);
    await page.getByTestId('tail-status').getByText(/^live/).waitFor({ timeout: 10_000 });

    const seed = await call('POST', '/events', registration());
    const placed = await call('POST', '/events', order);
    expect([seed.status, placed.status]).toEqual([202, 202]);

    const tail = page.locator('table.tail tbody');
    await tail.getByRole('link', { name: 'user_registration' }).first().waitFor({ timeout: 2000 });
    await tail.getByRole('link', { name: 'order.placed' }).first().waitFor({ timeout: 2000 });
    await snap('tail');
  });

  it('narrows the tail with an EventBridge pattern', async () => {
    await page.getByLabel('pattern').fill('{"type": ["order.placed"]}');
    await page.getByRole('button', { name: 'Filter' }).click();
    const tail = page.locator('table.tail tbody');
    await tail.getByRole('link', { name: 'order.placed' }).first().waitFor({ timeout: 5000 });
    expect(await tail.getByRole('link', { name: 'user_registration' }).count()).toBe(0);
  });

  it("explains an event's routing: the rule it fired and why", async () => {
    const { body } = await call('GET', '/events?type=user_registration');
    await page.goto(`${engine.url}/console#/event/${body.events[0].id}`);
    const fired = page.getByTestId('routing').locator('tr.outcome-fired');
    await fired.first().waitFor();
    expect(await fired.first().textContent()).toContain('premium-onboarding');
    expect(await fired.first().textContent()).toContain('user_type equals "premium"');
    await snap('event');
  });

  it('draws the order correlation: order → payment → confirmation', async () => {
    await call('POST', '/events', payment);
    await until('/executions?correlationId=o-1', (b) => b.executions?.some((e: any) => e.workflowId === 'send_confirmation' && e.status === 'SUCCEEDED'));

    await page.goto(`${engine.url}/console#/correlation/o-1`);
    const story = page.getByTestId('story');
    await story.waitFor();
    const text = (await story.textContent()) ?? '';
    const at = (what: string) => text.indexOf(what);
    for (const what of ['order.placed', 'order_fulfilment', 'payment.received', 'order.confirmed', 'send_confirmation']) expect(at(what), what).toBeGreaterThanOrEqual(0);
    expect(at('order.placed')).toBeLessThan(at('payment.received'));
    expect(at('payment.received')).toBeLessThan(at('order.confirmed'));
    expect(at('order.confirmed')).toBeLessThan(at('send_confirmation'));
    expect(await page.locator('svg.timeline rect.bar').count()).toBe(2);
    expect(await page.locator('svg.timeline circle.dot').count()).toBeGreaterThanOrEqual(3);
    await snap('timeline');
  });

  it('lists the failed executions of a workflow', async () => {
    const failing = await call('POST', '/events', registration({}, { userId: 'u-bad', email: 'not-an-email' }));
    await until(`/executions?eventId=${failing.body.id}`, (b) => b.executions?.[0]?.status === 'FAILED');

    await page.goto(`${engine.url}/console#/executions`);
    await page.getByLabel('status').selectOption('FAILED');
    const rows = page.getByTestId('executions').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('onboarding_workflow');
    expect(await rows.first().textContent()).toContain('FAILED');
    await snap('executions');

    await rows.first().getByRole('link').first().click();
    await page.getByText('InvalidTaskInputError').or(page.locator('.problem')).first().waitFor();
    await snap('execution');
  });

  it('previews a replay with a dry run and shows its result', async () => {
    await page.goto(`${engine.url}/console#/replay`);
    await page.getByRole('button', { name: 'Start' }).click();
    const status = page.getByTestId('replay-status');
    await status.getByText('completed').waitFor({ timeout: 15_000 });
    const matched = Number(await page.locator('[data-field="matched"]').textContent());
    expect(matched).toBeGreaterThan(0);
    expect(await page.getByTestId('replay-result').getByRole('link').count()).toBe(matched);
    await snap('replay');
  });

  it('lists the rules with their match counts, and charts the metrics', async () => {
    await page.goto(`${engine.url}/console#/rules`);
    const onboarding = page.getByTestId('rules').locator('tr', { hasText: 'premium-onboarding' });
    await onboarding.waitFor();
    // Two registrations matched it: the seed's example and the one made to fail.
    expect(await onboarding.locator('td.num').nth(1).textContent()).toBe('2');
    await snap('rules');

    await page.goto(`${engine.url}/console#/metrics`);
    await page.locator('.cards .card').first().waitFor();
    // A rate needs two scrapes: the first sparkline segment appears with the third.
    await page.locator('svg.spark path[d*="L"]').first().waitFor({ state: 'attached', timeout: 15_000 });
    expect(await page.locator('.cards .card figcaption').allTextContents()).toContain('Events received');
    await snap('metrics');
  });

  it('through edwe console against an API without a stream (as on AWS), polls the tail', async () => {
    const proxy = createConsoleProxy({ target: engine.url, fetch: (input, init) => fetch(input, init), signed: false, token: TOKEN, home: 'aws', region: 'eu-west-1' });
    await new Promise<void>((ready) => proxy.listen(0, '127.0.0.1', ready));
    try {
      const local = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const polled = await browser.page();
      await polled.goto(`${local}/console#/tail`);
      await polled
        .getByTestId('tail-status')
        .getByText(/polling/)
        .waitFor({ timeout: 10_000 });
      await call('POST', '/events', { type: 'polled.event', source: 'console-test' });
      await polled.locator('table.tail tbody').getByRole('link', { name: 'polled.event' }).waitFor({ timeout: 3000 });
      expect(await polled.locator('header .home').textContent()).toBe('AWS eu-west-1');
      await polled.screenshot({ path: `${ARTIFACTS}tail-polling.png` });
    } finally {
      proxy.close();
    }
  });

  it('loaded nothing from outside the engine', () => {
    const outside = requested.filter((url) => !url.startsWith(engine.url));
    expect(requested.length).toBeGreaterThan(0);
    expect(outside).toEqual([]);
    const built = engine.logs.find((line) => line.message === 'console built');
    writeFileSync(`${ARTIFACTS}build.json`, JSON.stringify({ consoleBuildMs: built?.milliseconds }, null, 2));
  });
});
