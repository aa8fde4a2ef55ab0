import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { DataDirError } from '../data-dir-errors.js';
import { describeListenError } from './cli-errors.js';
import { CliError, type CliIo, type Command } from './commands.js';

/**
 * The commands, each with its summary and where it lives. Only the command asked for is loaded: a command's
 * module brings the server, the SDK clients or the backup code with it, about half a second of imports for each
 * that is not needed.
 */
interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'init',
    summary: 'create a data directory with its root key, account and root access key',
    load: async () => (await import('./serve-commands.js')).initCommand,
  },
  {
    name: 'serve',
    summary: 'serve every API on one port',
    load: async () => (await import('./serve-commands.js')).serveCommand,
  },
  {
    name: 'demo',
    summary: 'start Seawall with the Vancouver open data loaded, crawled, cleaned and queryable',
    load: async () => (await import('./demo-command.js')).demoCommand,
  },
  {
    name: 'query',
    summary: 'run SQL through the Athena API of a running Seawall and print the rows',
    load: async () => (await import('./query-command.js')).queryCommand,
  },
  {
    name: 'ingest',
    summary: "copy a dataset from an OpenDataSoft portal's CSV export into a bucket",
    load: async () => (await import('./ingest-command.js')).ingestCommand,
  },
  {
    name: 'audit',
    summary: "verify a trail bucket's signed digests and log files (audit verify)",
    load: async () => (await import('./audit-command.js')).auditCommand,
  },
  {
    name: 'backup',
    summary: 'back up a data directory, running or not, into a directory or S3 (or --verify a backup)',
    load: async () => (await import('./backup-command.js')).backupCommand,
  },
  {
    name: 'restore',
    summary: 'rebuild an installation from a backup (a directory or S3) into a new data directory',
    load: async () => (await import('./backup-command.js')).restoreCommand,
  },
  {
    name: 'check',
    summary: 'verify a stopped installation offline: databases, every blob, every key, the audit trail',
    load: async () => (await import('./check-command.js')).checkCommand,
  },
  {
    name: 'remote',
    summary: 'register the S3 endpoint of another account that replication rules name (add, list, remove)',
    load: async () => (await import('./remote-command.js')).remoteCommand,
  },
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

function commandHelp(entry: CommandEntry, command: Command): string {
  const flags = Object.entries(command.options).map(
    ([name, option]) => `  --${name}${option.type === 'string' ? ' VALUE' : ''}`,
  );
  return [`usage: ${command.usage}`, '', entry.summary, '', 'flags:', ...flags, '  --help'].join('\n');
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
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`seawall: unknown command '${name}' (try: seawall --help)`);
    return 2;
  }
  const command = await entry.load();
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    if (values.help) {
      io.out(commandHelp(entry, command));
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
