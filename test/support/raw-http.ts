/** HTTP as an attacker writes it: exact bytes on a socket, so nothing normalises the request line, headers or body. */
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
  text: string;
}

/**
 * Sends `head` (the request line and headers, without the blank line) and `body`, closes the
 * connection, and parses what came back.
 * @example await rawRequest(engine.url, 'GET // HTTP/1.1\r\nHost: 127.0.0.1')
 */
export async function rawRequest(url: string, head: string, body: Buffer | string = ''): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const lines = head.includes('\r\nConnection:') ? head : `${head}\r\nConnection: close`;
  const request = Buffer.concat([Buffer.from(`${lines}\r\n${bytes.length > 0 ? `Content-Length: ${bytes.length}\r\n` : ''}\r\n`), bytes]);
  const response = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.end(request));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
  const [headText = '', text = ''] = response.split('\r\n\r\n', 2);
  const [statusLine = '', ...headerLines] = headText.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: parsed, text };
}

/** A JSON body nested `depth` levels (`{"a":{"a":…}}`), as text: built without recursion. */
export const nestedJson = (depth: number, leaf = '1'): string => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
