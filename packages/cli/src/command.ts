import type { Config } from '@medgrade/config';

/** What a command gets: parsed config and where to write (stdout carries results, stderr talk). */
export interface CommandContext {
  config: Config;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** A terminal to draw progress bars on; absent when stderr is not a TTY (pipes, CI, tests). */
  progress?: NodeJS.WriteStream;
}

/** One `medgrade <name>` command; returns the process exit code (its summary is in main.ts's table). */
export interface Command {
  usage: string;
  run(args: string[], ctx: CommandContext): Promise<number>;
}

/** Thrown for wrong usage; main prints it with the command's usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
