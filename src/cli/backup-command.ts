import { resolve } from 'node:path';
import { isS3Location } from '../backup/backup-location.js';
import type { S3Access } from '../backup/backup-store.js';
import { configFrom } from '../config.js';
import { CliError, type CliIo, type Command } from './commands.js';

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

/** The backup modules, imported when a command runs, never for its help or its flags. */
const backups = async () => {
  const [target, restore, take, verify] = await Promise.all([
    import('../backup/backup-target.js'),
    import('../backup/restore-backup.js'),
    import('../backup/take-backup.js'),
    import('../backup/verify-backup.js'),
  ]);
  return { ...target, ...restore, ...take, ...verify };
};

/** A backup's own failures are expected ones: one line, exit 1. */
async function expected<T>(run: () => Promise<T>): Promise<T> {
  const { BackupError } = await backups();
  try {
    return await run();
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message);
    throw error;
  }
}

/** The flags that say how to reach a backup in S3. */
const S3_OPTIONS = {
  endpoint: { type: 'string' },
  credentials: { type: 'string' },
  profile: { type: 'string' },
  region: { type: 'string' },
} as const;

const S3_USAGE = ' [--endpoint URL] [--credentials FILE [--profile P]] [--region R]';

/**
 * A backup's location as the backup modules take it (a directory made absolute, an S3 location as given), and how
 * to reach it if in S3: the flags, else the environment's region and the SDK's default credential chain.
 */
