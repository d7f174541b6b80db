/**
 * What a CLI command may touch of its surroundings: output streams, standard input and the working
 * directory. Commands take a `CliIo` instead of `process`, so tests drive them with a fake one.
 */

/** The command's view of the terminal. */
export interface CliIo {
  /** Writes to standard output as given (commands add their own newlines). */
  stdout(s: string): void;
  /** Writes to standard error as given. */
  stderr(s: string): void;
  /** All of standard input, as UTF-8 text. */
  readStdin(): Promise<string>;
  /** The directory relative paths are resolved against. */
  cwd: string;
}

/**
 * The real process's streams and working directory.
 * @example process.exitCode = await rulesCheck(process.argv.slice(4), processIo());
 */
export function processIo(): CliIo {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    cwd: process.cwd(),
  };
}

/** An in-memory `CliIo` that records what a command writes (for tests and embedding). */
export function memoryIo(options: { cwd: string; stdin?: string }): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    cwd: options.cwd,
    stdout(s: string) {
      io.out += s;
    },
    stderr(s: string) {
      io.err += s;
    },
    readStdin: async () => options.stdin ?? '',
  };
  return io;
}
