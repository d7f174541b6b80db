/** One event: its envelope and data, the rules it fires today and why, and the executions it started. */
import { ApiError, api } from './api.js';
import { badge, clock, h, json, link, problem, show } from './dom.js';
import type { View } from './main.js';
import type { ApiEvent, ApiExecution } from './types.js';

interface Explained {
  rule: string;
  workflow: string;
  priority: number;
  outcome: 'fired' | 'cut' | 'skipped';
  reasons: string[];
  cutBy?: string;
}

export const renderEvent: View = (root, id) => {
  show(root, h('p', { class: 'muted' }, 'Loading…'));
  void (async () => {
    try {
      const event = await api<ApiEvent>(`/events/${encodeURIComponent(id)}`);
      const [routing, executions] = await Promise.all([
        api<{ rules: Explained[] }>(`/events/${encodeURIComponent(id)}/routing`).catch((error: unknown) => error),
        api<{ executions: ApiExecution[] }>(`/executions?eventId=${encodeURIComponent(id)}`).catch((error: unknown) => error),
      ]);
      show(
        root,
        h('h1', {}, event.type, ' ', h('span', { class: 'muted' }, `from ${event.source}`)),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'id'),
          h('dd', { class: 'mono' }, event.id),
          h('dt', {}, 'time'),
          h('dd', {}, `${event.timestamp} (${clock(event.timestamp)} here)`),
          h('dt', {}, 'correlation'),
          h('dd', {}, event.correlationId ? link(`/correlation/${encodeURIComponent(event.correlationId)}`, event.correlationId) : h('span', { class: 'muted' }, 'none')),
        ),
        h('h2', {}, 'Rules'),
        routingTable(routing),
        h('h2', {}, 'Executions it started'),
        executionList(executions),
        h('h2', {}, 'Data'),
        json(event.data ?? {}),
      );
    } catch (error) {
      show(root, problem(error));
    }
  })();
  return undefined;
};

function routingTable(routing: { rules: Explained[] } | unknown): HTMLElement {
  if (routing instanceof ApiError && routing.status === 404) return h('p', { class: 'muted' }, 'This API does not explain routing (GET /events/{id}/routing).');
  if (routing instanceof Error) return problem(routing);
  const rules = (routing as { rules: Explained[] }).rules;
  if (rules.length === 0) return h('p', { class: 'muted' }, 'No rule matches this event today.');
  return h(
    'table',
    { class: 'grid', 'data-testid': 'routing' },
    h('thead', {}, h('tr', {}, h('th', {}, 'rule'), h('th', {}, 'workflow'), h('th', {}, 'priority'), h('th', {}, 'outcome'), h('th', {}, 'why'))),
    h(
      'tbody',
      {},
      ...rules.map((r) =>
        h(
          'tr',
          { class: `outcome-${r.outcome}` },
          h('td', {}, r.rule),
          h('td', {}, r.workflow),
          h('td', { class: 'num' }, r.priority),
          h('td', {}, h('span', { class: `badge outcome-${r.outcome}` }, r.outcome)),
          h('td', {}, h('ul', { class: 'reasons' }, ...r.reasons.map((reason) => h('li', {}, reason)))),
        ),
      ),
    ),
  );
}

function executionList(answer: { executions: ApiExecution[] } | unknown): HTMLElement {
  if (answer instanceof Error) return problem(answer);
  const executions = (answer as { executions: ApiExecution[] }).executions;
  if (executions.length === 0) return h('p', { class: 'muted' }, 'None.');
  return h(
    'ul',
    { class: 'plain' },
    ...executions.map((e) => h('li', {}, badge(e.status), ' ', link(`/execution/${encodeURIComponent(e.name)}`, e.name), h('span', { class: 'muted' }, ` ${e.workflowId}`))),
  );
}
