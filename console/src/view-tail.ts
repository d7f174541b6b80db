/**
 * The live tail: events as they are stored, newest on top, filtered by an EventBridge pattern.
 * Embedded, it follows `/events/stream` (filtered by the engine); against AWS, or an engine without
 * the stream, it polls `GET /events?from=` and filters here with the engine's own pattern matcher.
 */
import { compilePattern, type CompiledPattern } from '../../lambdas/core/pattern/index.js';
import { ApiError, api, config, stream } from './api.js';
import { clock, h, link, show } from './dom.js';
import type { View } from './main.js';
import { LIFECYCLE_SOURCE } from './timeline-layout.js';

interface StoredEvent {
  id: string;
  type: string;
  source: string;
  timestamp: string;
  correlationId?: string;
  data?: unknown;
}

const KEEP = 500;
const POLL_MS = 1000;
const BACKLOG_MS = 10 * 60_000;

export const renderTail: View = (root, _param, query) => {
  const input = h('input', {
    type: 'text',
    'data-search': true,
    placeholder: '{"type": ["order.placed"]}  — an EventBridge pattern; empty shows everything',
    value: query.get('pattern') ?? '',
    'aria-label': 'pattern',
  });
  const status = h('span', { class: 'muted', 'data-testid': 'tail-status' });
  const count = h('span', { class: 'muted' });
  const body = h('tbody');
  const pause = h('button', { type: 'button', class: 'ghost' }, 'Pause');
  const form = h('form', { class: 'toolbar' }, input, h('button', { type: 'submit' }, 'Filter'), pause, status, count);
  show(
    root,
    h('h1', {}, 'Live tail'),
    form,
    h(
      'table',
      { class: 'grid tail' },
      h('thead', {}, h('tr', {}, h('th', {}, 'time'), h('th', {}, 'type'), h('th', {}, 'source'), h('th', {}, 'correlation'), h('th', {}, 'id'))),
      body,
    ),
  );

  let paused = false;
  let controller = new AbortController();
  const seen = new Set<string>();
  const held: StoredEvent[] = [];

  const add = (event: StoredEvent) => {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    if (paused) return void held.push(event);
    const row = h(
      'tr',
      { class: event.source === LIFECYCLE_SOURCE ? 'lifecycle fresh' : 'fresh' },
      h('td', { class: 'mono' }, clock(event.timestamp)),
      h('td', {}, link(`/event/${encodeURIComponent(event.id)}`, event.type)),
      h('td', {}, event.source),
      h('td', {}, event.correlationId ? link(`/correlation/${encodeURIComponent(event.correlationId)}`, event.correlationId) : ''),
      h('td', { class: 'mono muted' }, event.id),
    );
    body.prepend(row);
    while (body.children.length > KEEP) body.lastElementChild?.remove();
    count.textContent = `${body.children.length} shown`;
  };

  const start = (patternText: string) => {
    controller.abort();
    controller = new AbortController();
    seen.clear();
    body.replaceChildren();
    let pattern: CompiledPattern | undefined;
    try {
      pattern = patternText.trim() === '' ? undefined : compilePattern(JSON.parse(patternText));
      input.setCustomValidity('');
    } catch (error) {
      input.setCustomValidity((error as Error).message);
      status.textContent = `Not a valid pattern: ${(error as Error).message}`;
      return;
    }
    const signal = controller.signal;
    const keep = (event: StoredEvent) => (pattern === undefined || pattern.matches(event) ? add(event) : undefined);
    void follow(patternText.trim(), keep, signal, (text) => (status.textContent = text));
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams(input.value.trim() ? { pattern: input.value.trim() } : {});
    history.replaceState(null, '', `#/tail${next.size > 0 ? `?${next}` : ''}`);
    start(input.value);
  });
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? `Resume` : 'Pause';
    if (!paused) for (const event of held.splice(0)) add(event);
  });
  start(input.value);
  return () => controller.abort();
};

/** The recent backlog first, then the stream (or polling when there is none). */
async function follow(pattern: string, keep: (event: StoredEvent) => void, signal: AbortSignal, say: (text: string) => void): Promise<void> {
  let from = new Date(Date.now() - BACKLOG_MS).toISOString();
  try {
    from = await drain(from, keep, signal);
    if (config.home === 'embedded') {
      say('live (stream)');
      try {
        const path = `/events/stream${pattern ? `?pattern=${encodeURIComponent(pattern)}` : ''}`;
        await stream(path, (data) => keep(JSON.parse(data) as StoredEvent), signal);
        return;
      } catch (error) {
        if (!(error instanceof ApiError && (error.status === 404 || error.status === 405))) throw error;
      }
    }
    say(`live (polling every ${POLL_MS / 1000} s)`);
    while (!signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (!signal.aborted) from = await drain(from, keep, signal);
    }
  } catch (error) {
    if (!signal.aborted) say(`stopped: ${(error as Error).message}`);
  }
}

/** Reads every event stored since `from`, page by page; gives the timestamp to poll from next. */
async function drain(from: string, keep: (event: StoredEvent) => void, signal: AbortSignal): Promise<string> {
  let cursor: string | undefined;
  let last = from;
  do {
    const page = await api<{ events: StoredEvent[]; cursor?: string }>(`/events?${new URLSearchParams({ from, limit: '500', ...(cursor ? { cursor } : {}) })}`);
    for (const event of page.events) {
      keep(event);
      if (event.timestamp > last) last = event.timestamp;
    }
    cursor = page.cursor;
  } while (cursor && !signal.aborted);
  // Events stamped at the same instant as the last one may still arrive: the next poll starts there and the tail drops what it has seen.
  return last;
}
