/** Reading a rule's flow-control fields: what each says once loaded, and each mistake reported at its file:line. */
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../../lambdas/core/index.js';
import { issuesOf, yaml } from './helpers.js';

/** A rules file of one rule `r` on `order.placed`, with `lines` added to it (from line 5). */
const oneRule = (...lines: string[]) => yaml('rules:', '  - id: r', '    eventType: order.placed', '    workflow: order_fulfilment', ...lines.map((l) => `    ${l}`));
const flowOf = (...lines: string[]) => parseRules(oneRule(...lines), 'rules/flow.yaml')[0]?.flow;

describe('flow-control fields of a rule', () => {
  it('reads each field with its durations in milliseconds and the key as a field path', () => {
    expect(flowOf('debounce: { period: 2s, key: data.accountId, maxWait: 1m }')).toEqual({ key: '$.data.accountId', debounce: { periodMs: 2000, maxWaitMs: 60_000 } });
    expect(flowOf('throttle: { limit: 2, period: 1s, key: tenant }', 'concurrency: { limit: 1, key: data.tenant }')).toEqual({
      key: '$.data.tenant',
      throttle: { limit: 2, periodMs: 1000 },
      concurrency: { limit: 1 },
    });
    expect(flowOf('rateLimit: { limit: 1, period: 1h, key: $.source }')).toEqual({ key: '$.source', rateLimit: { limit: 1, periodMs: 3_600_000 } });
    expect(flowOf('batch: { maxSize: 100, timeout: 500ms }')).toEqual({ key: 'correlationId', batch: { maxSize: 100, timeoutMs: 500 } });
    expect(flowOf('cancelOn: [{ eventType: order.cancelled, pattern: { data: { reason: [{ exists: true }] } } }]')).toEqual({
      key: 'correlationId',
      cancelOn: [{ eventType: 'order.cancelled', pattern: { data: { reason: [{ exists: true }] } } }],
    });
  });

  it('leaves a rule without them without a flow', () => {
    expect(flowOf()).toBeUndefined();
  });

  it('accepts the seed-style spellings rate_limit and cancel_on', () => {
    expect(flowOf('rate_limit: { limit: 3, period: 1d }', 'cancel_on: [{ event_type: order.cancelled }]')).toEqual({
      key: 'correlationId',
      rateLimit: { limit: 3, periodMs: 86_400_000 },
      cancelOn: [{ eventType: 'order.cancelled' }],
    });
  });

  it('reports batch on a multi-event rule at the batch key, with file and line', () => {
    const text = yaml(
      'rules:',
      '  - id: ship',
      '    all: [payment.received, stock.reserved]',
      '    within: 15m',
      '    workflow: shipping',
      '    batch: { maxSize: 10, timeout: 5s }',
    );

    const [issue] = issuesOf(text, 'rules/ship.yaml');

    expect(issue).toMatchObject({ file: 'rules/ship.yaml', line: 6, column: 5 });
    expect(issue?.message).toMatch(/rule "ship": "batch" cannot apply to a multi-event \("all"\) rule/);
  });

  it('lets a multi-event rule be throttled, limited and cancelled', () => {
    const [rule] = parseRules(yaml('rules:', '  - id: ship', '    all: [a.x, b.y]', '    within: 1m', '    workflow: shipping', '    concurrency: { limit: 1 }'), 'r.yaml');
    expect(rule?.flow).toEqual({ key: 'correlationId', concurrency: { limit: 1 } });
  });

  it.each([
    ['debounce: { period: soon }', 5, /debounce\.period: must be a duration such as "500ms"/],
    ['throttle: { limit: 0, period: 1s }', 5, /throttle\.limit: must be a whole number from 1 to 1000, got 0/],
    ['throttle: { limit: 2 }', 5, /throttle: missing "period"/],
    ['concurrency: { limit: 1001 }', 5, /concurrency\.limit: must be a whole number from 1 to 1000/],
    ['rateLimit: { limit: 1, period: 1h, keys: tenant }', 5, /rateLimit: unknown key "keys" \(did you mean "key"\?\)/],
    ['batch: { maxSize: 10, timeout: 5s, key: $.nothing }', 5, /batch\.key: "\$\.nothing" names no envelope field/],
    ['debounce: { period: 2s, maxWait: 1s }', 5, /debounce: maxWait must be at least the period/],
    ['cancelOn: []', 5, /cancelOn: list at least one/],
    ['cancelOn: [{ pattern: { source: [x] } }]', 5, /cancelOn\[0\]: missing "eventType"/],
    ['cancelOn: [{ eventType: a, pattern: { source: [] } }]', 5, /cancelOn\[0\]\.pattern\.source: /],
    ['throttle: 5', 5, /throttle must be a mapping/],
  ])('reports %s at line %i', (line, at, message) => {
    const [issue] = issuesOf(oneRule(line));

    expect(issue?.line).toBe(at);
    expect(issue?.message).toMatch(message);
  });

  it('refuses two keys on one rule, and debounce together with batch', () => {
    const keys = issuesOf(oneRule('throttle: { limit: 2, period: 1s, key: data.tenant }', 'concurrency: { limit: 1, key: data.region }'));
    const both = issuesOf(oneRule('debounce: { period: 2s }', 'batch: { maxSize: 10, timeout: 5s }'));

    expect(keys[0]).toMatchObject({ line: 6 });
    expect(keys[0]?.message).toMatch(/every flow-control field of a rule reads one key; found "\$\.data\.tenant" and "\$\.data\.region"/);
    expect(both[0]?.message).toMatch(/"debounce" and "batch" both collect events into one start; use one of them/);
  });
});
