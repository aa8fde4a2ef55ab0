import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import { openBlobFile } from './blob-store.js';
import { type BlobTiers, locateBlob, storedSize } from './blob-verify.js';
import { type ObjectKeyring, parseStoredEncryption } from './object-encryption.js';
import { storageClassOf } from './storage-class.js';

/**
 * A bucket's current objects read straight from the metadata and the blob files, without a server: how the
 * offline check reads a trail's digests and log files. Small files only: each is read whole.
 */
export interface OfflineBucket {
  /** The current objects under `prefix`, in key order, with when they were written (ms). */
  list(prefix: string): AsyncIterable<{ key: string; lastModified: number }>;
  /**
   * The current object's content and user metadata, undefined when there is none (or a delete marker); throws
   * when its bytes cannot be read (what is wrong with them the object check reports).
   */
  get(key: string): Promise<{ body: Uint8Array; metadata: Record<string, string> } | undefined>;
}

/** Files larger than this are not read whole: digests and log files are far smaller. */
const MAX_BYTES = 256 * 1024 * 1024;
const PAGE = 500;

export function offlineBucket(
  deps: { db: Kysely<Database>; keys: Pick<ObjectKeyring, 'open'>; tiers: BlobTiers },
  bucket: string,
): OfflineBucket {
  const { db } = deps;
  return {
    async *list(prefix) {
      let after: string | undefined;
      for (;;) {
        let query = db
          .selectFrom('object_versions')
          .select(['key', 'last_modified'])
          .where('bucket', '=', bucket)
          .where('is_latest', '=', 1)
          .where('delete_marker', '=', 0)
          .where(sql<string>`substr(${sql.ref('key')}, 1, ${prefix.length})`, '=', prefix);
        if (after !== undefined) query = query.where('key', '>', after);
        const rows = await query.orderBy('key').limit(PAGE).execute();
        for (const row of rows) yield { key: row.key, lastModified: row.last_modified };
        const last = rows.at(-1);
        if (!last || rows.length < PAGE) return;
        after = last.key;
      }
    },

    async get(key) {
      const row = await db
        .selectFrom('object_versions')
        .selectAll()
        .where('bucket', '=', bucket)
        .where('key', '=', key)
        .where('is_latest', '=', 1)
        .executeTakeFirst();
      if (!row || row.delete_marker === 1 || row.blob_id === null) return undefined;
      if (row.size > MAX_BYTES) throw new Error(`s3://${bucket}/${key} is too large to read whole`);
      const found = await locateBlob(deps.tiers, row.blob_id, storageClassOf(row.attributes));
      if ('missing' in found) throw new Error(found.missing);
      const encryption = parseStoredEncryption(row.encryption);
      if (found.size !== storedSize(row.size, encryption))
        throw new Error(`blob ${deps.tiers.display(found.path)} is not the size its content is stored in`);
      const dataKey = await deps.keys.open(encryption, { bucket, key, accountId: '' });
      const chunks: Buffer[] = [];
      for await (const chunk of await openBlobFile(
        found.path,
        { id: row.blob_id, size: row.size, key: dataKey },
        0,
        row.size,
      ))
        chunks.push(chunk as Buffer);
      const metadata = (JSON.parse(row.metadata) as { user?: Record<string, string> }).user ?? {};
      return { body: Buffer.concat(chunks), metadata };
    },
  };
}
