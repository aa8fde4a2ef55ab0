import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { clearDeliveryLease, openDeliveryLease } from '../audit/delivery-lease.js';
import { dataDirLayout, exists } from '../data-dir.js';
import { acceptLossAdvice, recordedDatabases, type ServedDatabase } from '../data-dir-databases.js';
import { openMetadataReadOnly } from '../db/database.js';
import { referencedBlobs } from '../storage/index.js';
import { type CopiedFile, overlaps } from './backup-files.js';
import { isS3Location } from './backup-location.js';
import { type BackupStore, type S3Access, snapshotFile } from './backup-store.js';
import { BackupError, DATABASES, type Manifest, METADATA_DUMP, snapshotId } from './backup-target.js';
import { makeRunScratch, pinBlobs, removeStalePins, type Tier } from './blob-pins.js';
import { copyBlobs, heldCopy, type Recopied, type RunTarget } from './copy-blobs.js';
import { openBackupStore } from './open-store.js';
import { exportMetadataSnapshot, type MetadataSnapshot } from './postgres-metadata.js';

export interface BackupOptions {
  dataDir: string;
  /** The colder tier's directory, when the data directory has one. */
  coldStorageDir?: string;
  /** The backup: a directory (made if missing) or `s3://bucket/prefix`, added to if it holds earlier backups. */
  to: string;
  /** How to reach an `s3://` backup. */
  s3?: S3Access;
  /** The PostgreSQL database the installation keeps its metadata in (`--metadata-url`), if not metadata.db. */
  metadataUrl?: string;
  now?: () => Date;
}

export interface BackupResult {
  snapshot: string;
  manifest: Manifest;
  /** Runs it took: more than one when blobs written during a run were deleted before it copied them. */
  attempts: number;
  /** Blobs the catalog recorded that the backup lacked (or held at another size), copied again. */
  recopied: Recopied;
  /**
   * Blobs the catalog records that the backup lacks still: the new snapshot does not name them, so an older
   * snapshot that does cannot be restored whole (verify names which).
   */
  gone: number;
}

/** How many times a run starts again before it gives up (a lake deleting blobs as fast as it writes them). */
const ATTEMPTS = 5;
/** How long a backup waits for a trail delivery pass to end before it gives up. */
const TRAIL_PAUSE_WAIT_MS = 120_000;
/** The backup's lease on trail delivery; a backup that dies lets go at once (the lease names its process). */
const TRAIL_PAUSE_LEASE_MS = 24 * 3600_000;

/**
 * `seawall backup`: a consistent, incremental snapshot of a data directory, running or not. The SQLite
 * databases are copied with `VACUUM INTO` (one read transaction each: a consistent copy, and the server's
 * writes go on); then every blob the metadata copy names is copied unless the backup holds it already. Blobs
 * are copied as stored (ciphertext), and the root key never is: a backup is useless without it.
 */
export async function takeBackup(options: BackupOptions): Promise<BackupResult> {
  const data = dataDirLayout(options.dataDir);
  const initialized = (await exists(data.rootKey)) || (await exists(data.credentials));
  if (options.metadataUrl !== undefined ? !initialized : !(await exists(data.metadataDb)))
    throw new BackupError(
      initialized
        ? `${options.dataDir} keeps its metadata in PostgreSQL: give its --metadata-url (or SEAWALL_METADATA_URL)`
        : `${options.dataDir} is not a Seawall data directory`,
    );
  const tiers: Tier[] = [data.objects, ...(options.coldStorageDir ? [options.coldStorageDir] : [])];
  if (!isS3Location(options.to))
    for (const dir of [data.root, ...tiers])
      if (await overlaps(options.to, dir))
        throw new BackupError(
          `${options.to} is inside ${dir} or holds it: back up to a directory of its own`,
        );
  // What an S3 store writes and downloads stays on the data directory's disk.
  const scratch = isS3Location(options.to) ? await makeRunScratch(data.objects) : undefined;
  try {
    return await backUpTo(await openBackupStore(options.to, options.s3, scratch?.dir), data, tiers, options);
  } finally {
    await scratch?.release();
  }
}

async function backUpTo(
  store: BackupStore,
  data: ReturnType<typeof dataDirLayout>,
  tiers: readonly Tier[],
  options: BackupOptions,
): Promise<BackupResult> {
  try {
    const lock = await store.lock();
    try {
      await store.removeUnfinished();
      await removeStalePins(tiers);
      const catalog = await store.openCatalog('write');
      try {
        // The catalog says what was copied, not what is still there: a file removed or cut short since is
        // copied again, so that no snapshot names a blob the backup lacks.
        const lacking = await store.lackingBlobs(catalog);
        const result = await snapshotUntilWhole(data, tiers, { store, catalog, lacking }, options);
        return { ...result, gone: lacking.size };
      } finally {
        catalog.close();
      }
    } finally {
      await lock.release();
    }
  } finally {
    await store.close();
  }
}

