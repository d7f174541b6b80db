import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidEventError, InvalidPatternError, matchesPattern, testEventPattern } from '../../../lambdas/core/pattern/index.js';

/** A minimal event with every field TestEventPattern requires. */
const apiEvent = (overrides: Record<string, unknown> = {}) => ({
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  account: '123456789012',
  source: 'aws.ec2',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  'detail-type': 'EC2 Instance State-change Notification',
  detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
  ...overrides,
});

describe('matchesPattern', () => {
  it('compiles and matches in one call', () => {
    expect(matchesPattern({ source: ['aws.ec2'] }, apiEvent())).toBe(true);
    expect(matchesPattern({ source: ['aws.s3'] }, apiEvent())).toBe(false);
  });

  it('reuses the compiled form of the same pattern object', () => {
    const pattern = { detail: { state: ['pending'] } };
    expect(matchesPattern(pattern, apiEvent())).toBe(true);
    expect(matchesPattern(pattern, apiEvent({ detail: { state: 'running' } }))).toBe(false);
  });

  it('throws InvalidPatternError for an invalid pattern', () => {
    expect(() => matchesPattern({ source: 'aws.ec2' }, apiEvent())).toThrow(InvalidPatternError);
    expect(() => matchesPattern('{"source":["aws.ec2"]}', apiEvent())).toThrow(InvalidPatternError);
  });
});

describe('compilePattern', () => {
  it("matches the guide's complex example combining prefix, anything-but, numeric and cidr", () => {
    const pattern = compilePattern({
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    });
    const event = {
      time: '2017-10-02T16:24:49Z',
      detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', state: 'running' },
    };
    expect(pattern.matches(event)).toBe(true);
    expect(pattern.matches({ ...event, detail: { ...event.detail, 'x-limit': 300 } })).toBe(false);
  });

  it('mixes matchers of different kinds in one value list (OR)', () => {
    const pattern = compilePattern({ f: ['exact', { prefix: 'pre' }, { numeric: ['>', 10] }, null, { exists: false }] });
    for (const value of ['exact', 'prefixed', 11, null, undefined]) expect(pattern.matches({ f: value })).toBe(true);
    for (const value of ['other', 10, true]) expect(pattern.matches({ f: value })).toBe(false);
  });
});

describe('testEventPattern', () => {
  it('returns { Result: true } when the event matches, like `aws events test-event-pattern`', () => {
    expect(testEventPattern('{"source":["aws.ec2"]}', JSON.stringify(apiEvent()))).toEqual({ Result: true });
  });

  it('returns { Result: false } when it does not', () => {
    expect(testEventPattern('{"detail":{"state":["running"]}}', JSON.stringify(apiEvent()))).toEqual({ Result: false });
  });

  it('applies JSON semantics: a duplicate key in the pattern keeps its last value', () => {
    const pattern = '{"detail":{"state":[{"prefix":"pen"}],"state":[{"anything-but":"pending"}]}}';
    expect(testEventPattern(pattern, JSON.stringify(apiEvent()))).toEqual({ Result: false });
  });

  it('throws InvalidPatternError when the pattern is not JSON', () => {
    expect(() => testEventPattern('{source: ["aws.ec2"]}', JSON.stringify(apiEvent()))).toThrow(InvalidPatternError);
    expect(() => testEventPattern('{source: ["aws.ec2"]}', JSON.stringify(apiEvent()))).toThrow(/not valid JSON/);
  });

  it('throws InvalidPatternError when the pattern is invalid', () => {
    expect(() => testEventPattern('{"source":"aws.ec2"}', JSON.stringify(apiEvent()))).toThrow(/^source: must be an object/);
  });

  it('throws InvalidEventError when the event is not a JSON object', () => {
    expect(() => testEventPattern('{"source":["aws.ec2"]}', 'not json')).toThrow(InvalidEventError);
    expect(() => testEventPattern('{"source":["aws.ec2"]}', '[]')).toThrow(/must be a JSON object/);
  });

  it('throws InvalidEventError naming a missing mandatory field', () => {
    const { region: _omitted, ...withoutRegion } = apiEvent();
    expect(() => testEventPattern('{"source":["aws.ec2"]}', JSON.stringify(withoutRegion))).toThrow(/^region: this field is mandatory/);
  });
});
