import { describe, expect, it } from 'vitest';
import { followJob, printPages, progressBar } from '../../cli/follow.js';
import { memoryIo } from '../../cli/io.js';

/** Answers each call with the next of `views`, the last one again once they run out. */
const readings = <V>(views: V[]) => {
  let i = 0;
  return async () => views[Math.min(i++, views.length - 1)] as V;
};

describe('followJob', () => {
  const views = [
    { status: 'running', n: 1 },
    { status: 'running', n: 2 },
    { status: 'completed', n: 3 },
  ];

  it('redraws one line in place on a terminal until the job ends, then ends the line and resolves with the last reading', async () => {
    const io = Object.assign(memoryIo({ cwd: '.' }), { isTTY: true, pollMs: 1 });

    const last = await followJob(readings(views), (v) => `n=${v.n} ${v.status}`, io);

    expect(last).toEqual({ status: 'completed', n: 3 });
    expect(io.err).toBe('\rn=1 running\u001b[K\rn=2 running\u001b[K\rn=3 completed\u001b[K\n');
  });

  it('off a terminal prints at most one line a second, and always the last', async () => {
    const io = Object.assign(memoryIo({ cwd: '.' }), { pollMs: 1 });
    const clock = 5_000;

    await followJob(
      readings(views),
      (v) => `n=${v.n} ${v.status}`,
      io,
      () => clock,
    );

    expect(io.err).toBe('n=1 running\nn=3 completed\n');
  });
});

describe('progressBar', () => {
  it.each([
    [0, `[${'░'.repeat(24)}]   0%`],
    [0.625, `[${'█'.repeat(15)}${'░'.repeat(9)}]  62%`],
    [1.5, `[${'█'.repeat(24)}] 100%`],
  ])('draws %s as %s', (fraction, bar) => {
    expect(progressBar(fraction)).toBe(bar);
  });
});

describe('printPages', () => {
  const pages: Record<string, { items: number[]; cursor?: string }> = {
    '': { items: [1, 2], cursor: 'c2' },
    c2: { items: [3], cursor: 'c3' },
    c3: { items: [4] },
  };
  const api = {
    asked: [] as string[],
    async request<T>(_method: string, path: string): Promise<T> {
      api.asked.push(path);
      return pages[new URL(path, 'http://x').searchParams.get('cursor') ?? ''] as T;
    },
  };

  it('prints every page one item a line with --all, following the cursor', async () => {
    const io = memoryIo({ cwd: '.' });
    api.asked.length = 0;

    await printPages(api, '/things', new URLSearchParams({ type: 't' }), 'items', true, io);

    expect(io.out).toBe('1\n2\n3\n4\n');
    expect(api.asked).toEqual(['/things?type=t', '/things?type=t&cursor=c2', '/things?type=t&cursor=c3']);
    expect(io.err).toBe('');
  });

  it('prints the first page only without --all, and says that more follow', async () => {
    const io = memoryIo({ cwd: '.' });

    await printPages(api, '/things', new URLSearchParams(), 'items', false, io);

    expect(io.out).toBe('1\n2\n');
    expect(io.err).toBe('more items follow: add --all to read every page\n');
  });
});
