import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { MultipartObjectTable, MultipartPartTable, MultipartUploadTable } from '../db/schema.js';

export type UploadRow = MultipartUploadTable;
export type PartRow = MultipartPartTable;
export type CompletedRow = MultipartObjectTable;

/** Persistence of multipart uploads in progress and their parts. */
export interface MultipartStore {
  insertUpload(row: UploadRow): Promise<void>;
  findUpload(uploadId: string): Promise<UploadRow | undefined>;
  /**
   * The bucket's uploads in (key, upload id) order, from `prefix`, after the given key and upload id (after
   * the key itself when no upload id is given).
   */
  listUploads(
    bucket: string,
    prefix: string,
    afterKey: string,
    afterUpload: string | undefined,
    limit: number,
  ): Promise<UploadRow[]>;
  /** Records a part, returning the blob of the part it replaced (the same part number uploaded again). */
  putPart(row: PartRow): Promise<string | undefined>;
  /** The upload's parts numbered above `after`, in order, at most `limit`. */
  listParts(uploadId: string, after: number, limit: number): Promise<PartRow[]>;
  allParts(uploadId: string): Promise<PartRow[]>;
  /** Forgets an upload and its parts; answers the blobs they held (undefined when there was no such upload). */
  deleteUpload(uploadId: string): Promise<string[] | undefined>;
  /** Records what a completion made, before the object is committed. */
  insertCompleted(row: CompletedRow): Promise<void>;
  /** What the upload made, if it was completed and its object's blob is still kept. */
  findCompletedUpload(uploadId: string): Promise<CompletedRow | undefined>;
  /** What made the object whose blob this is, when a multipart upload did. */
  findCompletedBlob(blobId: string): Promise<CompletedRow | undefined>;
  /** Forgets what made this blob's object (the blob is being deleted). */
  deleteCompleted(blobId: string): Promise<void>;
}

export function createMultipartStore(db: Kysely<Database>): MultipartStore {
  return {
    async insertUpload(row: UploadRow): Promise<void> {
      await db.insertInto('multipart_uploads').values(row).execute();
    },
    findUpload: (uploadId: string) =>
      db.selectFrom('multipart_uploads').selectAll().where('upload_id', '=', uploadId).executeTakeFirst(),
    listUploads: (
      bucket: string,
      prefix: string,
      afterKey: string,
      afterUpload: string | undefined,
      limit: number,
    ) =>
      db
        .selectFrom('multipart_uploads')
        .selectAll()
        .where('bucket', '=', bucket)
        .where('key', '>=', prefix)
        .where((eb) =>
          afterUpload === undefined
            ? eb('key', '>', afterKey)
            : eb.or([
                eb('key', '>', afterKey),
                eb.and([eb('key', '=', afterKey), eb('upload_id', '>', afterUpload)]),
              ]),
        )
        .orderBy('key')
        .orderBy('upload_id')
        .limit(limit)
        .execute(),

    async putPart(row: PartRow): Promise<string | undefined> {
      return db.transaction().execute(async (trx) => {
        const upload = await trx
          .selectFrom('multipart_uploads')
          .select('upload_id')
          .where('upload_id', '=', row.upload_id)
          .executeTakeFirst();
        if (!upload) return Promise.reject(new UploadVanished(row.upload_id));
        const current = await trx
          .deleteFrom('multipart_parts')
          .where('upload_id', '=', row.upload_id)
          .where('part_number', '=', row.part_number)
          .returning('blob_id')
          .executeTakeFirst();
        await trx.insertInto('multipart_parts').values(row).execute();
        return current?.blob_id;
      });
    },
    listParts: (uploadId: string, after: number, limit: number) =>
      db
        .selectFrom('multipart_parts')
        .selectAll()
        .where('upload_id', '=', uploadId)
        .where('part_number', '>', after)
        .orderBy('part_number')
        .limit(limit)
        .execute(),
    allParts: (uploadId: string) =>
      db
        .selectFrom('multipart_parts')
        .selectAll()
        .where('upload_id', '=', uploadId)
        .orderBy('part_number')
        .execute(),

    deleteUpload: (uploadId: string) => db.transaction().execute((trx) => endUpload(trx, uploadId)),

    async insertCompleted(row: CompletedRow): Promise<void> {
      await db.insertInto('multipart_objects').values(row).execute();
    },
    findCompletedUpload: (uploadId: string) =>
      db.selectFrom('multipart_objects').selectAll().where('upload_id', '=', uploadId).executeTakeFirst(),
    findCompletedBlob: (blobId: string) =>
      db.selectFrom('multipart_objects').selectAll().where('blob_id', '=', blobId).executeTakeFirst(),
    async deleteCompleted(blobId: string): Promise<void> {
      await db.deleteFrom('multipart_objects').where('blob_id', '=', blobId).execute();
    },
  };
}

/** The upload was completed or aborted while a part was being written. */
export class UploadVanished extends Error {
  constructor(readonly uploadId: string) {
    super(`upload ${uploadId} no longer exists`);
  }
}

/**
 * Removes an upload and its parts inside `trx` (an abort's, or the transaction that stores the object a
 * completion made); answers the parts' blobs, to delete once committed, or undefined when the upload was gone.
 */
export async function endUpload(trx: Transaction<Database>, uploadId: string): Promise<string[] | undefined> {
  const upload = await trx
    .deleteFrom('multipart_uploads')
    .where('upload_id', '=', uploadId)
    .executeTakeFirst();
  if (Number(upload.numDeletedRows) !== 1) return undefined;
  const parts = await trx
    .deleteFrom('multipart_parts')
    .where('upload_id', '=', uploadId)
    .returning('blob_id')
    .execute();
  return parts.map((p) => p.blob_id);
}
