/**
 * Rule documents with something wrong, one or more of each kind the rule reader reports, for the tests that read them
 * through both readers (JSON's and YAML's) and compare what each says. `id` is the rule id the document is put as.
 */
import { MAX_PATTERN_DEPTH } from '../../../lambdas/core/pattern/index.js';

const base = { eventType: 'order.placed', workflow: 'order_workflow' };
const deep = (depth: number): Record<string, unknown> => {
  let node: unknown = ['x'];
  for (let i = 0; i < depth; i++) node = { a: node };
  return node as Record<string, unknown>;
};

/** [what is wrong, the document]. */
export const BAD_DOCUMENTS: ReadonlyArray<readonly [string, unknown]> = [
  ['an unknown key near a known one', { ...base, priorty: 5 }],
  ['an unknown key', { ...base, colour: 'blue' }],
  ['no workflow', { eventType: 'a' }],
  ['no event type', { workflow: 'order_workflow' }],
  ['a key in two spellings', { ...base, event_type: 'b' }],
  ['a priority that is text', { ...base, priority: 'high' }],
  ['a priority that is not whole', { ...base, priority: 1.5 }],
  ['stop as text', { ...base, stop: 'yes' }],
  ['enabled as a number', { ...base, enabled: 1 }],
  ['conditions as a mapping', { ...base, conditions: { field: 'a' } }],
  ['a condition that is text', { ...base, conditions: ['a'] }],
  [
    'an unknown operator',
    {
      ...base,
      conditions: [
        { field: 'a', value: 1 },
        { field: 'b', op: 'bogus', value: 1 },
      ],
    },
  ],
  ['gt with text', { ...base, conditions: [{ field: 'a', op: 'gt', value: 'x' }] }],
  ['a condition on __proto__', { ...base, conditions: [{ field: '__proto__', value: 1 }] }],
  ['a misspelt condition key', { ...base, conditions: [{ field: 'a', valu: 1 }] }],
  ['a condition without a field', { ...base, conditions: [{ value: 1 }] }],
  ['a bad CIDR', { ...base, conditions: [{ field: 'ip', op: 'cidr', value: '10.0.0.0/99' }] }],
  ['a range upside down', { ...base, conditions: [{ field: 'n', op: 'between', value: [5, 1] }] }],
  ['a field path with an empty step', { ...base, conditions: [{ field: 'a..b', value: 1 }] }],
  ['a pattern that is text', { ...base, pattern: 'x' }],
  ['a numeric pattern with text', { ...base, pattern: { detail: { amount: [{ numeric: ['>', 'x'] }] } } }],
  ['a pattern value that is not a list', { ...base, pattern: { source: 'x' } }],
  ['a bad $or branch', { ...base, pattern: { $or: [{ a: ['x'] }, { b: 5 }] } }],
  ['a dotted pattern key', { ...base, pattern: { 'detail.state': [{ bogus: 1 }] } }],
  ['a pattern deeper than the matcher allows', { ...base, pattern: deep(MAX_PATTERN_DEPTH + 1) }],
  ['no event types listed', { ...base, eventType: [] }],
  ['an event type that is a number', { ...base, eventType: ['a', 5] }],
  ['"*" among other types', { ...base, eventType: ['*', 'a'] }],
  ['an empty event type', { ...base, eventType: '' }],
  ['all with one type', { workflow: 'order_workflow', all: ['a'], within: '15m' }],
  ['all without within', { workflow: 'order_workflow', all: ['a', 'b'] }],
  ['within without all', { ...base, within: '15m' }],
  ['all beside eventType', { ...base, all: ['a', 'b'], within: '15m' }],
  ['a bad window', { workflow: 'order_workflow', all: ['a', 'b'], within: 'soon' }],
  ['a bad schedule', { workflow: 'order_workflow', schedule: 'cron(bad)' }],
  ['a schedule beside eventType', { ...base, schedule: 'rate(5 minutes)' }],
  ['a time zone without a schedule', { ...base, timezone: 'Europe/Paris' }],
  ['an unknown time zone', { workflow: 'order_workflow', schedule: 'rate(5 minutes)', timezone: 'Mars/Olympus' }],
  ['a catch-up mode that is none of them', { workflow: 'order_workflow', schedule: 'rate(5 minutes)', catchUp: 'sometimes' }],
  ['a debounce period that is no duration', { ...base, debounce: { period: 'x' } }],
  ['a throttle limit of 0', { ...base, throttle: { limit: 0, period: '1s' } }],
  ['a concurrency over the most', { ...base, concurrency: { limit: 5000 } }],
  ['a batch without its fields', { ...base, batch: {} }],
  ['cancelOn as text', { ...base, cancelOn: 'x' }],
  ['cancelOn without an event type', { ...base, cancelOn: [{ pattern: {} }] }],
  ['a rate limit with an unknown key', { ...base, rateLimit: { limit: 1, period: '1s', burst: 3 } }],
  ['correlateBy as a number', { ...base, correlateBy: 5 }],
  ['correlateBy with an empty step', { ...base, correlateBy: 'data..x' }],
  ['an id that is not the path', { ...base, id: 'other' }],
  ['an id that is a number', { ...base, id: 5 }],
  ['a workflow that is not deployed', { ...base, workflow: 'missing_workflow' }],
  ['a workflow that is no id', { ...base, workflow: 'bad id!' }],
  ['a list, not an object', [base]],
  ['text, not an object', 'order.placed'],
  ['null', null],
  [
    'several problems at once',
    { eventType: 7, workflow: 'order_workflow', priorty: 1, conditions: [{ field: 'a', op: 'gt', value: 'x' }, 3], stop: 'no', pattern: { source: 'x' } },
  ],
];

/** Good documents, each read to the same rule by both readers. */
export const GOOD_DOCUMENTS: ReadonlyArray<readonly [string, unknown]> = [
  ['the least', base],
  [
    'every common key',
    {
      id: 'vip',
      event_type: ['order.placed', 'order.updated'],
      workflow_id: 'order_workflow',
      priority: -3,
      conditions: [
        { field: 'tier', value: 'vip' },
        { field: 'plan.seats', op: 'between', value: [1, 10] },
        { field: 'note', op: 'exists' },
      ],
      pattern: { source: [{ prefix: 'web-' }], 'detail.state': ['on'], data: JSON.parse('{"__proto__": ["x"]}') },
      stop: true,
      correlateBy: 'data.accountId',
      enabled: false,
    },
  ],
  ['a join', { workflow: 'order_workflow', all: ['a', 'b'], within: '15m', correlateBy: 'data.id' }],
  ['a schedule', { id: 'vip', workflow: 'order_workflow', schedule: 'cron(0 2 * * ? *)', timezone: 'Europe/Paris', catchUp: 'all', data: { n: 1 } }],
  ['flow control', { ...base, debounce: { period: '2s', key: 'data.accountId', maxWait: '1m' }, cancelOn: [{ eventType: 'order.cancelled' }] }],
];

/** The workflows the documents may name. */
export const WORKFLOWS = new Set(['order_workflow']);

/** A document as compact JSON, as pretty JSON, and as JSON with odd but valid spacing (tabs, CRLF, blank lines). */
export const layouts = (document: unknown): string[] => [
  JSON.stringify(document),
  JSON.stringify(document, null, 2),
  `\r\n\t${JSON.stringify(document, null, '\t').replaceAll('\n', '\r\n\n')} \n`,
];
