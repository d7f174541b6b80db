/**
 * A Server-Sent Events reader over text chunks. The console reads `/events/stream` with fetch rather
 * than EventSource, because EventSource cannot send the Authorization header the API asks for.
 */

/** One dispatched message: its `id:` (when given) and its `data:` lines joined by newlines. */
export interface SseMessage {
  id?: string;
  data: string;
}

/** Feeds chunks, in order, to `parseSse().push(chunk)`; each call returns the messages it completed. */
export function parseSse(): { push(chunk: string): SseMessage[] } {
  let buffer = '';
  let data: string[] = [];
  let id: string | undefined;
  return {
    push(chunk) {
      buffer += chunk;
      const messages: SseMessage[] = [];
      for (;;) {
        const end = buffer.search(/\r\n|\r|\n/);
        if (end < 0) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) messages.push(id === undefined ? { data: data.join('\n') } : { id, data: data.join('\n') });
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'id' && !value.includes('\0')) id = value;
      }
      return messages;
    },
  };
}
