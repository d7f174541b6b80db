/** The HTTP load the ingest benchmarks put on `edwe dev`: batches of events, the engine as a child process, waiting until it has routed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Events per batch POST. */
export const BATCH = 100;

/** A count as the tables print it. */
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Posts batches of 100 with `concurrency` requests in flight until `durationMs` has passed. */
export async function sustainedLoad(url: string, durationMs: number, concurrency: number, prefix: string, make: typeof eventFor = eventFor) {
  const latencies: number[] = [];
  let sent = 0;
  let batchNo = 0;
  const startedAt = Date.now();
  const deadline = startedAt + durationMs;
  const worker = async () => {
    while (Date.now() < deadline) {
      const n = batchNo++;
      const body = JSON.stringify(Array.from({ length: BATCH }, (_, i) => make(`${prefix}-${n}-${i}`, n * BATCH + i)));
      const t0 = performance.now();
      const send = () => fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      // A kept-alive connection the server closes as the next request goes out is reset (ECONNRESET): a race of the two
      // idle timers that a loaded machine makes likely. The events carry their ids, so sending the batch again is safe.
      const post = () =>
        send()
          .catch(send)
          .catch((error: unknown) => {
            // fetch says only "fetch failed": the socket's own error (a reset, a refused connection) is its cause.
            const cause = (error as { cause?: { code?: string; message?: string } }).cause;
            throw new Error(`POST /events got no answer twice: ${cause?.code ?? cause?.message ?? String(error)}`, { cause: error });
          });
      let response = await post();
      // Shed load (503 + Retry-After while the unrouted backlog is over its limit) is retried as a client should.
      while (response.status === 503) {
        await response.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000));
        response = await post();
      }
      const answer = (await response.json()) as { failedCount?: number };
      latencies.push(performance.now() - t0);
      if (response.status !== 200 || answer.failedCount !== 0) throw new Error(`batch refused: ${response.status} ${JSON.stringify(answer).slice(0, 300)}`);
      sent += BATCH;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { sent, latencies, startedAt, elapsedMs: Date.now() - startedAt };
}

/** 1 event in 100 is a premium registration, which starts `onboarding_workflow`. */
export function eventFor(id: string, n: number) {
  return n % 100 === 0
    ? { id, type: 'user_registration', source: 'bench', data: { userId: `u-${id}`, email: 'bench@example.com', user_type: 'premium' } }
    : { id, type: 'page.viewed', source: 'bench', data: { path: `/products/${n % 997}`, sessionId: `s-${n % 4999}`, referrer: 'https://example.com/' } };
}

/** Every event a registration with its own address (the field the encryption rows seal); 1 in 100 premium. */
export function registrationFor(id: string, n: number) {
  return { id, type: 'user_registration', source: 'bench', data: { userId: `u-${id}`, email: `user-${n}@example.com`, user_type: n % 100 === 0 ? 'premium' : 'standard' } };
}

export async function waitUntilRouted(url: string, expected: number): Promise<number> {
  for (;;) {
    const health = (await (await fetch(`${url}/health`)).json()) as { events: { stored: number; unrouted: number }; executionsRunning: number };
    if (health.events.stored >= expected && health.events.unrouted === 0 && health.executionsRunning === 0) return Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a server process and waits for the JSON line that announces its URL. */
export async function startChild(args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"edwe listening"')) resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
