/**
 * `npm run bench -- startup [--runs 7] [--no-build]`
 *
 * How long `edwe dev` takes from spawn to its first answered `GET /health`, in a fresh project that
 * `edwe init` scaffolded (the seed's example: one workflow, three JavaScript task functions), with an
 * in-memory store. Compares the built package (`node dist/bin/edwe.js`, what `npx edwe` runs once
 * installed) with the sources through tsx (`tsx bin/edwe.ts`, the repository's `npm run edwe`).
 * Reports the median and worst wall time and the process's CPU time (user + system, from /proc) up to
 * that answer: on a shared machine the CPU time is the steadier of the two.
 * Floor: the built package's median wall time < 500 ms.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { machine, percentile, printTable } from './lib/report.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BUILT_CLI = join(ROOT, 'dist/bin/edwe.js');
const FLOOR_MS = 500;

interface Sample {
  wallMs: number;
  cpuMs: number;
}

export default async function startupBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string', default: '7' }, 'no-build': { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  if (!values['no-build'] || !existsSync(BUILT_CLI)) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const project = mkdtempSync(join(tmpdir(), 'edwe-bench-startup-'));
  try {
    const init = spawnSync(process.execPath, [BUILT_CLI, 'init'], { cwd: project, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`edwe init failed: ${init.stderr}`);
    const variants: Array<[string, string[]]> = [
      ['built package: node dist/bin/edwe.js dev', [process.execPath, BUILT_CLI]],
      // tsx's loader in this process (the `tsx` command would add a wrapper process around it).
      [
        'sources through tsx: node --import tsx bin/edwe.ts dev',
        [process.execPath, '--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, join(ROOT, 'bin/edwe.ts')],
      ],
    ];
    const rows: string[][] = [];
    let builtMedian = Number.POSITIVE_INFINITY;
    for (const [name, command] of variants) {
      const samples: Sample[] = [];
      await startOnce(command, project); // warm the file cache; not counted
      for (let i = 0; i < runs; i++) samples.push(await startOnce(command, project));
      const wall = samples.map((s) => s.wallMs);
      const cpu = samples.map((s) => s.cpuMs);
      if (name.startsWith('built')) builtMedian = percentile(wall, 50);
      rows.push([name, `${percentile(wall, 50).toFixed(0)} ms`, `${Math.max(...wall).toFixed(0)} ms`, `${percentile(cpu, 50).toFixed(0)} ms`]);
    }
    process.stdout.write(`startup — ${machine()}, ${runs} runs each, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n\n`);
    printTable(['command', 'to /health (median)', 'worst', 'CPU time (median)'], rows);
    const pass = builtMedian < FLOOR_MS;
    process.stdout.write(`\nfloor: built package median < ${FLOOR_MS} ms: ${pass ? 'PASS' : 'FAIL'} (${builtMedian.toFixed(0)} ms)\n`);
    return pass ? 0 : 1;
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

/** Spawns `edwe dev` on a free port, waits for the announced address, polls /health until it answers, stops it. */
async function startOnce([command, ...args]: string[], cwd: string): Promise<Sample> {
  const started = performance.now();
  const child = spawn(command as string, [...args, 'dev', '--memory', '--port', '0', '--log-level', 'error'], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((found, fail) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const match = /"url":"([^"]+)"/.exec(text);
        if (match) found(match[1] as string);
      });
      child.once('exit', (code) => fail(new Error(`edwe dev exited with ${code} before listening`)));
    });
    for (;;) {
      const healthy = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    const wallMs = performance.now() - started;
    return { wallMs, cpuMs: cpuTimeMs(child.pid as number) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** utime + stime of a process (fields 14 and 15 of /proc/PID/stat, in clock ticks of 10 ms). */
function cpuTimeMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
