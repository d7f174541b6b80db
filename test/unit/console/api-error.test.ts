import { describe, expect, it } from 'vitest';
import { errorOf } from '../../../console/src/api-error.js';

const answer = (status: number, statusText: string) => new Response(null, { status, statusText });

describe("the console's reading of a refusal", () => {
  it("keeps the engine's code and each problem by its JSON path", () => {
    const body = { error: 'invalid_rule', message: 'Invalid rule: conditions[0].op: unknown operator', details: [{ path: 'conditions[0].op', message: 'unknown operator' }] };
    const error = errorOf(answer(400, 'Bad Request'), JSON.stringify(body));
    expect([error.status, error.code, error.details]).toEqual([400, 'invalid_rule', body.details]);
    expect(error.message).toBe('Invalid rule: conditions[0].op: unknown operator — conditions[0].op: unknown operator');
  });

  it("reads API Gateway's own refusal, whose message is spelled Message (an IAM 403)", () => {
    const text = '{"Message":"User: arn:aws:sts::123456789012:assumed-role/Reader/bob is not authorized to perform: execute-api:Invoke"}';
    const error = errorOf(answer(403, 'Forbidden'), text);
    expect([error.status, error.code, error.details]).toEqual([403, undefined, []]);
    expect(error.message).toMatch(/^User: .* is not authorized to perform: execute-api:Invoke$/);
  });

  it('falls back to the status line when the body is not JSON', () => {
    for (const text of ['', '<html>Bad gateway</html>', 'null']) {
      const error = errorOf(answer(502, 'Bad Gateway'), text);
      expect([error.status, error.message, error.details], text).toEqual([502, '502 Bad Gateway', []]);
    }
  });
});
