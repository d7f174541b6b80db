/** A small Server-Sent Events client over `node:http` for tests: collects messages and comments as they arrive. */
import { request as httpRequest, type ClientRequest } from 'node:http';

export interface SseMessage {
  id: string | undefined;
  data: string;
}

export interface SseClient {
  status: number;
  messages: SseMessage[];
  comments: string[];
  /** Resolves once `predicate` holds for what arrived, or rejects after `timeoutMs`. */
  until(predicate: (messages: SseMessage[], comments: string[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Opens `url` as an event stream; resolves once the response headers arrived. */
export function openEventStream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const messages: SseMessage[] = [];
    const comments: string[] = [];
    const waiters = new Set<() => void>();
    let request: ClientRequest | undefined;
    request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) messages.push({ id, data: data.join('\n') });
        }
        for (const wake of waiters) wake();
      });
      response.on('error', () => undefined);
      resolve({
        status: response.statusCode ?? 0,
        messages,
        comments,
        until(predicate, timeoutMs = 10_000) {
          return new Promise<void>((done, fail) => {
            if (predicate(messages, comments)) return done();
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`stream: condition not met in ${timeoutMs} ms; got ${messages.length} messages, comments ${JSON.stringify(comments)}`));
            }, timeoutMs);
            const check = () => {
              if (!predicate(messages, comments)) return;
              clearTimeout(timer);
              waiters.delete(check);
              done();
            };
            waiters.add(check);
          });
        },
        close: () => request?.destroy(),
      });
    });
    request.on('error', reject);
    request.end();
  });
}
