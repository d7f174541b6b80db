/**
 * A managed rule's history (`GET /rules/{id}/history`): every version with its change, author and time; any version
 * beside the latest, line by line; and roll back, which saves the old version's rule as a new version.
 */
import { api } from './api.js';
import { badge, h, problem, show, stamp } from './dom.js';
import { type DiffLine, lineDiff, pretty } from './rule-edit.js';
import type { ApiRuleVersion } from './types.js';

export interface HistoryOptions {
  /** Whether this token may change rules (roll back is disabled otherwise). */
  writable: boolean;
  /** Saves `rule` (an old version's) as the rule's next version. */
  rollBack(rule: Record<string, unknown>, version: number): Promise<void>;
}

/** The panel; it loads the history itself. */
export function historyPanel(id: string, options: HistoryOptions): HTMLElement {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const panel = h('section', { class: 'history' }, h('h2', {}, 'History'), body);
  api<{ versions: ApiRuleVersion[] }>(`/rules/${encodeURIComponent(id)}/history`)
    .then(({ versions }) => show(body, ...render(versions, options)))
    .catch((error: unknown) => show(body, problem(error)));
  return panel;
}

function render(versions: ApiRuleVersion[], options: HistoryOptions): Node[] {
  if (versions.length === 0) return [h('p', { class: 'muted' }, 'No versions here: a files rule’s history is in git.')];
  const latest = versions[versions.length - 1] as ApiRuleVersion;
  const compare = h('div', { 'data-testid': 'rule-diff' });
  const pick = (entry: ApiRuleVersion) => show(compare, diff(entry, latest, options));
  const rows = [...versions]
    .reverse()
    .map((entry) =>
      h(
        'tr',
        { 'data-version': entry.version },
        h('td', { class: 'num' }, entry.version),
        h('td', {}, badge(entry.change)),
        h('td', {}, entry.changedBy),
        h('td', {}, stamp(entry.changedAt)),
        h('td', {}, entry === latest ? h('span', { class: 'muted' }, 'latest') : h('button', { type: 'button', class: 'ghost', onclick: () => pick(entry) }, 'Compare')),
      ),
    );
  const table = h(
    'table',
    { class: 'grid', 'data-testid': 'rule-history' },
    h('thead', {}, h('tr', {}, ...['version', 'change', 'by', 'at', ''].map((name) => h('th', {}, name)))),
    h('tbody', {}, ...rows),
  );
  const previous = versions[versions.length - 2];
  if (previous) pick(previous);
  return [table, compare];
}

/** `entry` (left) against the latest version (right), changed lines marked, and the button that restores `entry`. */
function diff(entry: ApiRuleVersion, latest: ApiRuleVersion, options: HistoryOptions): HTMLElement {
  const lines = lineDiff(pretty(entry.rule), pretty(latest.rule));
  const status = h('span', { class: 'muted', 'aria-live': 'polite' });
  const restore = h(
    'button',
    {
      type: 'button',
      disabled: !options.writable,
      title: options.writable ? `Save version ${entry.version}'s rule as a new version` : 'This token lacks rules:write',
    },
    `Roll back to version ${entry.version}`,
  );
  restore.addEventListener('click', () => {
    restore.disabled = true;
    options.rollBack(entry.rule, entry.version).catch((error: unknown) => {
      restore.disabled = false;
      show(status, problem(error));
    });
  });
  const side = (title: string, rows: DiffLine[], mark: string) =>
    h('div', {}, h('h3', {}, title), h('pre', { class: 'json diff' }, ...rows.map((line) => h('span', { class: line.changed ? mark : '' }, `${line.text}\n`))));
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'side-by-side' },
      side(`version ${entry.version} (${entry.change})`, lines.left, 'diff-old'),
      side(`version ${latest.version} (latest${latest.change === 'deleted' ? ', deleted' : ''})`, lines.right, 'diff-new'),
    ),
    h('div', { class: 'toolbar' }, restore, status),
  );
}
