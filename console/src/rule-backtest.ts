/**
 * The backtest panel under the rule editor: which stored events of a window the rule in the editor would have fired
 * for (`POST /rules/test`), before it is saved. Nothing is started or stored.
 */
import { ApiError, api } from './api.js';
import { h, link, localInput, problem, show, stamp } from './dom.js';
import type { ApiBacktest } from './types.js';

const HOUR = 3_600_000;
const WINDOWS: Array<[string, string]> = [
  [String(HOUR), 'last 1 h'],
  [String(24 * HOUR), 'last 24 h'],
  [String(7 * 24 * HOUR), 'last 7 d'],
  ['custom', 'from – to'],
];

/**
 * The panel; `candidate()` gives the rule as the editor holds it (with its id), or throws saying why it cannot.
 * @example root.append(backtestPanel(() => ({ id, ...parseDocument(editor.value) })))
 */
export function backtestPanel(candidate: () => Record<string, unknown>): HTMLElement {
  const span = h(
    'select',
    { name: 'window', 'aria-label': 'backtest window' },
    ...WINDOWS.map(([value, label]) => h('option', { value, selected: value === String(HOUR) }, label)),
  );
  const from = h('input', { type: 'datetime-local', name: 'from', 'aria-label': 'backtest from', value: localInput(Date.now() - HOUR) });
  const to = h('input', { type: 'datetime-local', name: 'to', 'aria-label': 'backtest to', value: localInput(Date.now() + 60_000) });
  const custom = h('span', { class: 'toolbar inline', hidden: true }, from, '→', to);
  const limit = h('input', { type: 'number', name: 'limit', min: 1, placeholder: 'read at most (optional)', 'aria-label': 'backtest limit' });
  const run = h('button', { type: 'submit' }, 'Backtest');
  const out = h('div', { 'data-testid': 'backtest-result', 'aria-live': 'polite' });
  span.addEventListener('change', () => {
    custom.hidden = span.value !== 'custom';
  });
  const form = h('form', { class: 'toolbar' }, span, custom, limit, run);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const now = Date.now();
    const window =
      span.value === 'custom'
        ? { from: new Date(from.value).toISOString(), to: new Date(to.value).toISOString() }
        : { from: new Date(now - Number(span.value)).toISOString(), to: new Date(now).toISOString() };
    let rule: Record<string, unknown>;
    try {
      rule = candidate();
    } catch (error) {
      show(out, problem(error));
      return;
    }
    run.disabled = true;
    show(out, h('p', { class: 'muted' }, 'Reading the window…'));
    const body = { rule, ...window, ...(limit.value ? { limit: Number(limit.value) } : {}) };
    api<ApiBacktest>('/rules/test', { method: 'POST', body })
      .then((result) => show(out, answer(result, window)))
      .catch((error: unknown) => show(out, refusal(error)))
      .finally(() => {
        run.disabled = false;
      });
  });
  return h(
    'section',
    { class: 'backtest' },
    h('h2', {}, 'Backtest'),
    h('p', { class: 'muted small' }, 'The rule in the editor (saved or not) among the current rules, over the stored events of a window: what it would have fired for.'),
    form,
    out,
  );
}

function answer(result: ApiBacktest, window: { from: string; to: string }): HTMLElement {
  const workflows = Object.entries(result.workflows).sort(([a], [b]) => a.localeCompare(b));
  return h(
    'div',
    { 'data-from': window.from, 'data-to': window.to },
    h('p', { class: 'muted small' }, `${stamp(window.from)} → ${stamp(window.to)}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'scanned'),
      h('dd', { class: 'num', 'data-field': 'scanned' }, result.scanned),
      h('dt', {}, 'matched'),
      h('dd', { class: 'num', 'data-field': 'matched' }, result.matched),
      ...workflows.flatMap(([workflow, count]) => [
        h('dt', {}, link(`/executions?workflow=${encodeURIComponent(workflow)}`, workflow)),
        h('dd', { class: 'num', 'data-workflow': workflow }, count),
      ]),
    ),
    result.truncated ? h('p', { class: 'muted' }, `Stopped at the limit: the window goes on after ${result.truncated.lastTimestamp} (${result.truncated.lastId}).`) : null,
    result.eventIds.length > 0 ? h('h3', {}, result.eventIds.length < result.matched ? `The first ${result.eventIds.length} matched` : 'Matched') : null,
    result.eventIds.length > 0
      ? h('ul', { class: 'plain', 'data-testid': 'backtest-events' }, ...result.eventIds.map((id) => h('li', {}, link(`/event/${encodeURIComponent(id)}`, id))))
      : null,
  );
}

/** A refusal names each problem by its JSON path (`rule.conditions[0].value`, `from`). */
function refusal(error: unknown): HTMLElement {
  if (!(error instanceof ApiError) || error.details.length === 0) return problem(error);
  return h(
    'div',
    { class: 'problem', role: 'alert' },
    `The engine refused the backtest (${error.status}${error.code ? ` ${error.code}` : ''}):`,
    h('ul', {}, ...error.details.map((d) => h('li', {}, h('code', {}, d.path), `: ${d.message}`))),
  );
}
