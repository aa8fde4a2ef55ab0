import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { DataDirError } from '../data-dir-errors.js';
import { auditCommand } from './audit-command.js';
import { backupCommand, restoreCommand } from './backup-command.js';
import { checkCommand } from './check-command.js';
import { describeListenError } from './cli-errors.js';
import { CliError, type CliIo, type Command } from './commands.js';
import { demoCommand } from './demo-command.js';
import { ingestCommand } from './ingest-command.js';
import { queryCommand } from './query-command.js';
import { remoteCommand } from './remote-command.js';
import { initCommand, serveCommand } from './serve-commands.js';

const COMMANDS: readonly Command[] = [
  initCommand,
  serveCommand,
  demoCommand,
  queryCommand,
  ingestCommand,
  auditCommand,
  backupCommand,
  restoreCommand,
  checkCommand,
  remoteCommand,
];

function overview(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`);
  return [
    'usage: seawall <command> [flags]',
    '',
    'commands:',
    ...lines,
    '',
    'Run seawall <command> --help for its flags.',
  ].join('\n');
}

function commandHelp(command: Command): string {
  const flags = Object.entries(command.options).map(
    ([name, option]) => `  --${name}${option.type === 'string' ? ' VALUE' : ''}`,
  );
  return [`usage: ${command.usage}`, '', command.summary, '', 'flags:', ...flags, '  --help'].join('\n');
}

function processIo(): CliIo {
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    stopSignal,
  };
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** Runs `seawall` with its arguments; resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`seawall: unknown command '${name}' (try: seawall --help)`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    if (values.help) {
      io.out(commandHelp(command));
      return 0;
    }
    return await command.run({ values, positionals }, io);
  } catch (error) {
    const listen = describeListenError(error);
    const expected =
      listen !== undefined ||
      error instanceof CliError ||
      error instanceof ConfigError ||
      error instanceof DataDirError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.err(`seawall ${name}: ${listen ?? oneLine(error)}`);
    if (!expected && process.env.SEAWALL_DEBUG) io.err(String((error as Error).stack));
    return command.failureCode ?? 1;
  }
}
