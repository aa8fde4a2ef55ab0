import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Kysely } from 'kysely';
import type { Database, S3ReplicationOutboxTable } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import { statusOf } from '../lib/sdk-errors.js';

/** A multipart upload an attempt of a delivery started at its destination, which may be there still. */
export interface StartedUpload {
  id: string;
  /**
   * Its completion was sent and no answer came: it may still make the replica (a long join at the
   * destination), so it is aborted only once a later attempt has made the replica, never before.
   */
  completing?: true;
}

type Row = Pick<S3ReplicationOutboxTable, 'id' | 'bucket' | 'key' | 'version_id' | 'target'> & {
  uploads?: string | null;
};

/**
 * The multipart uploads a delivery's attempts started at the destination, kept with its outbox row (its
 * `uploads`): an attempt that fails aborts its upload, and where the destination did not answer (down, cut
 * off), the next attempt aborts it, so no attempt leaves its parts at the destination for good.
 */
export interface ReplicaUploads {
  /** Records an upload the attempt has started, or marks it completing. */
  started(row: Row, upload: StartedUpload): Promise<void>;
  /** Forgets an upload the destination completed: nothing of it is left there to abort. */
  completed(row: Row, uploadId: string): Promise<void>;
  /**
   * Gives up what is left (the delivery has given up): aborted where the destination answers, and each one it
   * did not end logged with its bucket and key, since no later attempt will come to abort it.
   */
  abandon(client: S3Client, row: Row, bucket: string): Promise<void>;
  /** Aborts an upload; forgotten once the destination has it ended, kept where it did not answer. */
  abort(client: S3Client, row: Row, bucket: string, uploadId: string): Promise<void>;
  /**
   * Aborts what earlier attempts left: those not completing before a new attempt (`all` false; a destination
   * that does not answer fails the attempt, which would otherwise leave another), all once the replica is made.
   */
  abortEarlier(client: S3Client, row: Row, bucket: string, all: boolean): Promise<void>;
}

export function createReplicaUploads(db: Kysely<Database>, logger: Logger): ReplicaUploads {
  const of = (row: Row): StartedUpload[] => (row.uploads ? (JSON.parse(row.uploads) as StartedUpload[]) : []);

  async function record(row: Row, uploads: readonly StartedUpload[]): Promise<void> {
    const stored = uploads.length > 0 ? JSON.stringify(uploads) : null;
    if (stored === (row.uploads ?? null)) return;
    await db.updateTable('s3_replication_outbox').set({ uploads: stored }).where('id', '=', row.id).execute();
    row.uploads = stored;
  }

  /** Sends the abort: true once the upload is ended (or the destination refuses to end it: left to its rules). */
  async function ended(client: S3Client, row: Row, Bucket: string, UploadId: string): Promise<boolean> {
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key: row.key, UploadId }));
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === undefined || status >= 500) return false;
      if ((error as Error).name !== 'NoSuchUpload')
        logger.warn(
          { err: error, bucket: row.bucket, versionId: row.version_id, target: row.target },
          "the destination refused to abort a replica's multipart upload: its lifecycle rules may end it",
        );
      return true;
    }
  }

  return {
    async started(row, upload) {
      await record(row, [...of(row).filter((known) => known.id !== upload.id), upload]);
    },

    async completed(row, uploadId) {
      await record(
        row,
        of(row).filter((known) => known.id !== uploadId),
      );
    },

    async abandon(client, row, bucket) {
      for (const upload of of(row))
        if (!(await ended(client, row, bucket, upload.id)))
          logger.warn(
            { bucket: row.bucket, versionId: row.version_id, target: row.target, uploadId: upload.id },
            `a replica's multipart upload is left at its destination (s3://${bucket}/${row.key}): the delivery gave up, and the destination did not answer its abort; its lifecycle rules (AbortIncompleteMultipartUpload) may end it`,
          );
    },

    async abort(client, row, bucket, uploadId) {
      if (await ended(client, row, bucket, uploadId))
        await record(
          row,
          of(row).filter((known) => known.id !== uploadId),
        );
    },

    async abortEarlier(client, row, bucket, all) {
      const left: StartedUpload[] = [];
      for (const upload of of(row))
        if ((upload.completing && !all) || !(await ended(client, row, bucket, upload.id))) left.push(upload);
      await record(row, left);
      if (!all && left.some((upload) => !upload.completing))
        throw new Error(
          `the destination did not answer the abort of an earlier attempt's multipart upload (s3://${bucket}/${row.key})`,
        );
    },
  };
}
