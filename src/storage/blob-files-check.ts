import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { CheckReport } from '../lib/check-report.js';
import type { BlobTiers } from './blob-verify.js';
import { referencedAmong } from './storage-store.js';

/**
 * The offline check's walk of a tier's blob files (`seawall check`): each must be a blob some object version or
 * uploaded part names. What no row names is an orphan (the start-up sweep removes them); what is not named as
 * a blob is a stray file.
 */

const PAGE = 200;
const ID = /^[0-9a-f]{32}$/;

async function entries(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Every file in a tier's blob directory that no row names (an orphan), and anything there that is not a blob. */
export async function checkBlobFiles(
  root: string,
  deps: { db: Kysely<Database>; tiers: BlobTiers; report: CheckReport },
): Promise<void> {
  const { report, tiers } = deps;
  const blobs = join(root, 'blobs');
  let batch: string[] = [];
  const flush = async () => {
    const named = await referencedAmong(deps.db, batch);
    for (const id of batch) {
      const path = tiers.display(join(blobs, id.slice(0, 2), id));
      if (named.has(id)) report.ok('blob file', path);
      else
        report.problem(
          `blob file ${path}`,
          'no object version or uploaded part names it (an orphan: a write cut short, or bytes whose row is gone; the next start removes it)',
        );
    }
    batch = [];
  };
  for (const shard of await entries(blobs)) {
    const dir = join(blobs, shard);
    const stat = await fs.lstat(dir);
    if (!stat.isDirectory() || !/^[0-9a-f]{2}$/.test(shard)) {
      report.problem(
        tiers.display(dir),
        'is not a blob or a shard of blobs (a stray file in the blob store)',
      );
      continue;
    }
    for (const name of await entries(dir)) {
      if (!ID.test(name) || name.slice(0, 2) !== shard) {
        report.problem(tiers.display(join(dir, name)), 'is not a blob (a stray file in the blob store)');
        continue;
      }
      batch.push(name);
      if (batch.length >= PAGE) await flush();
    }
  }
  if (batch.length > 0) await flush();
}
