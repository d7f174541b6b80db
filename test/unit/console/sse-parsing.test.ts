import { describe, expect, it } from 'vitest';
import { parseSse } from '../../../console/src/sse.js';

describe('the console reading Server-Sent Events', () => {
  it('dispatches a message at each blank line, with its id, across chunk boundaries', () => {
    const parser = parseSse();
    expect(parser.push('id: 1\ndata: {"a"')).toEqual([]);
    expect(parser.push(':1}\n\nid: 2\r\ndata: x\r\n\r\n')).toEqual([
      { id: '1', data: '{"a":1}' },
      { id: '2', data: 'x' },
    ]);
  });

  it('joins multi-line data, skips comments (keep-alives) and keeps the last id for later messages', () => {
    const parser = parseSse();
    expect(parser.push(': ping\n\nid: 7\ndata: one\ndata: two\n\ndata: three\n\n')).toEqual([
      { id: '7', data: 'one\ntwo' },
      { id: '7', data: 'three' },
    ]);
  });
});