/** Runs until one snapshot's blobs are all copied: a blob deleted before its copy makes a run start again. */
async function snapshotUntilWhole(
  data: ReturnType<typeof dataDirLayout>,
  tiers: readonly Tier[],
  target: RunTarget,
  options: BackupOptions,
): Promise<Omit<BackupResult, 'gone'>> {
  let missedBefore = new Set<string>();
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const id = snapshotId((options.now ?? (() => new Date()))(), randomBytes(3).toString('hex'));
    const run = await attemptSnapshot(data, tiers, target, id, options.metadataUrl);
    if ('manifest' in run)
      return { snapshot: id, manifest: run.manifest, attempts: attempt, recopied: run.recopied };
    // Missing again in a later snapshot: not a blob deleted meanwhile, but one the data directory lacks.
    const lost = run.missing.filter((blob) => missedBefore.has(blob));
    if (lost.length > 0) throw lostBlobs(lost, options.coldStorageDir === undefined);
    missedBefore = new Set(run.missing);
  }
  throw new BackupError(
    `blobs kept disappearing between the metadata's snapshot and their copy in ${ATTEMPTS} runs; try again when the lake is quieter`,
  );
}

function lostBlobs(blobs: readonly string[], noColdTier: boolean): BackupError {
  const named = blobs.slice(0, 3).join(', ');
  const more = blobs.length > 3 ? ` and ${blobs.length - 3} more` : '';
  return new BackupError(
    `blob ${named}${more}, named by the metadata, is not in the data directory${noColdTier ? ' (if it has a cold tier, give --cold-storage-dir)' : ''}; seawall check says what else is damaged`,
  );
}

/** One run: its manifest, or the blobs the snapshot names that were gone before they were copied. */
async function attemptSnapshot(
  data: ReturnType<typeof dataDirLayout>,
  tiers: readonly Tier[],
  target: RunTarget,
  id: string,
  metadataUrl: string | undefined,
): Promise<{ manifest: Manifest; recopied: Recopied } | { missing: string[] }> {
  const { store, catalog } = target;
  const held = (blob: string) => heldCopy(target, blob) !== undefined;
  const pins = await pinBlobs(tiers, id, held);
  let exported: MetadataSnapshot | undefined;
  let named: NamedBlobs | undefined;
  try {
    // The metadata's cut before audit.db's: every write the metadata holds has its record in the audit copy.
    // No trail delivery runs between the two, so the audit copy's checkpoints match the log files the metadata
    // has. PostgreSQL's cut is a snapshot a transaction exports, which pg_dump writes out after.
    const copies: [name: keyof Manifest['databases'], store: () => Promise<CopiedFile>][] = [];
    const resume = await pauseTrailDelivery(data.auditDb);
    try {
      if (metadataUrl !== undefined) exported = await exportMetadataSnapshot(metadataUrl);
      for (const name of DATABASES) {
        const source = join(data.root, name);
        // A metadata.db beside PostgreSQL metadata is a leftover, not the installation's.
        if ((name === 'metadata.db' && exported) || !(await exists(source))) continue;
        const scrub = name === 'audit.db' ? clearDeliveryLease : undefined;
        copies.push([
          name,
          await store.makeFile(snapshotFile(id, name), (target) => copyDatabase(source, target, scrub)),
        ]);
      }
    } finally {
      resume();
    }
    const snapshot = exported;
    if (snapshot) {
      // PostgreSQL's snapshot: the blobs it names are spooled, pg_dump writes it out (importing it as it starts),
      // and it is let go, so that no transaction stays open while the blobs are copied, holding back vacuum or
      // ended by the server's idle_in_transaction_session_timeout.
      named = await spoolNamedBlobs(snapshot, join(pins.scratch, '.named-blobs'));
      copies.push([
        METADATA_DUMP,
        await store.makeFile(snapshotFile(id, METADATA_DUMP), (target) => snapshot.dump(target)),
      ]);
      await snapshot.release();
    }
    const databases: Manifest['databases'] = {};
    for (const [name, stored] of copies) databases[name] = await stored();
    named ??= await copiedMetadataBlobs(store, id);
    // A database the server made, gone from the data directory since, is not left out as if never made.
    const lost = named.recorded.filter((name) => databases[name] === undefined);
    if (lost.length > 0) throw lostDatabases(lost);
    // What the snapshot names without a pin yet (written while the first pins were made), then the copies.
    await pins.pinNamed(named.ids(), held);
    const copied = await copyBlobs(named.ids(), target, pins, id);
    if ('missing' in copied) {
      await store.removeSnapshot(id);
      return copied;
    }
    const { recopied, ...blobs } = copied;
    const manifest: Manifest = { format: 1, id, createdAt: new Date().toISOString(), databases, blobs };
    // Recorded before the manifest is written: a snapshot the catalog says was finished, but without a
    // manifest, lost it afterwards (verify tells it from a run that was stopped).
    catalog.finish(id);
    await store.saveCatalog(catalog);
    await store.writeManifest(id, manifest);
    return { manifest, recopied };
  } catch (error) {
    // What failed is what to say; a snapshot left behind is removed by the next run.
    await store.removeSnapshot(id).catch(() => undefined);
    throw error;
  } finally {
    try {
      await exported?.release();
    } finally {
      try {
        await named?.close();
      } finally {
        await pins.release();
      }
    }
  }
}

