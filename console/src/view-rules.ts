/**
 * The rules in priority order: their layer (files or managed), version, last change, next fires for schedule rules,
 * and how often each matched since the engine started (from /metrics). A rule's id opens it (edit, backtest, history).
 */
import { api, apiText } from './api.js';
import { h, link, problem, show, stamp } from './dom.js';
import type { View } from './main.js';
import { byLabel, parsePrometheus } from './metrics.js';
import { canWriteRules } from './rule-access.js';
import type { ApiRule } from './types.js';

export const renderRules: View = (root) => {
  show(root, h('h1', {}, 'Rules'), h('p', { class: 'muted' }, 'Loading…'));
  void (async () => {
    try {
      const [{ rules, revision }, counts, writable] = await Promise.all([
        api<{ rules: ApiRule[]; revision?: number }>('/rules'),
        apiText('/metrics')
          .then((text) => byLabel(parsePrometheus(text), 'edwe_rule_matches_total', 'rule'))
          .catch(() => undefined),
        canWriteRules(),
      ]);
      const sorted = [...rules].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.id.localeCompare(b.id));
      const create = writable
        ? h('a', { class: 'button', href: '#/rule', 'data-testid': 'new-rule' }, 'New rule')
        : h('span', { class: 'muted', 'data-testid': 'read-only' }, 'This token cannot change rules (it lacks rules:write).');
      show(
        root,
        h(
          'div',
          { class: 'toolbar' },
          h('h1', {}, 'Rules'),
          h('span', { class: 'spacer' }),
          revision === undefined ? null : h('span', { class: 'muted' }, `revision ${revision}`),
          create,
        ),
        counts === undefined ? h('p', { class: 'muted' }, 'Match counts need GET /metrics, which this API does not serve.') : null,
        h(
          'table',
          { class: 'grid', 'data-testid': 'rules' },
          h(
            'thead',
            {},
            h('tr', {}, ...['rule', 'layer', 'version', 'on', 'workflow', 'priority', 'matches', 'updated', 'next fire', 'when'].map((name) => h('th', {}, name))),
          ),
          h('tbody', {}, ...sorted.map((rule) => row(rule, counts))),
        ),
        h('p', { class: 'muted small' }, 'files: rules/*.yaml, read-only here (change them in git and redeploy). api: managed through the API, versioned, editable here.'),
      );
    } catch (error) {
      show(root, h('h1', {}, 'Rules'), problem(error));
    }
  })();
  return undefined;
};

function row(rule: ApiRule, counts: Map<string, number> | undefined): HTMLElement {
  const on = rule.schedule ?? [rule.eventType ?? rule.eventTypes ?? rule.all ?? '*'].flat().join(', ');
  const next = rule.nextFires?.[0];
  return h(
    'tr',
    { class: rule.enabled === false ? 'disabled' : '', 'data-rule': rule.id },
    h('td', {}, link(`/rule/${encodeURIComponent(rule.id)}`, rule.id), rule.enabled === false ? h('span', { class: 'muted' }, ' (disabled)') : null),
    h('td', {}, h('span', { class: `badge layer-${rule.managedBy ?? 'files'}` }, rule.managedBy ?? 'files')),
    h('td', { class: 'mono', 'data-field': 'version' }, rule.version ?? ''),
    h('td', { class: 'mono' }, on),
    h('td', {}, link(`/executions?workflow=${encodeURIComponent(rule.workflow)}`, rule.workflow)),
    h('td', { class: 'num' }, rule.priority ?? ''),
    h('td', { class: 'num' }, counts === undefined ? '–' : (counts.get(rule.id) ?? 0)),
    h('td', { class: 'small' }, rule.updatedAt ? `${stamp(rule.updatedAt)} · ${rule.updatedBy ?? '?'}` : ''),
    h('td', { class: 'small', 'data-field': 'next-fire', title: (rule.nextFires ?? []).join('\n') }, next ? stamp(next) : ''),
    h('td', { class: 'mono small' }, describe(rule)),
  );
}

/** The rule's conditions, pattern and stop, on one line. */
export function describe(rule: ApiRule): string {
  const parts = (rule.conditions ?? []).map((c) => `${c.field} ${c.op ?? 'eq'} ${JSON.stringify(c.value)}`);
  if (rule.pattern !== undefined) parts.push(`pattern ${JSON.stringify(rule.pattern)}`);
  if (rule.stop) parts.push('stop');
  return parts.join(' · ');
}