function backupPlace(
  values: Record<string, string | boolean | undefined>,
  where: string,
  env: CliIo['env'],
): { where: string; s3?: S3Access } {
  if (!isS3Location(where)) {
    const s3Flag = Object.keys(S3_OPTIONS).find((name) => values[name] !== undefined);
    if (s3Flag) throw new CliError(`--${s3Flag} is only for a backup in S3 (s3://bucket/prefix)`);
    return { where: resolve(where) };
  }
  const endpoint = text(values, 'endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint))
    throw new CliError('--endpoint must be an http:// or https:// URL, such as https://seawall.example:9000');
  const file = text(values, 'credentials');
  const profile = text(values, 'profile');
  if (profile !== undefined && file === undefined)
    throw new CliError('--profile names a profile of the --credentials file; give that file too');
  const region = text(values, 'region') ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  return {
    where,
    s3: {
      ...(endpoint ? { endpoint } : {}),
      ...(file ? { credentials: { file: resolve(file), ...(profile ? { profile } : {}) } } : {}),
      ...(region ? { region } : {}),
    },
  };
}

const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

/** `seawall backup`: takes a snapshot into a backup directory, or (`--verify`) checks one. */
export const backupCommand: Command = {
  usage:
    `seawall backup --data-dir DIR --to PATH|s3://BUCKET/PREFIX [--metadata-url postgres://…] [--cold-storage-dir DIR]${S3_USAGE}\n` +
    `       seawall backup --verify --from PATH|s3://BUCKET/PREFIX [--snapshot ID]${S3_USAGE}`,
  options: {
    ...S3_OPTIONS,
    'data-dir': { type: 'string' },
    to: { type: 'string' },
    'metadata-url': { type: 'string' },
    'cold-storage-dir': { type: 'string' },
    verify: { type: 'boolean' },
    from: { type: 'string' },
    snapshot: { type: 'string' },
  },
  async run({ values }, io) {
    // Each mode's flags only: a flag of the other mode would be taken and ignored.
    const others = values.verify
      ? ['data-dir', 'to', 'metadata-url', 'cold-storage-dir']
      : ['from', 'snapshot'];
    const stray = others.find((name) => values[name] !== undefined);
    if (stray)
      throw new CliError(`--${stray} ${values.verify ? 'is not' : 'is only'} for seawall backup --verify`);
    if (values.verify) {
      const from = backupPlace(values, required(values, 'from', 'the backup to check'), io.env);
      const { verifyBackup } = await backups();
      const result = await expected(() => verifyBackup(from.where, text(values, 'snapshot'), from.s3));
      for (const line of [...result.notes, ...result.problems]) io.err(line);
      const { databases, blobs, bytes } = result.checked;
      io.out(
        `snapshot ${result.snapshot}: ${result.problems.length === 0 ? 'whole' : `${result.problems.length} problem(s)`}; checked ${databases} database(s), ${blobs} blob(s), ${mib(bytes)}`,
      );
      return result.problems.length === 0 ? 0 : 1;
    }
    const to = backupPlace(values, required(values, 'to', 'where to back up to'), io.env);
    const { takeBackup } = await backups();
    const { endpoint: _e, credentials: _c, profile: _p, region: _r, ...dataDirFlags } = values;
    const config = configFrom(dataDirFlags, io.env);
    const started = Date.now();
    const result = await expected(() =>
      takeBackup({
        dataDir: config.dataDir,
        to: to.where,
        ...(to.s3 ? { s3: to.s3 } : {}),
        ...(config.coldStorageDir ? { coldStorageDir: config.coldStorageDir } : {}),
        ...(config.metadataUrl ? { metadataUrl: config.metadataUrl } : {}),
      }),
    );
    const { blobs } = result.manifest;
    const { recopied } = result;
    // Said only when it happened: files gone from the backup behind its back are worth a look.
    const repaired =
      recopied.count > 0 ? `, re-copied ${recopied.count} missing (${mib(recopied.bytes)})` : '';
    io.out(
      `snapshot ${result.snapshot}: ${blobs.count} blob(s), ${mib(blobs.bytes)}; copied ${blobs.copied} new (${mib(blobs.copiedBytes)})${repaired} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (result.gone > 0)
      io.err(
        `warning: ${result.gone} blob(s) the backup recorded are gone from it, and the new snapshot does not name them: an older snapshot that does cannot be restored whole (seawall backup --verify --from … --snapshot ID names them)`,
      );
    return 0;
  },
};

/** `seawall restore`: rebuilds an installation from a backup into a new data directory. */
export const restoreCommand: Command = {
  usage:
    'seawall restore --from PATH|s3://BUCKET/PREFIX --data-dir NEW --root-key FILE [--metadata-url postgres://…] [--snapshot ID] [--cold-storage-dir DIR [--cold-storage-class C]]' +
    S3_USAGE,
  options: {
    ...S3_OPTIONS,
    from: { type: 'string' },
    'data-dir': { type: 'string' },
    'root-key': { type: 'string' },
    'metadata-url': { type: 'string' },
    snapshot: { type: 'string' },
    'cold-storage-dir': { type: 'string' },
    'cold-storage-class': { type: 'string' },
  },
  async run({ values }, io) {
    const from = backupPlace(values, required(values, 'from', 'the backup to restore'), io.env);
    const rootKeyFile = resolve(required(values, 'root-key', "the installation's root key file"));
    required(values, 'data-dir', 'the new data directory');
    const { endpoint: _e, credentials: _c, profile: _p, region: _r, ...dataDirFlags } = values;
    // The cold tier to restore into is the one the flag names, never one the environment holds (that of the
    // installation this shell serves, perhaps): the restored server would sweep its blobs as its own orphans.
    const { SEAWALL_COLD_STORAGE_DIR: _cold, ...env } = io.env;
    const config = configFrom(dataDirFlags, env);
    const snapshot = text(values, 'snapshot');
    const { restoreBackup } = await backups();
    const result = await expected(() =>
      restoreBackup({
        from: from.where,
        ...(from.s3 ? { s3: from.s3 } : {}),
        config,
        rootKeyFile,
        ...(snapshot ? { snapshot } : {}),
      }),
    );
    io.out(
      `restored snapshot ${result.snapshot} into ${config.dataDir}: account ${result.credentials.accountId}, region ${result.credentials.region}, ${result.blobs} blob(s), ${mib(result.bytes)}${config.coldStorageDir ? `; start it with --cold-storage-dir ${config.coldStorageDir}` : ''}`,
    );
    return 0;
  },
};
