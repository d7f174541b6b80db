import { describe, expect, it } from 'vitest';
import { classifyDeadLetter } from '../../lambdas/aws/dead-letters.js';
import { failedBusInvocation, kinesisBatch, parkedEvent, refusedKinesisRecord, routerBatch, undelivered } from '../support/dead-letter-messages.js';

describe('classifyDeadLetter', () => {
  it("tells EventBridge's undelivered events from the engine's letters and Lambda's on-failure records", () => {
    const kinds = [refusedKinesisRecord('e30='), failedBusInvocation, parkedEvent, routerBatch, kinesisBatch, undelivered].map(
      (m) =>
        classifyDeadLetter({ body: m.Body as string, attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])) }).kind,
    );

    expect(kinds).toEqual(['refused-record', 'failed-invocation', 'parked-event', 'failed-router-batch', 'failed-kinesis-batch', 'undelivered-event']);
    expect(classifyDeadLetter({ body: 'not json' })).toEqual({ kind: 'unknown', why: 'the body is not JSON' });
  });
});
