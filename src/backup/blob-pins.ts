import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { exists } from '../data-dir.js';
import { currentProcess } from '../data-dir-process.js';
import { BACKUP_PINS, blobIdsIn, blobPath, PIN_OWNER, pinRunState } from '../storage/index.js';
import { isMissing, makePrivateDir, writeDurably } from './backup-files.js';

/**
 * Pins keep the blobs a backup may copy from being removed under it. A running server deletes a blob's file as
 * soon as no version names it; a backup copies the blobs its snapshot of the metadata names, some time after
 * the snapshot. So before the snapshot, each blob file the backup does not hold yet gets a second name (a hard
 * link in `<tier root>/backup-pins/<run>/`), which outlives the server's delete; after the snapshot, what it
 * names that has no pin yet (written while the pins were made) is pinned too. A running server links each blob
 * it deletes into the directory of every live run first (blob-store.ts, backupKeeper), so a blob written and
 * deleted again before that reaches it is kept too; only a server of an earlier version, or a blob deleted by
 * another process (seawall check's repairs) could miss one, and then the run starts again.
 *
 * A pin directory names its owner; one whose process is gone (a backup that was killed) is removed by the
 * next backup.
 */
export interface BlobPins {
  /**
   * Pins what the snapshot names that has no pin yet: the blobs written while the pins were made, so that only
   * one written and deleted in the moments before this reaches it is missed.
   */
  pinNamed(ids: AsyncIterable<string>, held: (id: string) => boolean): Promise<void>;
  /** Where a blob's bytes can be read: its pin, else its file in either tier. */
  sources(id: string): string[];
  /**
   * The run's own directory on the data directory's disk (its pin directory of the first tier), for its
   * scratch files, under names no blob has (a dot first); removed with the pins.
   */
  readonly scratch: string;
  release(): Promise<void>;
}

/** A tier of a data directory: the root its `blobs/` directory is in. */
export type Tier = string;

function pinsDir(tier: Tier): string {
  return join(tier, BACKUP_PINS);
}

/** Removes the pin directories of backups that are no longer running. */
export async function removeStalePins(tiers: readonly Tier[]): Promise<void> {
  for (const tier of tiers) {
    let runs: string[];
    try {
      runs = await fs.readdir(pinsDir(tier));
    } catch (error) {
      if (isMissing(error)) continue;
      throw error;
    }
    for (const run of runs) {
      const dir = join(pinsDir(tier), run);
      // A directory without its owner yet may be a run that is naming it right now: given a minute.
      if ((await pinRunState(dir)) !== 'gone') continue;
      // Renamed out of the server's sight first (unless it already is): it may still link blobs into it.
      if (run.startsWith('.')) await fs.rm(dir, { recursive: true, force: true });
      else await unpin(dir);
    }
  }
}

/** Links a blob's file into a pin directory; false when the tier has no such file (deleted, or in another). */
async function pin(tier: Tier, dir: string, id: string): Promise<boolean> {
  try {
    await fs.link(blobPath(tier, id), join(dir, id));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return true;
    if (isMissing(error)) return false;
    throw error;
  }
}

/**
 * Removes a run's pin directory: first renamed out of the running server's sight (it skips dot-names), so a
 * blob the server links into it meanwhile does not make the removal fail on a directory no longer empty.
 */
async function unpin(dir: string): Promise<void> {
  const hidden = join(dirname(dir), `.${basename(dir)}`);
  try {
    await fs.rename(dir, hidden);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  await fs.rm(hidden, { recursive: true, force: true });
}

/**
 * A private directory for a run's own files (what a backup to S3 writes before it uploads them, and downloads)
 * on the data directory's disk rather than in the system's temporary directory, which may be small or in memory
 * while a metadata copy can be as large as the metadata: dot-named among the pin directories, so the server links
 * no blob into it, and named by its owner, so that one a killed backup left is removed by the next.
 */
export async function makeRunScratch(tier: Tier): Promise<{ dir: string; release(): Promise<void> }> {
  await makePrivateDir(pinsDir(tier));
  const dir = await fs.mkdtemp(join(pinsDir(tier), '.scratch-'));
  try {
    await writeDurably(join(dir, PIN_OWNER), (write) => write(Buffer.from(JSON.stringify(currentProcess()))));
  } catch (error) {
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, release: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** Pins every blob file of the tiers that `held` says the backup does not hold yet. */
export async function pinBlobs(
  tiers: readonly Tier[],
  run: string,
  held: (id: string) => boolean,
): Promise<BlobPins> {
  const dirs = tiers.map((tier) => join(pinsDir(tier), run));
  try {
    for (const [i, tier] of tiers.entries()) {
      const dir = dirs[i] as string;
      await writeDurably(join(dir, PIN_OWNER), (write) =>
        write(Buffer.from(JSON.stringify(currentProcess()))),
      );
      if (!(await exists(join(tier, 'blobs')))) continue;
      for await (const id of blobIdsIn(join(tier, 'blobs'))) if (!held(id)) await pin(tier, dir, id);
    }
  } catch (error) {
    await Promise.all(dirs.map(unpin));
    throw error;
  }
  return {
    async pinNamed(ids, held) {
      for await (const id of ids) {
        if (held(id)) continue;
        for (const [i, tier] of tiers.entries()) if (await pin(tier, dirs[i] as string, id)) break;
      }
    },
    sources: (id) => [...dirs.map((dir) => join(dir, id)), ...tiers.map((tier) => blobPath(tier, id))],
    scratch: dirs[0] as string,
    async release() {
      await Promise.all(dirs.map(unpin));
    },
  };
}
