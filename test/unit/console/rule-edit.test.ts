import { describe, expect, it } from 'vitest';
import { documentOf, ifMatch, lineDiff, parseDocument, pretty } from '../../../console/src/rule-edit.js';

describe("the rule editor's document", () => {
  it('is the rule as GET /rules/{id} shows it, without its id, version, layer and bookkeeping', () => {
    const view = {
      id: 'vip',
      eventType: 'order.placed',
      workflow: 'ship',
      enabled: false,
      version: 3,
      managedBy: 'api',
      updatedAt: '2026-12-08T01:00:00Z',
      updatedBy: 'ops',
      nextFires: ['2026-12-09T02:00:00Z'],
    };
    expect(documentOf(view)).toEqual({ eventType: 'order.placed', workflow: 'ship', enabled: false });
  });

  it('reads the JSON object in the editor, and says where it is not one', () => {
    expect(parseDocument(pretty({ eventType: 'a', workflow: 'w' }))).toEqual({ eventType: 'a', workflow: 'w' });
    expect(() => parseDocument('{"eventType": "a",')).toThrow(/^The rule is not JSON: /);
    for (const text of ['[]', 'null', '"rule"', '3']) expect(() => parseDocument(text), text).toThrow('The rule must be a JSON object');
  });

  it("sends If-Match with a managed rule's counter, and none for a files digest or a new rule", () => {
    expect(ifMatch(4)).toEqual({ 'if-match': '"4"' });
    expect(ifMatch('3f9a0c1b2d4e')).toEqual({});
    expect(ifMatch(undefined)).toEqual({});
  });
});

describe('lineDiff', () => {
  const changed = (lines: Array<{ text: string; changed: boolean }>) => lines.filter((l) => l.changed).map((l) => l.text);

  it('marks the lines only the old version has on the left, and those only the new one has on the right', () => {
    const old = pretty({ eventType: 'a', workflow: 'w', priority: 5, conditions: [{ field: 'tier', value: 'vip' }] });
    const now = pretty({
      eventType: 'a',
      workflow: 'w',
      priority: 6,
      conditions: [
        { field: 'tier', value: 'vip' },
        { field: 'x', op: 'exists' },
      ],
    });
    const { left, right } = lineDiff(old, now);
    expect(left.map((l) => l.text).join('\n')).toBe(old);
    expect(right.map((l) => l.text).join('\n')).toBe(now);
    expect(changed(left)).toEqual(['  "priority": 5,']);
    // The old condition's closing brace is kept as the new list's last one: the added lines are the brace and object between.
    expect(changed(right)).toEqual(['  "priority": 6,', '    },', '    {', '      "field": "x",', '      "op": "exists"']);
  });

  it('marks nothing for equal texts, and everything when no line is shared', () => {
    const same = lineDiff('a\nb\nc', 'a\nb\nc');
    expect([...changed(same.left), ...changed(same.right)]).toEqual([]);
    const apart = lineDiff('a\nb', 'c');
    expect([changed(apart.left), changed(apart.right)]).toEqual([['a', 'b'], ['c']]);
  });

  it('shows texts too long to compare unmarked', () => {
    const long = Array.from({ length: 1001 }, (_, i) => `line ${i}`).join('\n');
    const { left, right } = lineDiff(long, 'other');
    expect(left).toHaveLength(1001);
    expect([...changed(left), ...changed(right)]).toEqual([]);
  });
});
