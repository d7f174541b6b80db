/** The active rules, in priority order, with how often each matched since the engine started (from /metrics). */
import { api, apiText } from './api.js';
import { h, link, problem, show } from './dom.js';
import type { View } from './main.js';
import type { ApiRule } from './types.js';
import { byLabel, parsePrometheus } from './metrics.js';

export const renderRules: View = (root) => {
  show(root, h('h1', {}, 'Rules'), h('p', { class: 'muted' }, 'Loading…'));
  void (async () => {
    try {
      const [{ rules }, counts] = await Promise.all([
        api<{ rules: ApiRule[] }>('/rules'),
        apiText('/metrics')
          .then((text) => byLabel(parsePrometheus(text), 'edwe_rule_matches_total', 'rule'))
          .catch(() => undefined),
      ]);
      const sorted = [...rules].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
      show(
        root,
        h('h1', {}, 'Rules'),
        counts === undefined ? h('p', { class: 'muted' }, 'Match counts need GET /metrics, which this API does not serve.') : null,
        h(
          'table',
          { class: 'grid', 'data-testid': 'rules' },
          h('thead', {}, h('tr', {}, h('th', {}, 'rule'), h('th', {}, 'on'), h('th', {}, 'workflow'), h('th', {}, 'priority'), h('th', {}, 'matches'), h('th', {}, 'when'))),
          h(
            'tbody',
            {},
            ...sorted.map((rule) =>
              h(
                'tr',
                { class: rule.enabled === false ? 'disabled' : '' },
                h('td', {}, rule.id, rule.enabled === false ? h('span', { class: 'muted' }, ' (disabled)') : null),
                h('td', { class: 'mono' }, [rule.eventType ?? rule.eventTypes ?? rule.all ?? '*'].flat().join(', ')),
                h('td', {}, link(`/executions?workflow=${encodeURIComponent(rule.workflow)}`, rule.workflow)),
                h('td', { class: 'num' }, rule.priority ?? ''),
                h('td', { class: 'num' }, counts === undefined ? '–' : (counts.get(rule.id) ?? 0)),
                h('td', { class: 'mono small' }, describe(rule)),
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      show(root, h('h1', {}, 'Rules'), problem(error));
    }
  })();
  return undefined;
};

function describe(rule: ApiRule): string {
  const parts = (rule.conditions ?? []).map((c) => `${c.field} ${c.op ?? 'eq'} ${JSON.stringify(c.value)}`);
  if (rule.pattern !== undefined) parts.push(`pattern ${JSON.stringify(rule.pattern)}`);
  if (rule.stop) parts.push('stop');
  return parts.join(' · ');
}
