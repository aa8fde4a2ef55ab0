import { execFile } from 'node:child_process';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { openOfflineMetadata } from '../check/offline-metadata.js';
import type { Database } from '../db/database.js';
import { BackupError } from './backup-target.js';

/**
 * A backup of metadata kept in PostgreSQL (`--metadata-url`): a read-only transaction exports a snapshot,
 * pg_dump writes that snapshot as a custom-format archive, and the blobs the same snapshot names are listed in
 * a transaction that imports it, so the archive and the copied blobs are one cut of the installation. A
 * restore loads the archive into an empty database with pg_restore.
 *
 * The URL's password never reaches a command line (where any local user could read it): the tools get the URL
 * without it, and the password in their environment.
 */

/** The snapshot a read-only transaction exported; held (with its transaction) until `release`. */
export interface MetadataSnapshot {
  readonly id: string;
  /** Runs `read` in a transaction that sees exactly the snapshot. */
  read<T>(read: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Writes the snapshot as pg_dump's custom-format archive at `path`. */
  dump(path: string): Promise<void>;
  release(): Promise<void>;
}

/** What pg_dump's export looks like: hex groups and a counter. */
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/;

/**
 * The URL's TLS parameters as node-pg reads them, written as libpq's words for the same (pg-connection-string):
 * `ssl=0` is `sslmode=disable`; node-pg's `sslmode=no-verify` is libpq's `require` (encrypted, unverified); and
 * node-pg checks the server's certificate for `prefer`, `require` and `verify-ca` as for `verify-full` (unless
 * `uselibpqcompat=true`, which takes libpq's meanings, and which libpq itself does not know), so the tools are
 * told `verify-full`: never a weaker check than the server's. Any other `ssl` turns TLS on with Node's own roots,
 * which libpq 15 cannot read: refused, with what to write instead, which both take.
 */
function forLibpq(parsed: URL): void {
  const params = parsed.searchParams;
  const ssl = params.get('ssl');
  const libpqMeanings = params.get('uselibpqcompat') === 'true';
  params.delete('ssl');
  params.delete('uselibpqcompat');
  const mode = params.get('sslmode');
  if (mode !== null) {
    if (mode === 'no-verify' && !libpqMeanings) params.set('sslmode', 'require');
    else if (!libpqMeanings && ['prefer', 'require', 'verify-ca'].includes(mode))
      params.set('sslmode', 'verify-full');
    return;
  }
  if (ssl === null) return;
  if (ssl === '0') {
    params.set('sslmode', 'disable');
    return;
  }
  throw new BackupError(
    `the metadata URL's ssl=${ssl} is node-pg's alone; pg_dump and pg_restore need libpq's sslmode: write sslmode=verify-full&sslrootcert=FILE (the CA's certificate), which Seawall's server takes too`,
  );
}

/**
 * The tools' connection: the URL without its password, and the password in PGPASSWORD; node-pg's parameters
 * written as libpq's (forLibpq).
 */
export function toolConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BackupError('the metadata URL is not a URL');
  }
  // In the authority (user:password@) or as a parameter (?password=): either way, out of the URL.
  let password: string;
  try {
    password = decodeURIComponent(parsed.password) || parsed.searchParams.get('password') || '';
  } catch {
    throw new BackupError("the metadata URL's password is not URL-encoded");
  }
  parsed.password = '';
  parsed.searchParams.delete('password');
  forLibpq(parsed);
  // Percent-encoded, not as a form: libpq does not read '+' as a space.
  parsed.search = [...parsed.searchParams]
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password) env.PGPASSWORD = password;
  return { dbname: parsed.toString(), env };
}

/** Runs a PostgreSQL tool; its failure is a BackupError with what it said (never the URL's password). */
function run(tool: 'pg_dump' | 'pg_restore', args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) {
        resolve(stdout);
        return;
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new BackupError(`${tool} is not installed; a PostgreSQL metadata backup needs it`));
        return;
      }
      const said = stderr.trim().split('\n').slice(-3).join('; ');
      reject(new BackupError(`${tool} failed: ${said || error.message}`));
    });
  });
}

