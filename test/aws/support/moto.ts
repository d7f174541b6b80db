/**
 * moto server, the local AWS of the AWS tier: started as a child process on a free loopback port,
 * ready when `GET /moto-api/` answers, stopped by its PID. Its control API resets state between
 * test files and switches Step Functions' opt-in execution mode.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface MotoServer {
  endpoint: string;
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

// Node's fetch refuses these ports (the "bad ports" list), so a moto server there could not be polled.
const REFUSED_PORTS = new Set([5060, 5061]);
const READY_TIMEOUT_MS = 15_000;

/** A port the kernel just handed out and released: free, barring a race that `startMotoServer` retries. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
    if (!REFUSED_PORTS.has(port)) return port;
  }
}

/** Starts `moto_server -H 127.0.0.1 -p <free port>` and resolves once it answers. */
export async function startMotoServer(): Promise<MotoServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOn(await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOn(port: number): Promise<MotoServer> {
  const endpoint = `http://127.0.0.1:${port}`;
  // moto logs one line per request on stderr: kept (the tail only) to explain a failed start, else dropped.
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let spawnFailed = false;
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) => {
      spawnFailed = true;
      reject(new Error(`cannot run moto_server (${error.message}); the AWS tier needs it on PATH: pip install "moto[server]==5.2.1"`, { cause: error }));
    }),
  );

  const deadline = Date.now() + READY_TIMEOUT_MS;
  const ready = (async () => {
    while (Date.now() < deadline && !spawnFailed) {
      if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode} before it was ready:\n${stderr}`);
      try {
        const response = await fetch(`${endpoint}/moto-api/`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`moto_server did not answer on ${endpoint} within ${READY_TIMEOUT_MS} ms:\n${stderr}`);
  })();

  try {
    await Promise.race([ready, spawnError]);
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
  return { endpoint, pid: child.pid as number, stop: () => stopChild(child, exited) };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  process.kill(child.pid, 'SIGTERM');
  const killer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, 'SIGKILL');
  }, 3_000);
  await exited;
  clearTimeout(killer);
}

async function motoApi(endpoint: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/${path}`, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`moto-api/${path} answered ${response.status}: ${await response.text()}`);
}

/** Forgets every resource in every service (about 50 ms). */
export const resetMoto = (endpoint: string): Promise<void> => motoApi(endpoint, 'reset');

/**
 * Switches Step Functions between its two backends: by default executions stay RUNNING and are never
 * interpreted; in execution mode moto runs the ASL, which is how it hands out real task tokens.
 * The two modes keep separate state, so switch before creating state machines.
 * Known bug (getmoto/moto#10077): in execution mode, once a state machine has an execution, every
 * StartExecution fails with a 500 ("cannot pickle '_thread.RLock'") until that machine is deleted; and
 * StopExecution leaves the execution RUNNING. In the default mode SendTaskSuccess accepts any token.
 */
export const setStepFunctionsExecution = (endpoint: string, execute: boolean): Promise<void> =>
  motoApi(endpoint, 'config', { stepfunctions: { execute_state_machine: execute } });
