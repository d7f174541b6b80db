#!/usr/bin/env tsx
/** The `edwe` command line: the embedded engine and the tools around rules and events. */
import { devCommand, DEV_USAGE, UsageError } from '../lambdas/local/cli/dev-command.js';

const USAGE = `edwe — event-driven workflow engine

Commands:
  edwe dev                 run the engine embedded (HTTP API, SQLite store, local workflows)
${DEV_USAGE.replace(/^/gm, '    ')}
`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  dev: devCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`edwe: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`edwe: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