function lostDatabases(names: readonly string[]): BackupError {
  return new BackupError(
    `${names.join(', ')}, which the metadata records that Seawall made, ${names.length > 1 ? 'are' : 'is'} not in the data directory (deleted or moved): a snapshot without ${names.length > 1 ? 'them' : 'it'} would restore an installation that lost its records; seawall check says what else is damaged. Restore ${names.length > 1 ? 'them' : 'it'} from a backup, ${acceptLossAdvice(names)}, then back up`,
  );
}

/**
 * The blob ids a snapshot names, to be read twice (to pin, then to copy), and the databases its metadata
 * records that the server made (data-dir-databases.ts).
 */
interface NamedBlobs {
  ids(): AsyncIterable<string>;
  readonly recorded: readonly ServedDatabase[];
  close(): Promise<void>;
}

/** What the metadata.db copy the backup holds names. */
async function copiedMetadataBlobs(store: BackupStore, id: string): Promise<NamedBlobs> {
  const copy = await store.localFile(snapshotFile(id, 'metadata.db'));
  if (!copy) throw new BackupError(`the snapshot's metadata.db is gone from ${store.where}`);
  const metadata = openMetadataReadOnly(copy);
  try {
    const recorded = await recordedDatabases(metadata.db);
    return { ids: () => referencedBlobs(metadata.db), recorded, close: () => metadata.close() };
  } catch (error) {
    await metadata.close();
    throw error;
  }
}

/** What PostgreSQL's exported snapshot names, spooled to the local `file` in one read of it. */
async function spoolNamedBlobs(exported: MetadataSnapshot, file: string): Promise<NamedBlobs> {
  const close = () => fs.rm(file, { force: true });
  let recorded: ServedDatabase[] = [];
  try {
    await exported.read(async (metadata) => {
      recorded = await recordedDatabases(metadata);
      const out = createWriteStream(file);
      try {
        for await (const blob of referencedBlobs(metadata))
          if (!out.write(`${blob}\n`)) await once(out, 'drain');
      } finally {
        out.end();
        await finished(out);
      }
    });
  } catch (error) {
    await close();
    throw error;
  }
  async function* ids(): AsyncIterable<string> {
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity }))
      if (line) yield line;
  }
  return { ids, recorded, close };
}

/**
 * A consistent copy of a live SQLite database: `VACUUM INTO` reads it in one transaction (in WAL mode the
 * server's writers go on meanwhile). The copy is switched to a rollback journal, so it opens read-only on its
 * own.
 */
async function copyDatabase(
  source: string,
  target: string,
  scrub?: (copy: BetterSqlite3.Database) => void,
): Promise<void> {
  const db = new BetterSqlite3(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('VACUUM INTO ?').run(target);
  } finally {
    db.close();
  }
  const copy = new BetterSqlite3(target, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    scrub?.(copy);
  } finally {
    copy.close();
  }
}

/**
 * Holds trail delivery off (a pass that is storing a file finishes it first), and answers what lets it go on.
 * See delivery-lease.ts.
 */
async function pauseTrailDelivery(auditDb: string): Promise<() => void> {
  if (!(await exists(auditDb))) return () => {};
  const db = new BetterSqlite3(auditDb, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const lease = openDeliveryLease(db);
    const deadline = Date.now() + TRAIL_PAUSE_WAIT_MS;
    while (!lease.take('backup', TRAIL_PAUSE_LEASE_MS)) {
      if (Date.now() > deadline)
        throw new BackupError(
          `trail delivery did not pause within ${TRAIL_PAUSE_WAIT_MS / 1000} s; try again, or stop the server`,
        );
      lease.wantForBackup(10_000);
      await delay(25);
    }
    return () => {
      try {
        lease.release('backup');
      } finally {
        db.close();
      }
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
