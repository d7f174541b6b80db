import { describe, expect, it } from 'vitest';
import {
  MAX_EVENT_BYTES,
  normaliseEvent,
  parseJsonBody,
  PayloadTooLargeError,
  pruneDeepJson,
  sameContent,
  TOO_DEEP_MARKER,
  ulid,
  ValidationError,
  type EnvelopeContext,
} from '../../lambdas/core/index.js';

const NOW = Date.parse('2026-11-26T12:00:00.000Z');
const ctx: EnvelopeContext = { clock: { now: () => NOW }, ids: { newId: (t) => ulid(t, new Uint8Array(10).fill(7)) } };

const valid = (overrides: Record<string, unknown> = {}) => ({ type: 'user_registration', source: 'web-app', data: { user_type: 'premium' }, ...overrides });

function problemsOf(input: unknown): Array<{ path: string; message: string }> {
  try {
    normaliseEvent(input, ctx);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).details];
  }
  throw new Error('expected the event to be refused');
}

describe('normaliseEvent', () => {
  describe('accepts', () => {
    it('an event without id or timestamp, assigning a ULID and the receive time', () => {
      const event = normaliseEvent(valid(), ctx);

      expect(event).toEqual({
        id: ulid(NOW, new Uint8Array(10).fill(7)),
        type: 'user_registration',
        source: 'web-app',
        timestamp: '2026-11-26T12:00:00.000Z',
        data: { user_type: 'premium' },
      });
      expect(event.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    });

    it('a full event as given, its timestamp normalised to UTC', () => {
      const event = normaliseEvent(valid({ id: 'evt-1', timestamp: '2026-11-26T13:30:00+01:30', correlationId: 'order-9' }), ctx);

      expect(event).toMatchObject({ id: 'evt-1', timestamp: '2026-11-26T12:00:00.000Z', correlationId: 'order-9' });
    });

    it('an event without data, giving it an empty object', () => {
      expect(normaliseEvent({ type: 't', source: 's' }, ctx).data).toEqual({});
    });

    it('an event of exactly the size limit', () => {
      const base = JSON.stringify(normaliseEvent(valid({ id: 'x', data: { pad: '' } }), ctx)).length;
      const event = normaliseEvent(valid({ id: 'x', data: { pad: 'a'.repeat(MAX_EVENT_BYTES - base) } }), ctx);

      expect(Buffer.byteLength(JSON.stringify(event))).toBe(MAX_EVENT_BYTES);
    });
  });

  describe('refuses, naming the path and the problem,', () => {
    it('a missing type', () => {
      expect(problemsOf({ source: 's', data: {} })).toEqual([{ path: 'type', message: 'required' }]);
    });

    it('an empty or non-string source', () => {
      expect(problemsOf(valid({ source: '' }))).toEqual([{ path: 'source', message: 'must not be empty' }]);
      expect(problemsOf(valid({ source: 42 }))).toEqual([{ path: 'source', message: 'must be a string' }]);
    });

    it('a type with control characters', () => {
      expect(problemsOf(valid({ type: 'a\nb' }))).toEqual([{ path: 'type', message: 'must not contain control characters' }]);
    });

    it.each(['yesterday', '2026-11-26', '2026-11-26T12:00:00', '2026-13-40T12:00:00Z', 1732622400])('a bad timestamp %j', (timestamp) => {
      const [problem] = problemsOf(valid({ timestamp }));

      expect(problem?.path).toBe('timestamp');
    });

    it('data that is not an object', () => {
      expect(problemsOf(valid({ data: [1, 2] }))).toEqual([{ path: 'data', message: 'must be a JSON object' }]);
    });

    it('an unknown top-level field', () => {
      expect(problemsOf(valid({ tpye: 'x' }))).toEqual([{ path: 'tpye', message: 'unknown field' }]);
    });

    it('a payload that is not an object', () => {
      expect(problemsOf('user_registration')).toEqual([{ path: '(event)', message: 'an event must be a JSON object' }]);
    });

    it('several problems at once', () => {
      expect(problemsOf({ data: 'x' }).map((p) => p.path)).toEqual(['type', 'source', 'data']);
    });

    it.each(['__proto__', 'constructor', 'prototype'])('the key %s anywhere in the payload', (key) => {
      const payload = JSON.parse(`{"type":"t","source":"s","data":{"items":[{"ok":1},{"${key}":{"polluted":true}}]}}`);

      expect(problemsOf(payload)).toEqual([{ path: `data.items[1].${key}`, message: expect.stringMatching(/forbidden key/) }]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('an event over 256 KiB with PayloadTooLargeError', () => {
      const oversize = valid({ data: { pad: 'a'.repeat(MAX_EVENT_BYTES) } });

      expect(() => normaliseEvent(oversize, ctx)).toThrow(PayloadTooLargeError);
      expect(() => normaliseEvent(oversize, ctx)).toThrow(/limit is 262144/);
    });

    it('a payload nested far deeper than the stack, without crashing', () => {
      const deep = JSON.parse(`{"type":"t","source":"s","data":${'{"a":'.repeat(20_000)}{"__proto__":1}${'}'.repeat(20_000)}}`);

      expect(problemsOf(deep)[0]).toEqual({ path: `data${'.a'.repeat(31)}`, message: expect.stringMatching(/nests deeper than 32 levels/) });
    });

    it('an event one level deeper than 32, but not one at 32', () => {
      const at = (levels: number) => JSON.parse(`{"type":"t","source":"s","data":${'{"a":'.repeat(levels - 1)}1${'}'.repeat(levels - 1)}}`);

      expect(() => normaliseEvent(at(32), ctx)).not.toThrow();
      expect(problemsOf(at(33))[0]?.message).toMatch(/deeper than 32/);
    });
  });
});

describe('pruneDeepJson', () => {
  it('replaces what nests deeper than the limit and leaves the rest as it was, strings included', () => {
    const text = '{"s":"[[[{\\"","a":{"b":[1,{"c":2}]},"d":[]}';

    expect(pruneDeepJson(text, 5)).toBe(text);
    expect(JSON.parse(pruneDeepJson(text, 2))).toEqual({ s: '[[[{"', a: { b: TOO_DEEP_MARKER }, d: [] });
  });
});

describe('parseJsonBody', () => {
  it('parses a body of a million levels into a marker the envelope refuses, one entry only', () => {
    const body = parseJsonBody(`[{"type":"t","source":"s"},{"type":"t","source":"s","data":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}]`) as unknown[];

    expect(body[0]).toEqual({ type: 't', source: 's' });
    expect(JSON.stringify(body[1]).length).toBeLessThan(500);
    expect(problemsOf(body[1])[0]?.message).toMatch(/deeper than 32/);
  });

  it('names where the JSON broke', () => {
    expect(() => parseJsonBody('{"type": 1 2}')).toThrow(/The body is not valid JSON: .*position 11/);
    expect(() => parseJsonBody('{"type": ')).toThrow(/The body is not valid JSON: Unexpected end/);
  });

  it('refuses an empty body', () => {
    expect(() => parseJsonBody('  ')).toThrow(/body is empty/);
  });
});

describe('sameContent', () => {
  const a = normaliseEvent(valid({ id: 'e1', data: { x: 1, y: { z: 2 } } }), ctx);

  it('treats a retry with a new timestamp and reordered keys as the same event', () => {
    const retry = { ...a, timestamp: '2026-11-26T12:00:05.000Z', data: { y: { z: 2 }, x: 1 } };

    expect(sameContent(a, retry)).toBe(true);
  });

  it('tells apart events whose data differs', () => {
    expect(sameContent(a, { ...a, data: { x: 2, y: { z: 2 } } })).toBe(false);
  });
});
