/**
 * What the CLI's job and listing commands share: following a job (a replay, a bulk action) through the HTTP API to
 * its end with a progress bar, and printing a listing's pages as JSON Lines.
 */
import type { ApiClient } from './api-client.js';
import type { CliIo } from './io.js';

/** The terminal and poll interval a followed job is shown on (tests give a short poll and no terminal). */
export type FollowIo = CliIo & { isTTY?: boolean; pollMs?: number };

/**
 * Reads the job until its status is no longer `running`, showing each reading's line: redrawn in place on a terminal,
 * otherwise at most one line a second plus the last. Resolves with the last reading.
 */
export async function followJob<V extends { status: string }>(read: () => Promise<V>, line: (view: V) => string, io: FollowIo, now: () => number = Date.now): Promise<V> {
  let lastLine = 0;
  for (;;) {
    const view = await read();
    const text = line(view);
    if (io.isTTY) io.stderr(`\r${text}\u001b[K`);
    else if (now() - lastLine >= 1000 || view.status !== 'running') {
      io.stderr(`${text}\n`);
      lastLine = now();
    }
    if (view.status !== 'running') {
      if (io.isTTY) io.stderr('\n');
      return view;
    }
    await new Promise((resolve) => setTimeout(resolve, io.pollMs ?? 200));
  }
}

/** `[██████░░░░…]  62%`: a 24-cell bar and the whole percentage, for a share from 0 to 1 (clamped). */
export function progressBar(fraction: number): string {
  const width = 24;
  const share = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(share * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%`;
}

/**
 * Prints a listing one item per line (JSON Lines, so the output pipes into jq, grep and wc): the first page, or every
 * page with `all`; without it, says on stderr that more follow.
 */
export async function printPages(api: Pick<ApiClient, 'request'>, path: string, query: URLSearchParams, key: string, all: boolean, io: CliIo): Promise<void> {
  let cursor: string | undefined;
  do {
    if (cursor) query.set('cursor', cursor);
    const page = await api.request<Record<string, unknown> & { cursor?: string }>('GET', `${path}?${query}`);
    for (const item of (page[key] as unknown[] | undefined) ?? []) io.stdout(`${JSON.stringify(item)}\n`);
    cursor = all ? page.cursor : undefined;
    if (!all && page.cursor) io.stderr(`more ${key} follow: add --all to read every page\n`);
  } while (cursor);
}
