import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../../lambdas/core/pattern/index.js';

const matches = (pattern: unknown, event: unknown): boolean => compilePattern(pattern).matches(event);

/** The EC2 state-change event used throughout the EventBridge user guide. */
const ec2Event = (state = 'terminated') => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state },
});

describe('exact value matching', () => {
  const terminations = { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } };

  it("matches the guide's EC2 instance-termination pattern on a termination event", () => {
    expect(matches(terminations, ec2Event('terminated'))).toBe(true);
  });

  it('does not match when one named field differs (fields are AND-ed)', () => {
    expect(matches(terminations, ec2Event('running'))).toBe(false);
  });

  it('matches when the value is any of the listed values (values are OR-ed)', () => {
    expect(matches({ source: ['aws.ec2', 'aws.fargate'] }, ec2Event())).toBe(true);
    expect(matches({ source: ['aws.s3', 'aws.fargate'] }, ec2Event())).toBe(false);
  });

  it('ignores event fields the pattern does not name', () => {
    expect(matches({ detail: { state: ['terminated'] } }, ec2Event())).toBe(true);
  });

  it('requires the nesting of the event to follow the nesting of the pattern', () => {
    expect(matches({ state: ['terminated'] }, ec2Event())).toBe(false);
    expect(matches({ detail: { detail: { state: ['terminated'] } } }, ec2Event())).toBe(false);
  });

  it('compares strings character by character, without case folding', () => {
    expect(matches({ source: ['AWS.EC2'] }, ec2Event())).toBe(false);
    expect(matches({ source: ['aws.ec2 '] }, ec2Event())).toBe(false);
  });

  it('matches an empty string only against an empty string, not null', () => {
    const event = { detail: { eventVersion: '', responseElements: null } };
    expect(matches({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matches({ detail: { responseElements: [''] } }, event)).toBe(false);
  });

  it('matches null only against null, not a missing field or an empty string', () => {
    const event = { detail: { eventVersion: '', responseElements: null } };
    expect(matches({ detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matches({ detail: { eventVersion: [null] } }, event)).toBe(false);
    expect(matches({ detail: { other: [null] } }, event)).toBe(false);
  });

  it("matches the guide's Macie numbers (risk-score 80, trigger.risk 8)", () => {
    const macie = { source: 'aws.macie', detail: { 'risk-score': 80, trigger: { risk: 8 } } };
    expect(matches({ source: ['aws.macie'], detail: { 'risk-score': [80], trigger: { risk: [8] } } }, macie)).toBe(true);
    expect(matches({ detail: { 'risk-score': [81] } }, macie)).toBe(false);
  });

  it('compares numbers numerically, so 300 matches 300.0 and 3.0e2', () => {
    expect(matches({ n: [300] }, JSON.parse('{"n": 300.0}'))).toBe(true);
    expect(matches({ n: [3.0e2] }, { n: 300 })).toBe(true);
  });

  it('never matches a number against its string form, or a string against a number', () => {
    expect(matches({ n: [300] }, { n: '300' })).toBe(false);
    expect(matches({ n: ['300'] }, { n: 300 })).toBe(false);
  });

  it('matches true and false only against the same boolean', () => {
    expect(matches({ flag: [true] }, { flag: true })).toBe(true);
    expect(matches({ flag: [true] }, { flag: false })).toBe(false);
    expect(matches({ flag: [false] }, { flag: 'false' })).toBe(false);
  });

  it('does not match an object or a missing field with a value list', () => {
    expect(matches({ detail: ['terminated'] }, ec2Event())).toBe(false);
    expect(matches({ missing: ['x'] }, ec2Event())).toBe(false);
  });

  it('matches every event with the empty pattern {}', () => {
    expect(matches({}, ec2Event())).toBe(true);
    expect(matches({}, {})).toBe(true);
  });
});

describe('array values in the event', () => {
  const macieResources = {
    resources: [
      'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASGTerminate',
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
    ],
  };

  it("matches when the pattern list and the event array intersect (the guide's resources example)", () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    expect(matches(pattern, macieResources)).toBe(true);
  });

  it('does not match when no element of the event array is listed', () => {
    expect(matches({ resources: ['arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'] }, macieResources)).toBe(false);
  });

  it('does not match an empty event array with a value list', () => {
    expect(matches({ resources: ['x'] }, { resources: [] })).toBe(false);
  });

  it('flattens nested arrays in the event', () => {
    expect(matches({ tags: ['deep'] }, { tags: [['a', ['deep']]] })).toBe(true);
  });

  it("applies a nested pattern to each object of an event array (event-ruler's employees example)", () => {
    const event = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
      ],
    };
    expect(matches({ employees: { firstName: ['Anna'] } }, event)).toBe(true);
    expect(matches({ employees: { firstName: ['Peter'] } }, event)).toBe(false);
  });

  it('requires all fields of a nested pattern to match within the same array element', () => {
    const event = {
      employees: [
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, event)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, event)).toBe(false);
  });

  it('looks through arrays of arrays of objects', () => {
    const event = { employees: [[{ firstName: 'John' }], [{ firstName: 'Peter' }]] };
    expect(matches({ employees: { firstName: ['Peter'] } }, event)).toBe(true);
  });
});
