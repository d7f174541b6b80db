#!/usr/bin/env node
/** The `edwe` command line: the embedded engine, and the tools around rules, events and replays. */
import { devCommand, DEV_USAGE, UsageError } from '../cli/dev-command.js';
import { EVENTS_USAGE, eventsCommand, SEND_USAGE, sendCommand } from '../cli/events-command.js';
import { INIT_USAGE, initCommand } from '../cli/init-command.js';
import { processIo, type CliIo } from '../cli/io.js';
import { BULK_USAGE, bulkActionCommand, EXECUTION_ACTION_USAGE, executionActionCommand } from '../cli/execution-action-commands.js';
import { EXECUTIONS_USAGE, executionsListCommand } from '../cli/observe-commands.js';
import { REPLAY_USAGE, replayCommand } from '../cli/replay-command.js';
import { RULES_API_USAGE, RULES_API_VERBS, rulesApiCommand } from '../cli/rules-api-commands.js';
import { RULES_CHECK_USAGE, RULES_ROUTE_USAGE, rulesCheck, rulesRoute, TEST_EVENT_PATTERN_USAGE, testEventPattern } from '../cli/rules-commands.js';

const indent = (text: string) => text.replace(/^/gm, '    ');

const USAGE = `edwe — event-driven workflow engine

  edwe init                   scaffold a project folder (rules/, workflows/) with the seed's example
${indent(INIT_USAGE)}
  edwe dev                    run the engine embedded (HTTP API, SQLite store, local workflows)
${indent(DEV_USAGE)}
  edwe rules check            validate rules/ and workflows/
${indent(RULES_CHECK_USAGE)}
  edwe rules route            show which rules an event fires, in order, and why
${indent(RULES_ROUTE_USAGE)}
  edwe rules list|get|apply|delete|enable|disable|history|test
                              manage a running engine's (or a deployed stack's) rules, and backtest one over stored history
${indent(RULES_API_USAGE)}
  edwe test-event-pattern     test an EventBridge pattern against an event (as aws events test-event-pattern)
${indent(TEST_EVENT_PATTERN_USAGE)}
  edwe send                   post events to a running engine
${indent(SEND_USAGE)}
  edwe events                 query stored events
${indent(EVENTS_USAGE)}
  edwe executions list        list executions newest first, by workflow, status and age
${indent(EXECUTIONS_USAGE)}
  edwe executions stop|redrive  stop a running execution, or redrive a failed one from the state that failed
${indent(EXECUTION_ACTION_USAGE)}
  edwe executions bulk        stop or redrive every execution a filter selects, with a progress bar
${indent(BULK_USAGE)}
  edwe replay                 re-run a time range of history, with a progress bar
${indent(REPLAY_USAGE)}
  edwe console                the web console against a running engine or a deployed stack (edwe dev serves it at /console too)
${indent('Usage: edwe console --url URL [--aws] [--token T] [--port 8233] [--host 127.0.0.1]')}
  edwe dlq                    list and redrive a deployed stack's dead-letter queues
${indent('Usage: edwe dlq list|redrive <ingest|router|lifecycle|replay|QUEUE_URL> [--stack EdweStack] (edwe dlq for all options)')}

API commands talk to --url (default $EDWE_URL or http://127.0.0.1:3000), with --token or $EDWE_TOKEN when set;
to an execute-api URL, or with --aws, they sign with SigV4 from the AWS credential chain (region from the URL or $AWS_REGION).
`;

type Command = (argv: string[], io: CliIo & { isTTY?: boolean }) => Promise<number>;

const commands: Record<string, Command> = {
  init: initCommand,
  dev: (argv) => devCommand(argv),
  'rules check': rulesCheck,
  'rules route': rulesRoute,
  ...Object.fromEntries(RULES_API_VERBS.map((verb): [string, Command] => [`rules ${verb}`, (argv, io) => rulesApiCommand(verb, argv, io)])),
  'test-event-pattern': testEventPattern,
  send: sendCommand,
  events: eventsCommand,
  'executions list': (argv, io) => executionsListCommand(argv, io),
  'executions stop': (argv, io) => executionActionCommand('stop', argv, io),
  'executions redrive': (argv, io) => executionActionCommand('redrive', argv, io),
  'executions bulk': (argv, io) => bulkActionCommand(argv, io),
  replay: replayCommand,
  // Imported when used, so the AWS SDK stays out of every other command's start-up.
  console: async (argv, io) => (await import('../cli/console-command.js')).consoleCommand(argv, io),
  dlq: async (argv, io) => (await import('../cli/dlq-command.js')).dlqCommand(argv, io),
};

async function main(argv: string[]): Promise<number> {
  const [name, sub, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const io = { ...processIo(), isTTY: process.stderr.isTTY === true };
  const twoWord = sub === undefined ? undefined : commands[`${name} ${sub}`];
  if (twoWord) return twoWord(rest, io);
  const command = commands[name];
  if (!command) {
    process.stderr.write(`edwe: unknown command "${[name, name === 'rules' ? sub : undefined].filter(Boolean).join(' ')}"\n\n${USAGE}`);
    return 2;
  }
  return command(argv.slice(1), io);
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
