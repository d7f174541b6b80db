/** A correlation's timeline drawn on a time axis: events as dots, executions as bars, links between them. */
import { api } from './api.js';
import { badge, clock, duration, h, link, problem, s, show } from './dom.js';
import type { View } from './main.js';
import type { ApiTimeline } from './types.js';
import { layoutTimeline } from './timeline-layout.js';

export const renderTimeline: View = (root, id) => {
  const input = h('input', { type: 'text', 'data-search': true, placeholder: 'correlation id, e.g. o-1', value: id, 'aria-label': 'correlation id' });
  const form = h('form', { class: 'toolbar' }, input, h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/correlation/${encodeURIComponent(input.value.trim())}`;
  });
  const out = h('div', {});
  show(root, h('h1', {}, 'Correlation timeline'), form, out);
  if (id === '') {
    show(out, h('p', { class: 'muted' }, 'Pick a correlation id (the live tail links them).'));
    return undefined;
  }
  void (async () => {
    try {
      const timeline = await api<ApiTimeline>(`/correlations/${encodeURIComponent(id)}`);
      // The drawing fits the box it sits in (its 1 px borders aside); narrower windows scroll.
      const width = Math.max(640, out.clientWidth - 2);
      const layout = layoutTimeline(timeline.events, timeline.executions, { width, now: Date.now() });
      const span = layout.end - layout.start;
      const svg = s(
        'svg',
        { class: 'timeline', width: layout.width, height: layout.height, viewBox: `0 0 ${layout.width} ${layout.height}`, role: 'img', 'aria-label': `timeline of ${id}` },
        ...layout.ticks.flatMap((tick) => [
          s('line', { class: 'tick', x1: tick.x, x2: tick.x, y1: 20, y2: layout.height }),
          s('text', { class: 'tick-label', x: tick.x, y: 14, 'text-anchor': 'middle' }, clock(new Date(tick.at).toISOString())),
        ]),
        ...layout.links.map((l) => s('path', { class: 'link', d: `M${l.x1},${l.y1} C${l.x1 + 12},${l.y1} ${l.x2 - 12},${l.y2} ${l.x2},${l.y2}` })),
        ...layout.rows.flatMap((row) => {
          const href = row.kind === 'event' ? `#/event/${encodeURIComponent(row.id)}` : `#/execution/${encodeURIComponent(row.id)}`;
          const label = s(
            'a',
            { href },
            s('text', { class: `row-label ${row.kind}${row.lifecycle ? ' lifecycle' : ''}`, x: layout.left - 10, y: row.y + 4, 'text-anchor': 'end' }, row.label),
          );
          if (row.kind === 'event') {
            return [label, s('circle', { class: `dot${row.lifecycle ? ' lifecycle' : ''}`, cx: row.x, cy: row.y, r: 5 }, s('title', {}, `${row.label} from ${row.detail}`))];
          }
          const bar = s(
            'rect',
            { class: `bar status-${(row.status ?? '').toLowerCase()}`, x: row.x, y: row.y - 7, width: Math.max(3, (row.x2 ?? row.x) - row.x), height: 14, rx: 3 },
            s('title', {}, `${row.detail} ${row.status}`),
          );
          const segments = (row.segments ?? []).map((seg, i) =>
            s(
              'rect',
              { class: `segment seg-${i % 2}`, x: seg.x, y: row.y - 5, width: Math.max(2, seg.x2 - seg.x), height: 10 },
              s('title', {}, `${seg.name} ${seg.status ?? ''}`),
            ),
          );
          return [label, bar, ...segments];
        }),
      );
      show(
        out,
        h('p', { class: 'muted' }, `${timeline.events.length} events, ${timeline.executions.length} executions over ${duration(span)}`),
        h('div', { class: 'scroll' }, svg),
        h('h2', {}, 'In order'),
        h(
          'ol',
          { class: 'story', 'data-testid': 'story' },
          ...timeline.timeline.map((entry) =>
            h(
              'li',
              { class: entry.kind },
              h('span', { class: 'mono muted' }, clock(entry.at)),
              ' ',
              entry.kind === 'event'
                ? link(`/event/${encodeURIComponent(entry.id)}`, entry.type ?? entry.id)
                : h('span', {}, link(`/execution/${encodeURIComponent(entry.id)}`, entry.workflowId ?? entry.id), ' ', badge(entry.status ?? '')),
              ' ',
              h('span', { class: 'muted' }, entry.kind === 'event' ? entry.source : entry.id),
            ),
          ),
        ),
      );
    } catch (error) {
      show(out, problem(error));
    }
  })();
  return undefined;
};
