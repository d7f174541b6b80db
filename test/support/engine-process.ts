/** Starts `edwe dev` as a child process on a free port and talks to it over real HTTP. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface EngineProcess {
  url: string;
  child: ChildProcess;
  /** Every JSON log line the engine printed so far. */
  logs: Array<Record<string, unknown>>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  get(path: string): Promise<{ status: number; body: any }>;
  /** Polls until `predicate` holds for a GET of `path`, or fails after `timeoutMs`. */
  waitFor(path: string, predicate: (body: any, status: number) => boolean, timeoutMs?: number): Promise<any>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startEngine(args: string[] = ['--memory']): Promise<EngineProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/edwe.ts', 'dev', '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edwe dev did not start in 30 s\n${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`edwe dev exited with ${code}\n${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.message === 'edwe listening') {
        clearTimeout(timer);
        resolve(entry.url as string);
      }
    });
  });

  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };

  return {
    url,
    child,
    logs,
    post: (path, body, headers) => request('POST', path, body, headers),
    get: (path) => request('GET', path),
    async waitFor(path, predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { status, body } = await request('GET', path);
        if (predicate(body, status)) return body;
        if (Date.now() > deadline) throw new Error(`timed out waiting on GET ${path}; last answer ${status} ${JSON.stringify(body)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // 'close' (not 'exit') fires once stdout is drained, so every log line the engine wrote is in `logs`.
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.kill(signal);
      await exited;
    },
  };
}

/**
 * `edwe dev` for a test file or `describe` block: started in a `beforeAll` (by default in memory,
 * logging warnings only) and stopped in an `afterAll`. The answer stands for the running engine.
 */
export function useEngine(args: string[] = ['--memory', '--log-level', 'warn']): EngineProcess {
  let started: EngineProcess | undefined;
  beforeAll(async () => {
    started = await startEngine(args);
  });
  afterAll(async () => {
    await started?.stop();
  });
  const engine = (): EngineProcess => {
    if (started === undefined) throw new Error('the engine is not running yet: use it from a hook or a test');
    return started;
  };
  return {
    get url() {
      return engine().url;
    },
    get child() {
      return engine().child;
    },
    get logs() {
      return engine().logs;
    },
    post: (path, body, headers) => engine().post(path, body, headers),
    get: (path) => engine().get(path),
    waitFor: (path, predicate, timeoutMs) => engine().waitFor(path, predicate, timeoutMs),
    stop: (signal) => engine().stop(signal),
  };
}

/** The seed's example event: a premium user registers. */
export const registration = (overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  type: 'user_registration',
  source: 'web-app',
  data: { userId: 'u-123', email: 'ada@example.com', user_type: 'premium', ...data },
  ...overrides,
});

/** The child's peak resident set (VmHWM), in MB; 0 where /proc is not there. */
export function peakRssMb(pid: number | undefined): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}
