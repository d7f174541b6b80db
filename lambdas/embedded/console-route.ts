/**
 * Serves the web console at `/console`: `console/` bundled by esbuild on the first request and kept in
 * memory. The assets are public (they hold no data); every API call the console makes carries the token.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

/** Nothing from outside the machine: scripts, styles, images and calls only from this origin. */
export const CONSOLE_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export interface ConsoleOptions {
  /** The path prefix of the API as the browser sees it: `''` when the engine serves the console, `/api` behind `edwe console`. */
  apiBase?: string;
  /** Which home the API is: `embedded` streams the live tail, `aws` polls. */
  home?: 'embedded' | 'aws';
  /** The AWS region, for links to the Step Functions console. */
  region?: string;
  /** Told how long the bundle took, once it is built. */
  onBuilt?: (milliseconds: number) => void;
}

interface Asset {
  type: string;
  body: Buffer;
}

/** Built console assets: `index.html`, `app.js`, `styles.css`. */
export type ConsoleAssets = Map<string, Asset>;

/** The bundle `npm run build` made (an installed package): `app.js` beside the page, or `undefined`. */
async function prebuilt(): Promise<Uint8Array | undefined> {
  try {
    return await readFile(`${CONSOLE_DIR}app.js`);
  } catch {
    return undefined;
  }
}

/** Bundles `console/src/main.ts` with esbuild, a development dependency imported only here, on the first request. */
async function bundle(): Promise<Uint8Array> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [`${CONSOLE_DIR}src/main.ts`],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.contents ?? new Uint8Array();
}

/** The console's page, script and styles, with the page's API settings filled in. */
export async function buildConsole(options: ConsoleOptions = {}): Promise<ConsoleAssets> {
  const started = performance.now();
  const script = (await prebuilt()) ?? (await bundle());
  const [page, styles] = await Promise.all([readFile(`${CONSOLE_DIR}index.html`, 'utf8'), readFile(`${CONSOLE_DIR}styles.css`)]);
  const escapeHtml = (text: string) => text.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = page
    .replace('{{API_BASE}}', escapeHtml(options.apiBase ?? ''))
    .replace('{{HOME}}', options.home ?? 'embedded')
    .replace('{{REGION}}', escapeHtml(options.region ?? ''));
  const assets: ConsoleAssets = new Map([
    ['index.html', { type: 'text/html; charset=utf-8', body: Buffer.from(html) }],
    ['app.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from(script) }],
    ['styles.css', { type: 'text/css; charset=utf-8', body: styles }],
  ]);
  options.onBuilt?.(performance.now() - started);
  return assets;
}

/**
 * The console's request handler: true when it answered (a path under `/console`), false to let the
 * API handle the request. Builds once, on the first request.
 * @example const consoleRoute = createConsoleRoute(); createServer((req, res) => consoleRoute(req, res) || api(req, res))
 */
export function createConsoleRoute(options: ConsoleOptions = {}): (request: IncomingMessage, response: ServerResponse) => boolean {
  let assets: Promise<ConsoleAssets> | undefined;
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/console' && !path.startsWith('/console/')) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET only');
      return true;
    }
    const name = path === '/console' || path === '/console/' ? 'index.html' : path.slice('/console/'.length);
    assets ??= buildConsole(options);
    assets.then(
      (built) => {
        const asset = built.get(name);
        if (!asset) return void response.writeHead(404, { 'content-type': 'text/plain' }).end(`No console asset ${name}`);
        response.writeHead(200, {
          'content-type': asset.type,
          'content-length': asset.body.length,
          'content-security-policy': CONSOLE_CSP,
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-cache',
        });
        response.end(request.method === 'HEAD' ? undefined : asset.body);
      },
      (error: unknown) => {
        assets = undefined;
        response.writeHead(503, { 'content-type': 'text/plain' }).end(`The console could not be built: ${(error as Error).message}`);
      },
    );
    return true;
  };
}
