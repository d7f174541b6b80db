/** A logger for handler deps that keeps what the handler said, so a test can read its answers (e.g. `alreadyStarted`). */

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  [key: string]: unknown;
}

export interface CapturedLogs {
  entries: LogEntry[];
  info(message: unknown, ...extra: unknown[]): void;
  warn(message: unknown, ...extra: unknown[]): void;
  error(message: unknown, ...extra: unknown[]): void;
  /** The entries with this message. */
  withMessage(message: string): LogEntry[];
}

export function capturedLogs(): CapturedLogs {
  const entries: LogEntry[] = [];
  // Powertools' signature: a message (or an object with one), then objects of attributes.
  const log =
    (level: LogEntry['level']) =>
    (message: unknown, ...extra: unknown[]) => {
      const attributes = [message, ...extra].filter((e): e is object => typeof e === 'object' && e !== null);
      entries.push(Object.assign({ level, message: typeof message === 'string' ? message : '' }, ...attributes));
    };
  return { entries, info: log('info'), warn: log('warn'), error: log('error'), withMessage: (message) => entries.filter((e) => e.message === message) };
}
