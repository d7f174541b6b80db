/**
 * `edwe send` and `edwe events`: post events to, and read them back from, the engine's HTTP API.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { printPages } from './follow.js';
import type { CliIo } from './io.js';
import { API_OPTIONS, apiClient } from './api-client.js';
import { eventsTailCommand, TAIL_USAGE } from './observe-commands.js';

export const SEND_USAGE = `Usage: edwe send --type T --source S [--data JSON] [--correlation-id ID] [--id ID] [--url URL]
       edwe send --file FILE|-      (one event, an array, or {"events": [...]})`;

export const EVENTS_USAGE = `Usage: edwe events [--type T] [--source S] [--from ISO] [--to ISO] [--correlation-id ID] [--limit N] [--all] [--url URL]
       edwe events get ID
       edwe events timeline CORRELATION_ID
${TAIL_USAGE.replace('Usage: ', '       ')}`;

export async function sendCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...API_OPTIONS,
      type: { type: 'string' },
      source: { type: 'string' },
      data: { type: 'string' },
      'correlation-id': { type: 'string' },
      id: { type: 'string' },
      file: { type: 'string' },
    },
  });
  let body: unknown;
  if (values.file !== undefined) {
    const text = values.file === '-' ? await io.readStdin() : await readFile(resolve(io.cwd, values.file), 'utf8');
    body = parseJson(text, values.file === '-' ? 'standard input' : values.file);
  } else {
    if (!values.type || !values.source) throw new Error(`--type and --source are required (or --file)\n${SEND_USAGE}`);
    const event: Record<string, unknown> = { type: values.type, source: values.source, data: values.data === undefined ? {} : parseJson(values.data, '--data') };
    if (values['correlation-id']) event.correlationId = values['correlation-id'];
    if (values.id) event.id = values.id;
    body = event;
  }
  const answer = await apiClient(values).request<{ failedCount?: number }>('POST', '/events', body);
  io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
  return (answer.failedCount ?? 0) > 0 ? 1 : 0;
}

export async function eventsCommand(argv: string[], io: CliIo): Promise<number> {
  const [first, second, ...rest] = argv;
  if (first === 'tail') return eventsTailCommand(argv.slice(1), io);
  if (first === 'get' || first === 'timeline') {
    if (second === undefined) throw new Error(`edwe events ${first} needs an id\n${EVENTS_USAGE}`);
    const { values } = parseArgs({ args: rest, options: API_OPTIONS });
    const path = first === 'get' ? `/events/${encodeURIComponent(second)}` : `/correlations/${encodeURIComponent(second)}`;
    io.stdout(`${JSON.stringify(await apiClient(values).request('GET', path), null, 2)}\n`);
    return 0;
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      ...API_OPTIONS,
      type: { type: 'string' },
      source: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'correlation-id': { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean', default: false },
    },
  });
  const api = apiClient(values);
  const query = new URLSearchParams();
  for (const key of ['type', 'source', 'from', 'to', 'limit'] as const) if (values[key] !== undefined) query.set(key, values[key] as string);
  if (values['correlation-id']) query.set('correlationId', values['correlation-id']);
  await printPages(api, '/events', query, 'events', values.all, io);
  return 0;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not valid JSON: ${(error as Error).message}`);
  }
}
