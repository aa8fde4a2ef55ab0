import type { ParseArgsConfig } from 'node:util';

/**
 * A `seawall` subcommand: its flags, its help, and what it does. Returns the exit code. Its name and summary are
 * the CLI's registry's (main.ts), which loads it.
 */
export interface Command {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  positionals?: boolean;
  /**
   * The exit code when the command cannot do its job (bad flags, an error it does not answer itself): 1 unless
   * given. `seawall check` gives 2, since its 1 means that it found something wrong.
   */
  failureCode?: number;
  run(
    args: { values: Record<string, string | boolean | undefined>; positionals: string[] },
    io: CliIo,
  ): Promise<number>;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Resolves when the process is asked to stop (SIGTERM, SIGINT). */
  stopSignal: Promise<string>;
}

/** An expected failure: printed as one line, exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
