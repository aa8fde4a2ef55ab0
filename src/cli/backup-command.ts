import { resolve } from 'node:path';
import { BackupError } from '../backup/backup-target.js';
import { restoreBackup } from '../backup/restore-backup.js';
import { takeBackup } from '../backup/take-backup.js';
import { verifyBackup } from '../backup/verify-backup.js';
import { configFrom } from '../config.js';
import { CliError, type Command } from './commands.js';

const MIB = 1024 * 1024;

function text(values: Record<string, string | boolean | undefined>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function required(values: Record<string, string | boolean | undefined>, name: string, what: string): string {
  const value = text(values, name);
  if (value === undefined) throw new CliError(`give ${what} with --${name}`);
  return value;
}

/** A backup's own failures are expected ones: one line, exit 1. */
async function expected<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message);
    throw error;
  }
}

const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

/** `seawall backup`: takes a snapshot into a backup directory, or (`--verify`) checks one. */
export const backupCommand: Command = {
  name: 'backup',
  summary: 'back up a data directory, running or not, into a directory (or --verify a backup)',
  usage:
    'seawall backup --data-dir DIR --to PATH [--cold-storage-dir DIR] | seawall backup --verify --from PATH [--snapshot ID]',
  options: {
    'data-dir': { type: 'string' },
    to: { type: 'string' },
    'cold-storage-dir': { type: 'string' },
    verify: { type: 'boolean' },
    from: { type: 'string' },
    snapshot: { type: 'string' },
  },
  async run({ values }, io) {
    // Each mode's flags only: a flag of the other mode would be taken and ignored.
    const others = values.verify ? ['data-dir', 'to', 'cold-storage-dir'] : ['from', 'snapshot'];
    const stray = others.find((name) => values[name] !== undefined);
    if (stray)
      throw new CliError(`--${stray} ${values.verify ? 'is not' : 'is only'} for seawall backup --verify`);
    if (values.verify) {
      const from = resolve(required(values, 'from', 'the backup to check'));
      const result = await expected(() => verifyBackup(from, text(values, 'snapshot')));
      for (const problem of result.problems) io.err(problem);
      const { databases, blobs, bytes } = result.checked;
      io.out(
        `snapshot ${result.snapshot}: ${result.problems.length === 0 ? 'whole' : `${result.problems.length} problem(s)`}; checked ${databases} database(s), ${blobs} blob(s), ${mib(bytes)}`,
      );
      return result.problems.length === 0 ? 0 : 1;
    }
    const to = required(values, 'to', 'where to back up to');
    const config = configFrom(values, io.env);
    if (config.metadataUrl)
      throw new CliError(
        `${config.dataDir} keeps its metadata in PostgreSQL, which seawall backup does not copy; back it up with pg_dump`,
      );
    const started = Date.now();
    const result = await expected(() =>
      takeBackup({
        dataDir: config.dataDir,
        to: to.startsWith('s3://') ? to : resolve(to),
        ...(config.coldStorageDir ? { coldStorageDir: config.coldStorageDir } : {}),
      }),
    );
    const { blobs } = result.manifest;
    io.out(
      `snapshot ${result.snapshot}: ${blobs.count} blob(s), ${mib(blobs.bytes)}; copied ${blobs.copied} new (${mib(blobs.copiedBytes)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return 0;
  },
};

/** `seawall restore`: rebuilds an installation from a backup into a new data directory. */
export const restoreCommand: Command = {
  name: 'restore',
  summary: 'rebuild an installation from a backup into a new data directory',
  usage:
    'seawall restore --from PATH --data-dir NEW --root-key FILE [--snapshot ID] [--cold-storage-dir DIR [--cold-storage-class C]]',
  options: {
    from: { type: 'string' },
    'data-dir': { type: 'string' },
    'root-key': { type: 'string' },
    snapshot: { type: 'string' },
    'cold-storage-dir': { type: 'string' },
    'cold-storage-class': { type: 'string' },
  },
  async run({ values }, io) {
    const from = resolve(required(values, 'from', 'the backup to restore'));
    const rootKeyFile = resolve(required(values, 'root-key', "the installation's root key file"));
    required(values, 'data-dir', 'the new data directory');
    const config = configFrom(values, io.env);
    if (config.metadataUrl)
      throw new CliError(
        'a backup restores SQLite metadata into the new data directory; unset SEAWALL_METADATA_URL to restore',
      );
    const snapshot = text(values, 'snapshot');
    const result = await expected(() =>
      restoreBackup({ from, config, rootKeyFile, ...(snapshot ? { snapshot } : {}) }),
    );
    io.out(
      `restored snapshot ${result.snapshot} into ${config.dataDir}: account ${result.credentials.accountId}, region ${result.credentials.region}, ${result.blobs} blob(s), ${mib(result.bytes)}`,
    );
    return 0;
  },
};
