/**
 * `edwe rules list|get|apply|delete|enable|disable|history|test`: the managed rules of a running engine
 * or a deployed stack, through the HTTP API (docs/rules.md, "Managing rules at run time").
 * The engine validates; these commands read files, send, and print what the engine answered.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { API_OPTIONS, apiClient, type ApiClient } from './api-client.js';
import type { CliIo } from './io.js';

export const RULES_API_USAGE = `Usage: edwe rules list [--json] [--url URL] [--aws] [--token T]
       edwe rules get ID | history ID | delete ID | enable ID | disable ID
       edwe rules apply FILE|- [--if-match VERSION]    (a rules file, or one rule, YAML or JSON)
       edwe rules test FILE|- --from ISO --to ISO [--limit N]`;

/** The rule fields `GET /rules` answers with, as far as `list` prints them. */
interface ListedRule {
  id: string;
  version?: number | string;
  managedBy?: string;
  enabled?: boolean;
  workflow?: string;
  eventType?: string | string[];
  updatedAt?: string;
  updatedBy?: string;
}

type Values = { url?: string; token?: string; aws?: boolean; json?: boolean; 'if-match'?: string; from?: string; to?: string; limit?: string };

function parse(argv: string[], extra: NonNullable<Parameters<typeof parseArgs>[0]>['options'] = {}): { values: Values; positionals: string[] } {
  const { values, positionals } = parseArgs({ args: argv, options: { ...API_OPTIONS, ...extra }, allowPositionals: true, strict: true });
  return { values: values as Values, positionals };
}

const path = (id: string, rest = '') => `/rules/${encodeURIComponent(id)}${rest}`;
const print = (io: CliIo, value: unknown) => io.stdout(`${JSON.stringify(value, null, 2)}\n`);

function oneId(positionals: string[], verb: string): string {
  const [id, ...more] = positionals;
  if (id === undefined || more.length > 0) throw new Error(`edwe rules ${verb} needs one rule id\n${RULES_API_USAGE}`);
  return id;
}

/** The rules a file holds: a `rules:` list (a rules file), or one rule mapping; YAML or JSON. */
async function rulesIn(io: CliIo, file: string): Promise<Array<Record<string, unknown>>> {
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new Error(`${file}: not valid YAML or JSON: ${(error as Error).message}`);
  }
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isMap(value) && Array.isArray(value.rules) && value.rules.every(isMap)) return value.rules;
  if (isMap(value) && !('rules' in value)) return [value];
  throw new Error(`${file}: expected a rules file (a "rules:" list) or one rule (a mapping with id, eventType, workflow…)`);
}

const versionOf = (headers: Headers, body: unknown): string =>
  headers.get('etag')?.replace(/^W\//, '').replace(/"/g, '') ?? String((body as { version?: unknown })?.version ?? '?');

/** `apply`: each rule of the file with `PUT /rules/{id}`, one line per rule (created or replaced, and its version). */
async function apply(api: ApiClient, io: CliIo, positionals: string[], values: Values): Promise<number> {
  const [file, ...more] = positionals;
  if (file === undefined || more.length > 0) throw new Error(`edwe rules apply needs one file (or - for standard input)\n${RULES_API_USAGE}`);
  const rules = await rulesIn(io, file);
  if (values['if-match'] !== undefined && rules.length !== 1) throw new Error('--if-match names the version of one rule: the file holds several');
  for (const rule of rules) {
    if (typeof rule.id !== 'string' || rule.id === '') throw new Error(`${file}: every rule applied needs an id`);
    const headers: Record<string, string> = values['if-match'] === undefined ? {} : { 'if-match': `"${values['if-match']}"` };
    const { status, headers: answered, body } = await api.exchange('PUT', path(rule.id), rule, headers);
    io.stdout(`${rule.id}: ${status === 201 ? 'created' : 'replaced'} (version ${versionOf(answered, body)})\n`);
  }
  return 0;
}

/** `list`: one line per rule (id, version, layer, on/off, workflow, types), or the answer as JSON with `--json`. */
async function list(api: ApiClient, io: CliIo, values: Values): Promise<number> {
  const answer = await api.request<{ rules: ListedRule[]; revision?: number }>('GET', '/rules');
  if (values.json === true) return (print(io, answer), 0);
  const rows = answer.rules.map((r) => [
    r.id,
    String(r.version ?? ''),
    r.managedBy ?? '',
    r.enabled === false ? 'disabled' : 'enabled',
    r.workflow ?? '',
    Array.isArray(r.eventType) ? r.eventType.join(',') : (r.eventType ?? ''),
  ]);
  const header = ['ID', 'VERSION', 'LAYER', 'STATE', 'WORKFLOW', 'EVENT TYPE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  for (const row of [header, ...rows])
    io.stdout(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd()}\n`,
    );
  if (answer.revision !== undefined) io.stdout(`revision ${answer.revision}\n`);
  return 0;
}

/** `test`: the backtest of the file's one rule over a window (`POST /rules/test`). */
async function backtest(api: ApiClient, io: CliIo, positionals: string[], values: Values): Promise<number> {
  const [file, ...more] = positionals;
  if (file === undefined || more.length > 0) throw new Error(`edwe rules test needs one file (or - for standard input)\n${RULES_API_USAGE}`);
  if (values.from === undefined || values.to === undefined) throw new Error(`--from and --to are required\n${RULES_API_USAGE}`);
  const rules = await rulesIn(io, file);
  if (rules.length !== 1) throw new Error(`${file}: a backtest tests one rule; the file holds ${rules.length}`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !Number.isInteger(limit)) throw new Error(`--limit must be a whole number of events, got "${values.limit}"`);
  print(io, await api.request('POST', '/rules/test', { rule: rules[0], from: values.from, to: values.to, ...(limit === undefined ? {} : { limit }) }));
  return 0;
}

/**
 * Runs `edwe rules <verb> …` for the verbs above. Exit 0 on success; an API refusal throws
 * `ApiError` (the CLI prints it, naming the status and each detail, and exits 1).
 */
export async function rulesApiCommand(verb: string, argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    json: { type: 'boolean' },
    'if-match': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
  });
  const api = apiClient(values);
  switch (verb) {
    case 'list':
      return list(api, io, values);
    case 'get':
      return (print(io, await api.request('GET', path(oneId(positionals, verb)))), 0);
    case 'history':
      return (print(io, await api.request('GET', path(oneId(positionals, verb), '/history'))), 0);
    case 'delete': {
      const id = oneId(positionals, verb);
      await api.request('DELETE', path(id));
      io.stdout(`${id}: deleted\n`);
      return 0;
    }
    case 'enable':
    case 'disable': {
      const id = oneId(positionals, verb);
      const { headers, body } = await api.exchange('PATCH', path(id), { enabled: verb === 'enable' });
      io.stdout(`${id}: ${verb}d (version ${versionOf(headers, body)})\n`);
      return 0;
    }
    case 'apply':
      return apply(api, io, positionals, values);
    case 'test':
      return backtest(api, io, positionals, values);
    default:
      throw new Error(`unknown command "edwe rules ${verb}"\n${RULES_API_USAGE}`);
  }
}

/** The verbs `rulesApiCommand` answers. */
export const RULES_API_VERBS = ['list', 'get', 'apply', 'delete', 'enable', 'disable', 'history', 'test'] as const;
