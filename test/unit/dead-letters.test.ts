import { describe, expect, it } from 'vitest';
import { classifyDeadLetter } from '../../lambdas/aws/dead-letters.js';
import { failedBusInvocation, kinesisBatch, parkedEvent, refusedKinesisRecord, routerBatch, undelivered, wakeUp } from '../support/dead-letter-messages.js';

describe('classifyDeadLetter', () => {
  it("tells EventBridge's undelivered events from the engine's letters and Lambda's on-failure records", () => {
    const kinds = [refusedKinesisRecord('e30='), failedBusInvocation, parkedEvent, routerBatch, kinesisBatch, undelivered].map(
      (m) =>
        classifyDeadLetter({ body: m.Body as string, attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])) }).kind,
    );

    expect(kinds).toEqual(['refused-record', 'failed-invocation', 'parked-event', 'failed-router-batch', 'failed-kinesis-batch', 'undelivered-event']);
    expect(classifyDeadLetter({ body: 'not json' })).toEqual({ kind: 'unknown', why: 'the body is not JSON' });
  });

  it('tells a flow-control wake-up by its exact shape: a rule, a key and a due time', () => {
    expect(classifyDeadLetter({ body: wakeUp.Body as string })).toEqual({ kind: 'wake-up', ruleId: 'build-report', key: 'v:acme', dueAt: '2026-07-01T11:58:00.000Z' });
    const unlike = [
      { ruleId: 'r', key: 'k', dueAt: 'tomorrow' },
      { ruleId: '', key: 'k', dueAt: '2026-07-01T11:58:00.000Z' },
      { ruleId: 'r', key: 'k', dueAt: '2026-07-01T11:58:00.000Z', extra: 1 },
    ];
    expect(unlike.map((body) => classifyDeadLetter({ body: JSON.stringify(body) }).kind)).toEqual(['unknown', 'unknown', 'unknown']);
  });
});
