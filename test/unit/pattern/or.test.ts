import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError } from '../../../lambdas/core/pattern/index.js';

const matches = (pattern: unknown, event: unknown): boolean => compilePattern(pattern).matches(event);
const rejects = (pattern: unknown, reason: RegExp): void => {
  expect(() => compilePattern(pattern)).toThrow(InvalidPatternError);
  expect(() => compilePattern(pattern)).toThrow(reason);
};

describe('$or', () => {
  // source AND (metricName OR namespace)
  const normal = {
    source: ['aws.cloudwatch'],
    $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
  };

  it('matches when any alternative matches, AND-ed with the other fields', () => {
    expect(matches(normal, { source: 'aws.cloudwatch', metricName: 'CPUUtilization' })).toBe(true);
    expect(matches(normal, { source: 'aws.cloudwatch', namespace: 'AWS/ES' })).toBe(true);
  });

  it('does not match when no alternative matches, or another field fails', () => {
    expect(matches(normal, { source: 'aws.cloudwatch', metricName: 'Other' })).toBe(false);
    expect(matches(normal, { source: 'aws.ec2', metricName: 'CPUUtilization' })).toBe(false);
  });

  it('AND-s the fields inside one alternative', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }, { scope: ['Service'] }],
    };
    expect(matches(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' })).toBe(true);
    expect(matches(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType' })).toBe(false);
  });

  it('applies at the level where it appears, in parallel with other $or groups', () => {
    const pattern = {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    };
    expect(matches(pattern, { namespace: 'AWS/EC2', detail: { 'detail-type': 'CloudWatch Alarm State Change' } })).toBe(true);
    expect(matches(pattern, { namespace: 'AWS/EC2', detail: { source: 'aws.ec2' } })).toBe(false);
  });

  it('nests: an alternative may hold its own $or', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }],
    };
    expect(matches(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/EC2', spaceId: 1000 })).toBe(true);
    expect(matches(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/EC2', spaceId: 1 })).toBe(false);
  });

  it('combines with exists: false', () => {
    const pattern = { $or: [{ a: [{ exists: false }] }, { a: ['x'] }] };
    expect(matches(pattern, {})).toBe(true);
    expect(matches(pattern, { a: 'x' })).toBe(true);
    expect(matches(pattern, { a: 'y' })).toBe(false);
  });

  it('rejects an empty $or or one with a single alternative', () => {
    rejects({ $or: [] }, /^\$or: \$or needs at least two alternatives, got 0$/);
    rejects({ $or: [{ a: ['x'] }] }, /at least two alternatives, got 1/);
  });

  it('rejects a $or that is not an array of objects', () => {
    rejects({ $or: { a: ['x'] } }, /\$or expects an array/);
    rejects({ detail: { $or: [{ a: ['x'] }, ['b']] } }, /^detail\.\$or\[1\]: \$or alternatives must be objects/);
    rejects({ $or: [{ a: ['x'] }, {}] }, /^\$or\[1\]: empty objects are not allowed/);
  });

  it('rejects operator names used as field names inside $or', () => {
    rejects({ $or: [{ numeric: [123] }, { prefix: ['abc'] }] }, /^\$or\[0\]\.numeric: "numeric" is an operator name/);
    rejects({ $or: [{ a: { wildcard: ['x'] } }, { b: ['y'] }] }, /\$or\[0\]\.a\.wildcard: "wildcard" is an operator name/);
  });

  it('allows operator names as field names outside $or', () => {
    expect(matches({ prefix: ['abc'] }, { prefix: 'abc' })).toBe(true);
  });
});