/** How long connecting to PostgreSQL may take (a backup holds trail delivery while it connects). */
const CONNECT_TIMEOUT_MS = 15_000;

/** A connection of its own to the metadata database. */
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {});
  await client.connect();
  return client;
}

export async function exportMetadataSnapshot(url: string): Promise<MetadataSnapshot> {
  const client = await connect(url);
  let id: string;
  try {
    // The exporting transaction waits while the databases are copied and pg_dump starts: a server that ends
    // sessions idle in a transaction would end it, and the snapshot with it (pg_dump sets the same for itself).
    await client.query('SET idle_in_transaction_session_timeout = 0');
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    id = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]?.id ?? '';
    if (!SNAPSHOT_ID.test(id)) throw new BackupError(`PostgreSQL exported an unexpected snapshot id ${id}`);
  } catch (error) {
    await client.end();
    throw error;
  }
  const reader = openOfflineMetadata({ postgresUrl: url });
  let released = false;
  return {
    id,
    read: (read) =>
      reader.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          // The id was checked against pg_dump's form above: it is never input to the SQL unchecked.
          await sql.raw(`SET TRANSACTION SNAPSHOT '${id}'`).execute(trx);
          await sql.raw('SET LOCAL idle_in_transaction_session_timeout = 0').execute(trx);
          return read(trx);
        }),
    async dump(path) {
      const { dbname, env } = toolConnection(url);
      await run(
        'pg_dump',
        [
          '--format=custom',
          '--no-owner',
          '--no-privileges',
          `--snapshot=${id}`,
          `--file=${path}`,
          `--dbname=${dbname}`,
        ],
        env,
      );
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await reader.close();
      } finally {
        await client.query('COMMIT').catch(() => undefined);
        await client.end();
      }
    },
  };
}

/** Checks that `path` is an archive pg_restore reads (its table of contents). */
export async function checkDumpArchive(path: string): Promise<void> {
  await run('pg_restore', ['--list', path], process.env);
}

/**
 * Loads the archive at `path` into the database at `url`, which must hold no tables yet: in one transaction,
 * so a failed load leaves it as it was.
 */
export async function restoreMetadataDump(url: string, path: string): Promise<void> {
  const client = await connect(url);
  try {
    // Every relation of every schema but the system's, whatever the user's privileges on it.
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
         AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`,
    );
    if ((rows[0]?.n ?? 0) > 0)
      throw new BackupError('the PostgreSQL database to restore into holds tables; give an empty database');
  } finally {
    await client.end();
  }
  const { dbname, env } = toolConnection(url);
  await run(
    'pg_restore',
    ['--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${dbname}`, path],
    env,
  );
}

/**
 * Drops what a restore loaded from the archive at `path` (its tables and sequences, as its table of contents
 * names them), when a later step failed: the database was empty before (restoreMetadataDump checked).
 */
export async function dropRestoredMetadata(url: string, path: string): Promise<void> {
  const listed = await run('pg_restore', ['--list', path], process.env);
  const relations: { kind: 'TABLE' | 'SEQUENCE'; schema: string; name: string }[] = [];
  for (const line of listed.split('\n')) {
    const entry = /^\d+; \d+ \d+ (TABLE|SEQUENCE) (\S+) (\S+) /.exec(line);
    if (entry)
      relations.push({
        kind: entry[1] as 'TABLE' | 'SEQUENCE',
        schema: entry[2] ?? '',
        name: entry[3] ?? '',
      });
  }
  const client = await connect(url);
  try {
    const quoted = (name: string) => client.escapeIdentifier(name);
    for (const { kind, schema, name } of relations)
      await client.query(`DROP ${kind} IF EXISTS ${quoted(schema)}.${quoted(name)} CASCADE`);
  } finally {
    await client.end();
  }
}
