/**
 * The engine's `Logger` port on Powertools Logger. Powertools takes its extra fields as a rest
 * parameter, so its methods do not fit the port's `(message, fields?)` as they are: this passes
 * the fields only when there are some.
 */
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from '../core/index.js';

/** What the handlers take: Powertools Logger, or a stand-in with its `info`, `warn` and `error`. */
export type PowertoolsLogs = Pick<PowertoolsLogger, 'info' | 'warn' | 'error'> & Partial<Pick<PowertoolsLogger, 'debug'>>;

/**
 * @example const logger = powertoolsLogger(new Logger()); logger.info('event routed', { eventId })
 */
export function powertoolsLogger(logs: PowertoolsLogs): Logger {
  return {
    debug: (message, fields) => (fields === undefined ? logs.debug?.(message) : logs.debug?.(message, fields)),
    info: (message, fields) => (fields === undefined ? logs.info(message) : logs.info(message, fields)),
    warn: (message, fields) => (fields === undefined ? logs.warn(message) : logs.warn(message, fields)),
    error: (message, fields) => (fields === undefined ? logs.error(message) : logs.error(message, fields)),
  };
}
