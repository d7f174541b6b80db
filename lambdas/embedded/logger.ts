/** One JSON line per log entry, the shape Powertools Logger writes in Lambda, so both homes read alike. */
import type { Logger } from '../core/index.js';

export type { Logger };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(options: { level?: LogLevel; service?: string; write?: (line: string) => void } = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const service = options.service ?? 'edwe';
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < threshold) return;
    write(JSON.stringify({ level: level.toUpperCase(), timestamp: new Date().toISOString(), service, message, ...fields }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
