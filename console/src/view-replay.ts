/** Replay a time range: a dry run previews what would run; a real run shows its progress live. */
import { api } from './api.js';
import { h, link, localInput, problem, show } from './dom.js';
import type { View } from './main.js';
import type { ApiReplay } from './types.js';

const POLL_MS = 500;

export const renderReplay: View = (root) => {
  const now = Date.now();
  const from = h('input', { type: 'datetime-local', name: 'from', value: localInput(now - 3_600_000), 'aria-label': 'from' });
  const to = h('input', { type: 'datetime-local', name: 'to', value: localInput(now + 60_000), 'aria-label': 'to' });
  const workflow = h('select', { name: 'workflow', 'aria-label': 'workflow' }, h('option', { value: '' }, 'every workflow'));
  const types = h('input', { type: 'text', name: 'types', placeholder: 'event types, comma-separated (optional)', 'aria-label': 'event types' });
  const dryRun = h('input', { type: 'checkbox', name: 'dryRun', checked: true });
  const rate = h('input', { type: 'number', name: 'rate', min: 1, placeholder: 'events/s (optional)', 'aria-label': 'rate' });
  const submit = h('button', { type: 'submit' }, 'Start');
  const out = h('section', { 'data-testid': 'replay-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'stack' },
    h('label', {}, 'From ', from),
    h('label', {}, 'To ', to),
    h('label', {}, 'Workflow ', workflow),
    h('label', {}, 'Types ', types),
    h('label', {}, 'Rate ', rate),
    h('label', { class: 'check' }, dryRun, ' dry run (preview only: nothing is started)'),
    submit,
  );
  show(root, h('h1', {}, 'Replay'), h('p', { class: 'muted' }, "Re-runs stored events through today's rules, in time order."), form, out);
  void api<{ rules: Array<{ workflow: string }> }>('/rules')
    .then(({ rules }) => {
      for (const id of [...new Set(rules.map((r) => r.workflow))].sort()) workflow.append(h('option', { value: id }, id));
    })
    .catch(() => undefined);

  let stopped = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { startTime: new Date(from.value).toISOString(), endTime: new Date(to.value).toISOString(), dryRun: dryRun.checked };
    if (workflow.value) body.workflowId = workflow.value;
    const eventTypes = types.value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (eventTypes.length > 0) body.eventTypes = eventTypes;
    if (rate.value) body.ratePerSecond = Number(rate.value);
    submit.disabled = true;
    void (async () => {
      try {
        const { replayId } = await api<{ replayId: string }>('/replays', { method: 'POST', body });
        for (;;) {
          const job = await api<ApiReplay>(`/replays/${encodeURIComponent(replayId)}`);
          show(out, progress(replayId, job));
          if (job.status !== 'running' || stopped) break;
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      } catch (error) {
        show(out, problem(error));
      } finally {
        submit.disabled = false;
      }
    })();
  });
  return () => {
    stopped = true;
  };
};

function progress(replayId: string, job: ApiReplay): HTMLElement {
  const share = typeof job.progress === 'number' ? job.progress : job.status === 'completed' ? 1 : 0;
  const bar = h('progress', { max: 1, value: share });
  const cancel =
    job.status === 'running'
      ? h('button', { type: 'button', class: 'ghost', onclick: () => void api(`/replays/${encodeURIComponent(replayId)}`, { method: 'DELETE' }) }, 'Cancel')
      : null;
  const ids = job.eventIds ?? [];
  return h(
    'div',
    { class: `replay status-${job.status}` },
    h('h2', {}, job.dryRun ? 'Dry run ' : 'Replay ', h('span', { class: 'mono' }, replayId), ': ', h('span', { 'data-testid': 'replay-status' }, job.status)),
    bar,
    cancel,
    h(
      'dl',
      { class: 'facts' },
      ...['scanned', 'matched', 'emitted', 'failed'].flatMap((key) => [h('dt', {}, key), h('dd', { class: 'num', 'data-field': key }, job[key as 'scanned'] ?? 0)]),
    ),
    ids.length > 0 ? h('h3', {}, job.dryRun ? 'Would re-run' : 'Events') : null,
    ids.length > 0 ? h('ul', { class: 'plain' }, ...ids.map((id) => h('li', {}, link(`/event/${encodeURIComponent(id)}`, id)))) : null,
    job.failures ? h('pre', { class: 'json' }, JSON.stringify(job.failures, null, 2)) : null,
  );
}
