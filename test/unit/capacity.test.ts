import { describe, expect, it } from 'vitest';
import { capacityModel, checkCapacityInput, formatCapacity } from '../../lib/capacity.js';
import { QUOTAS } from '../../lib/capacity-quotas.js';
import { startRateWarnings } from '../../lib/capacity-warnings.js';
import { DEFAULT_REPLAY_MAX_RATE } from '../../lib/replay.js';
import { parseWorkflow, ValidationError } from '../../lambdas/core/index.js';

const TEN_K = { rate: 10_000, trigger: 0.1, regionClass: 'large', eventBytes: 1024 } as const;
const lineOf = (report: ReturnType<typeof capacityModel>, hop: RegExp) => report.lines.find((l) => hop.test(l.hop));

describe('the capacity model', () => {
  it('finds the Standard StartExecution refill binding first at 10,000 events/s with 10% starting a workflow', () => {
    const report = capacityModel({ ...TEN_K, workflowType: 'STANDARD' });

    expect(report.binding.hop).toBe('StartExecution Standard (refill)');
    expect(report.binding).toMatchObject({ load: 1000, limit: 300 });
    expect(report.binding.setting).toContain('EXPRESS');
  });

  it('moves the binding quota to the time index shards when the workflow is Express, whose refill the starts leave room in', () => {
    const report = capacityModel({ ...TEN_K, workflowType: 'EXPRESS' });

    expect(lineOf(report, /Express/)?.utilisation).toBeCloseTo(1000 / 6000);
    expect(report.binding.hop).toMatch(/byTime/);
    expect(report.binding.load).toBe(2500);
  });

  it('uses the small region class refill, and loads the replay quotas with the default replay ceiling', () => {
    const report = capacityModel({ ...TEN_K, rate: 1000, workflowType: 'STANDARD', regionClass: 'small' });

    expect(lineOf(report, /StartExecution/)).toMatchObject({ load: 100, limit: 150 });
    expect(lineOf(report, /PutEvents/)?.load).toBe(DEFAULT_REPLAY_MAX_RATE);
  });

  it('never names an optional source (Kinesis) as the binding quota', () => {
    const report = capacityModel({ ...TEN_K, rate: 5000, trigger: 0, workflowType: 'EXPRESS' });

    expect(lineOf(report, /Kinesis/)?.utilisation).toBeGreaterThan(1);
    expect(report.binding.optional).toBeUndefined();
  });

  it('costs Standard executions by state transitions and Express ones by request and duration, per million events', () => {
    const standard = capacityModel({ ...TEN_K, workflowType: 'STANDARD' });
    const express = capacityModel({ ...TEN_K, workflowType: 'EXPRESS' });
    const item = (r: typeof standard, name: RegExp) => r.cost.find((c) => name.test(c.item))?.usd;

    expect(item(standard, /Step Functions/)).toBeCloseTo(15, 5);
    expect(item(express, /Step Functions/)).toBeCloseTo(0.2, 1);
    expect(standard.costTotal).toBeCloseTo(standard.cost.reduce((s, c) => s + c.usd, 0));
    expect(formatCapacity(standard)).toContain('binds first: StartExecution Standard (refill) at 333%');
  });

  it('refuses bad input, naming each value', () => {
    expect(() => checkCapacityInput({ rate: 0, trigger: 1.5, workflowType: 'batch', regionClass: 'huge', eventBytes: 0 })).toThrow(
      'Invalid capacity input: --rate must be a number above 0; --trigger must be a share between 0 and 1; --workflow-type must be STANDARD or EXPRESS; --region-class must be large or small; --event-bytes must be a whole number of bytes from 1 to 262144',
    );
    expect(checkCapacityInput({ rate: 10, trigger: 0.5, workflowType: 'express' })).toEqual({
      rate: 10,
      trigger: 0.5,
      workflowType: 'EXPRESS',
      regionClass: 'large',
      eventBytes: 1024,
    });
  });
});

describe('the replay ceiling default', () => {
  it('does not exceed the Standard StartExecution refill of the smallest region class', () => {
    expect(DEFAULT_REPLAY_MAX_RATE).toBeLessThanOrEqual(Math.min(QUOTAS.standardStartRefill.small, QUOTAS.standardStartRefill.large));
  });
});

describe('expectedRatePerSecond', () => {
  const aWorkflow = (id: string, settings: Record<string, unknown>) => parseWorkflow(id, '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}', settings);

  it('is refused when it is not a number above 0', () => {
    expect(() => aWorkflow('w', { expectedRatePerSecond: 0 })).toThrow(ValidationError);
    expect(() => aWorkflow('w', { expectedRatePerSecond: '10' })).toThrow('w.asl.json: expectedRatePerSecond must be a number of starts per second above 0');
  });

  it('warns for a Standard workflow above the refill, and for Standard workflows above it together; never for Express', () => {
    const workflows = [
      aWorkflow('orders', { expectedRatePerSecond: 200 }),
      aWorkflow('signups', { expectedRatePerSecond: 120 }),
      aWorkflow('checks', { type: 'EXPRESS', expectedRatePerSecond: 5000 }),
    ];

    expect(startRateWarnings(workflows, 'large')).toEqual([expect.stringMatching(/^Standard workflows orders, signups expect 320 starts\/s together, above .* 300\/s/)]);
    expect(startRateWarnings(workflows, 'small')).toEqual([
      expect.stringMatching(/^workflow orders: expectedRatePerSecond 200 exceeds the Standard StartExecution refill of 150\/s/),
      expect.stringMatching(/^Standard workflows orders, signups expect 320/),
    ]);
    expect(startRateWarnings([workflows[2] as (typeof workflows)[number]], 'small')).toEqual([]);
  });
});
