/**
 * `edwe console --url URL [--aws]`: the web console on this machine against any engine — a local
 * `node:http` server on 127.0.0.1 serving the console and passing `/api/*` to the engine's URL,
 * signed with SigV4 for a deployed stack (credentials from the standard chain, never in the browser).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createConsoleRoute } from '../lambdas/embedded/console-route.js';
import { awsFetch, type FetchLike, isExecuteApiUrl, regionFromUrl } from './aws-fetch.js';
import type { CliIo } from './io.js';

export const CONSOLE_USAGE = 'Usage: edwe console [--url URL | $EDWE_URL] [--aws] [--token T | $EDWE_TOKEN] [--port 8233] [--host 127.0.0.1]';

/** The request headers the proxy passes on; the rest (cookies, the browser's own Authorization when signing) stay here. */
const FORWARDED = ['accept', 'content-type', 'last-event-id', 'authorization', 'if-match'];
const MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface ConsoleProxyOptions {
  /** The engine's base URL (an `edwe dev`, or a stack's execute-api stage URL). */
  target: string;
  /** How to call it: plain `fetch`, or `awsFetch` to sign with SigV4. */
  fetch: FetchLike;
  /** Whether calls are signed: the browser's Authorization header is then dropped (SigV4 sets its own). */
  signed: boolean;
  /** A bearer token the proxy adds itself, so the browser never needs to hold it. */
  token?: string | undefined;
  /** `aws` makes the console poll instead of streaming (API Gateway REST holds no long-lived streams). */
  home: 'embedded' | 'aws';
  region?: string | undefined;
}

/** The console's local server: `/console/*` the assets, `/api/*` passed to the engine, anything else 404. */
export function createConsoleProxy(options: ConsoleProxyOptions): Server {
  const target = options.target.replace(/\/+$/, '');
  const serveConsole = createConsoleRoute({ apiBase: '/api', home: options.home, ...(options.region ? { region: options.region } : {}) });
  return createServer((request, response) => {
    if (serveConsole(request, response)) return;
    const url = request.url ?? '/';
    if (url === '/' || url === '') return void response.writeHead(302, { location: '/console' }).end();
    if (!url.startsWith('/api/')) return void response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the console is at /console');
    void forward(request, response, `${target}${url.slice('/api'.length)}`, options).catch((error: unknown) => {
      const message = JSON.stringify({ error: 'bad_gateway', message: `The engine at ${target} could not be reached: ${(error as Error).message}`, details: [] });
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
      response.end(message);
    });
  });
}

async function forward(request: IncomingMessage, response: ServerResponse, url: string, options: ConsoleProxyOptions): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = request.headers[name];
    if (typeof value === 'string' && !(name === 'authorization' && (options.signed || options.token))) headers[name] = value;
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await readBody(request);
  const abort = new AbortController();
  // A closed browser tab ends the call upstream too (an event stream would otherwise run on).
  response.on('close', () => abort.abort());
  const answer = await options.fetch(url, { method: request.method ?? 'GET', headers, signal: abort.signal, ...(body === undefined ? {} : { body }) });
  const passed: Record<string, string> = {};
  // `etag` carries a rule's version, which the rule editor sends back as `If-Match`.
  for (const name of ['content-type', 'cache-control', 'www-authenticate', 'etag']) {
    const value = answer.headers.get(name);
    if (value !== null) passed[name] = value;
  }
  response.writeHead(answer.status, passed);
  if (!answer.body) return void response.end();
  Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream)
    .on('error', () => response.destroy())
    .pipe(response);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`the body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `edwe console`: serves until interrupted; exit 2 on bad usage. */
export async function consoleCommand(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        url: { type: 'string', default: process.env.EDWE_URL },
        aws: { type: 'boolean', default: false },
        token: { type: 'string', default: process.env.EDWE_TOKEN },
        port: { type: 'string', default: '8233' },
        host: { type: 'string', default: '127.0.0.1' },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr(`edwe console: ${(error as Error).message}\n${CONSOLE_USAGE}\n`);
    return 2;
  }
  const port = Number(values.port);
  if (!values.url || !/^https?:\/\//.test(values.url)) {
    io.stderr(`edwe console: --url must be the engine's http(s) URL (or set EDWE_URL)\n${CONSOLE_USAGE}\n`);
    return 2;
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`edwe console: --port must be a port number, got "${values.port}"\n`);
    return 2;
  }
  const signed = values.aws === true || isExecuteApiUrl(values.url);
  if (signed && values.token) {
    io.stderr('edwe console: --token and SigV4 (--aws, or an execute-api URL) both set the Authorization header: give one\n');
    return 2;
  }
  const server = createConsoleProxy({
    target: values.url,
    fetch: signed ? awsFetch : (input, init) => fetch(input, init),
    signed,
    token: values.token,
    home: signed ? 'aws' : 'embedded',
    region: regionFromUrl(values.url),
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(port, values.host, ready);
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  io.stdout(`edwe console: http://${values.host}:${actual}/console → ${values.url}${signed ? ' (SigV4)' : ''}\n`);
  await new Promise<void>((stopped) => {
    const stop = () => server.close(() => stopped());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
