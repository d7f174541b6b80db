/** `edwe dev` (= `npm start`): the embedded engine behind its HTTP API. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultPaths, loadProject, ProjectError } from '../lambdas/project/load-project.js';
import { loadInterpreter } from '../lambdas/embedded/asl-runner.js';
import { EmbeddedEngine } from '../lambdas/embedded/embedded-engine.js';
import { createHttpServer } from '../lambdas/embedded/http-server.js';
import { readTokensFile, type TokenEntry } from '../lambdas/embedded/http/auth.js';
import { createLogger, type LogLevel } from '../lambdas/embedded/logger.js';
import type { SyncMode } from '../lambdas/embedded/sqlite-database.js';

export const DEV_USAGE = `Usage: edwe dev [--port 3000] [--host 127.0.0.1] [--db .edwe/events.db | --memory]
                [--rules DIR] [--workflows DIR] [--tasks DIR] [--token T | $EDWE_TOKEN] [--tokens FILE | $EDWE_TOKENS_FILE]
                [--cors ORIGIN]... [--sync normal|full] [--log-level debug|info|warn|error|silent] [--data-key-file FILE]`;

export async function devCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      db: { type: 'string', default: '.edwe/events.db' },
      memory: { type: 'boolean', default: false },
      rules: { type: 'string' },
      workflows: { type: 'string' },
      tasks: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      token: { type: 'string', default: process.env.EDWE_TOKEN },
      tokens: { type: 'string', default: process.env.EDWE_TOKENS_FILE },
      cors: { type: 'string', multiple: true, default: [] },
      sync: { type: 'string', default: 'normal' },
      'data-key-file': { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got "${values.port}"`);
  const level = values['log-level'] as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) throw new UsageError(`--log-level must be debug, info, warn, error or silent`);
  const logger = createLogger({ level });
  const sync = values.sync as SyncMode;
  if (sync !== 'normal' && sync !== 'full') throw new UsageError(`--sync must be normal or full, got "${values.sync}"`);

  let tokens: TokenEntry[] = [];
  try {
    if (values.tokens) tokens = readTokensFile(resolve(values.tokens));
  } catch (error) {
    process.stderr.write(`edwe: ${(error as Error).message}\n`);
    return 1;
  }
  for (const origin of values.cors) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/i.test(origin)) throw new UsageError(`--cors takes an origin such as https://app.example.com (or *), got "${origin}"`);
  }

  const paths = defaultPaths();
  if (values.rules) paths.rulesDir = resolve(values.rules);
  if (values.workflows) paths.workflowsDir = resolve(values.workflows);
  // Task functions default to workflows/tasks/ under the workflows folder given.
  if (values.tasks) paths.tasksDir = resolve(values.tasks);
  else if (values.workflows) paths.tasksDir = resolve(values.workflows, 'tasks');
  let project;
  try {
    project = loadProject(paths);
  } catch (error) {
    if (error instanceof ProjectError) {
      process.stderr.write(`edwe: the rules or workflows are invalid:\n${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const dbPath = values.memory ? ':memory:' : resolve(values.db);
  const retentionDays = project.config ? project.config.eventSourcing.retentionSeconds / 86_400 : 30;
  const dataKeyFile = values['data-key-file'] === undefined ? {} : { dataKeyFile: resolve(values['data-key-file']) };
  const engine = await EmbeddedEngine.open({ project, dbPath, logger, retentionDays, sync, ...dataKeyFile });
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(values.host);
  if (!loopback && !values.token && tokens.length === 0) {
    logger.warn('listening beyond this machine without a token: anyone who can reach it can post events; set --token or EDWE_TOKEN', { host: values.host });
  }
  const server = createHttpServer(engine, logger, { token: values.token, tokens, host: values.host, cors: values.cors });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(port, values.host, ready);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  // The address is always announced (tools and tests wait for this line), whatever the log level.
  createLogger({ level: level === 'silent' ? 'silent' : 'info' }).info('edwe listening', {
    url: `http://${values.host}:${actualPort}`,
    db: dbPath,
    rules: project.rules.length,
    workflows: [...project.workflows.keys()],
  });
  // The workflow interpreter's imports are a few hundred ms of synchronous CPU: loaded once the engine has
  // answered its first probes, so neither `/health` nor the first request waits behind them (an event that
  // arrives earlier loads it on demand).
  setTimeout(() => void loadInterpreter(), INTERPRETER_WARMUP_DELAY_MS).unref();

  await new Promise<void>((stopped) => {
    const stop = (signal: string) => {
      logger.info('edwe stopping', { signal });
      // Executions waiting (a 900 s wait, an event that may never come) are not waited for past the
      // deadline: they are stored RUNNING and resume at the next start.
      const deadline = setTimeout(() => {
        logger.warn('executions still running at the shutdown deadline; they resume at the next start', { deadlineMs: SHUTDOWN_DEADLINE_MS });
        // Their timers would keep the process alive; what they committed is in the database already.
        process.stdout.write('', () => process.exit(0));
      }, SHUTDOWN_DEADLINE_MS).unref();
      server.close(() => void engine.close().then(() => (clearTimeout(deadline), stopped())));
      server.closeAllConnections();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

/** How long `SIGTERM`/`SIGINT` waits for executions in flight before the process exits anyway. */
export /** How long after listening the interpreter is warmed up. */
const INTERPRETER_WARMUP_DELAY_MS = 1_000;
const SHUTDOWN_DEADLINE_MS = 5_000;

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
