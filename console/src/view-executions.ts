/**
 * Executions by workflow and status (newest first, paged), and one execution: its record, the states
 * it passed through (embedded) or a link to the Step Functions console (AWS).
 */
import { api, config } from './api.js';
import { badge, clock, duration, h, json, link, problem, show } from './dom.js';
import type { View } from './main.js';
import type { ApiExecution } from './types.js';

const STATUSES = ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const SINCE: Array<[string, number]> = [
  ['any time', 0],
  ['last 15 min', 15 * 60_000],
  ['last hour', 3_600_000],
  ['last day', 86_400_000],
];

export const renderExecutions: View = (root, _param, query) => {
  const workflow = h('select', { 'aria-label': 'workflow', name: 'workflow' }, h('option', { value: '' }, 'every workflow'));
  const status = h('select', { 'aria-label': 'status', name: 'status' }, ...STATUSES.map((v) => h('option', { value: v }, v || 'every status')));
  const since = h('select', { 'aria-label': 'since', name: 'since' }, ...SINCE.map(([label, ms]) => h('option', { value: ms }, label)));
  status.value = query.get('status') ?? '';
  since.value = query.get('since') ?? '0';
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'ghost', hidden: true }, 'More');
  const note = h('p', { class: 'muted' });
  show(
    root,
    h('h1', {}, 'Executions'),
    h('form', { class: 'toolbar' }, workflow, status, since),
    h(
      'table',
      { class: 'grid', 'data-testid': 'executions' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'started'), h('th', {}, 'workflow'), h('th', {}, 'status'), h('th', {}, 'took'), h('th', {}, 'name'), h('th', {}, 'correlation')),
      ),
      body,
    ),
    more,
    note,
  );

  void api<{ rules: Array<{ workflow: string }> }>('/rules')
    .then(({ rules }) => {
      for (const id of [...new Set(rules.map((r) => r.workflow))].sort()) workflow.append(h('option', { value: id }, id));
      workflow.value = query.get('workflow') ?? '';
    })
    .catch(() => undefined);

  let cursor: string | undefined;
  const load = async (reset: boolean) => {
    if (reset) {
      body.replaceChildren();
      cursor = undefined;
    }
    const params = new URLSearchParams({ limit: '50' });
    if (workflow.value || query.get('workflow')) params.set('workflowId', workflow.value || (query.get('workflow') as string));
    if (status.value) params.set('status', status.value);
    if (Number(since.value) > 0) params.set('from', new Date(Date.now() - Number(since.value)).toISOString());
    if (cursor) params.set('cursor', cursor);
    try {
      const page = await api<{ executions: ApiExecution[]; cursor?: string }>(`/executions?${params}`);
      for (const e of page.executions) {
        const took = e.stoppedAt ? duration(Date.parse(e.stoppedAt) - Date.parse(e.startedAt)) : '…';
        body.append(
          h(
            'tr',
            {},
            h('td', { class: 'mono' }, clock(e.startedAt)),
            h('td', {}, e.workflowId),
            h('td', {}, badge(e.status)),
            h('td', { class: 'num' }, took),
            h('td', {}, link(`/execution/${encodeURIComponent(e.name)}`, e.name)),
            h('td', {}, link(`/correlation/${encodeURIComponent(e.correlationId)}`, e.correlationId)),
          ),
        );
      }
      cursor = page.cursor;
      more.hidden = cursor === undefined;
      note.textContent = body.children.length === 0 ? 'No execution matches.' : '';
    } catch (error) {
      show(note, problem(error));
    }
  };
  const filter = () => {
    const next = new URLSearchParams();
    if (workflow.value) next.set('workflow', workflow.value);
    if (status.value) next.set('status', status.value);
    if (since.value !== '0') next.set('since', since.value);
    history.replaceState(null, '', `#/executions${next.size > 0 ? `?${next}` : ''}`);
    query = next;
    void load(true);
  };
  for (const select of [workflow, status, since]) select.addEventListener('change', filter);
  more.addEventListener('click', () => void load(false));
  void load(true);
  return undefined;
};

export const renderExecution: View = (root, name) => {
  show(root, h('p', { class: 'muted' }, 'Loading…'));
  void (async () => {
    try {
      const e = await api<ApiExecution>(`/executions/${encodeURIComponent(name)}`);
      const took = e.stoppedAt ? duration(Date.parse(e.stoppedAt) - Date.parse(e.startedAt)) : 'running';
      show(
        root,
        h('h1', {}, e.workflowId, ' ', badge(e.status)),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'name'),
          h('dd', { class: 'mono' }, e.name),
          h('dt', {}, 'rule'),
          h('dd', {}, e.ruleId),
          h('dt', {}, 'started by'),
          h('dd', {}, link(`/event/${encodeURIComponent(e.eventId)}`, e.eventId)),
          h('dt', {}, 'correlation'),
          h('dd', {}, link(`/correlation/${encodeURIComponent(e.correlationId)}`, e.correlationId)),
          h('dt', {}, 'time'),
          h('dd', {}, `${e.startedAt} → ${e.stoppedAt ?? '…'} (${took})`),
        ),
        e.error ? h('div', { class: 'problem' }, h('strong', {}, e.error.error), ' ', e.error.cause ?? '') : null,
        h('h2', {}, 'States'),
        states(e),
        e.output !== undefined ? h('h2', {}, 'Output') : null,
        e.output !== undefined ? json(e.output) : null,
      );
    } catch (error) {
      show(root, problem(error));
    }
  })();
  return undefined;
};

function states(e: ApiExecution): HTMLElement {
  if (config.home === 'aws') {
    const arn = e.executionArn;
    if (!arn) return h('p', { class: 'muted' }, 'The record carries no execution ARN to link to.');
    const region = config.region || arn.split(':')[3] || '';
    const href = `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(arn)}`;
    return h('p', {}, h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, 'Open in the Step Functions console ↗'));
  }
  const steps = e.states ?? [];
  if (steps.length === 0) return h('p', { class: 'muted' }, 'No state history recorded for this execution.');
  return h(
    'table',
    { class: 'grid', 'data-testid': 'states' },
    h('thead', {}, h('tr', {}, h('th', {}, 'state'), h('th', {}, 'entered'), h('th', {}, 'took'), h('th', {}, 'status'))),
    h(
      'tbody',
      {},
      ...steps.map((step) =>
        h(
          'tr',
          {},
          h('td', {}, step.name),
          h('td', { class: 'mono' }, clock(step.enteredAt)),
          h('td', { class: 'num' }, step.exitedAt ? duration(Date.parse(step.exitedAt) - Date.parse(step.enteredAt)) : '…'),
          h('td', {}, step.status ? badge(step.status) : ''),
        ),
      ),
    ),
  );
}
