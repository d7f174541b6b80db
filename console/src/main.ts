/**
 * The edwe console: a hash router over the views, the header's navigation and keyboard shortcuts
 * (1–6 switch views, / focuses the view's search field, Escape leaves it).
 */
import { config, forgetToken } from './api.js';
import { h, show } from './dom.js';
import { renderEvent } from './view-event.js';
import { renderExecution, renderExecutions } from './view-executions.js';
import { renderMetrics } from './view-metrics.js';
import { renderReplay } from './view-replay.js';
import { renderRule } from './view-rule.js';
import { renderRules } from './view-rules.js';
import { renderTail } from './view-tail.js';
import { renderTimeline } from './view-timeline.js';

/** What a view gets: where to draw, the route's parameter and query; it returns its clean-up. */
export type View = (root: HTMLElement, param: string, query: URLSearchParams) => (() => void) | undefined;

const NAV: Array<{ route: string; label: string; view: View }> = [
  { route: 'tail', label: 'Live tail', view: renderTail },
  { route: 'correlation', label: 'Timeline', view: renderTimeline },
  { route: 'executions', label: 'Executions', view: renderExecutions },
  { route: 'rules', label: 'Rules', view: renderRules },
  { route: 'replay', label: 'Replay', view: renderReplay },
  { route: 'metrics', label: 'Metrics', view: renderMetrics },
];
const DETAIL: Record<string, View> = { event: renderEvent, execution: renderExecution, rule: renderRule };
/** The navigation entry a detail view belongs under. */
const PARENT: Record<string, string> = { rule: 'rules' };

const main = h('main', { id: 'view', tabindex: '-1' });
const links = NAV.map((item, i) => h('a', { href: `#/${item.route}`, 'data-route': item.route, title: `${item.label} (${i + 1})` }, item.label));
const header = h(
  'header',
  {},
  h('a', { class: 'brand', href: '#/tail' }, 'edwe'),
  h('nav', {}, ...links),
  h('span', { class: 'home' }, config.home === 'aws' ? `AWS ${config.region}` : 'embedded'),
  h('button', { class: 'ghost', type: 'button', title: 'Forget the API token', onclick: () => (forgetToken(), location.reload()) }, 'token'),
);
document.body.replaceChildren(header, main);

let cleanup: (() => void) | undefined;

function route(): void {
  cleanup?.();
  cleanup = undefined;
  const hash = location.hash.replace(/^#\/?/, '') || 'tail';
  const [path = '', search = ''] = hash.split('?');
  const [name = 'tail', ...rest] = path.split('/');
  const param = decodeURIComponent(rest.join('/'));
  const view = NAV.find((item) => item.route === name)?.view ?? DETAIL[name];
  for (const link of links) link.classList.toggle('active', link.dataset.route === (PARENT[name] ?? name));
  if (!view) {
    show(main, h('p', { class: 'problem' }, `No view "${name}"`));
    return;
  }
  show(main);
  cleanup = view(main, param, new URLSearchParams(search)) ?? undefined;
}

window.addEventListener('hashchange', route);
document.addEventListener('keydown', (event) => {
  const target = event.target as HTMLElement;
  const typing = target.matches('input, textarea, select');
  if (event.key === 'Escape' && typing) {
    target.blur();
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const index = Number(event.key) - 1;
  if (Number.isInteger(index) && NAV[index]) {
    location.hash = `#/${NAV[index].route}`;
    event.preventDefault();
  } else if (event.key === '/') {
    main.querySelector<HTMLInputElement>('input[data-search]')?.focus();
    event.preventDefault();
  }
});
route();
