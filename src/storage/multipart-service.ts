import { AppError, badRequest } from '../errors.js';
import type { ChecksumType } from '../lib/checksums.js';
import type { Clock } from '../lib/clock.js';
import { hashWorkers } from '../lib/hash-workers.js';
import { blobId } from '../lib/ids.js';
import type { BlobStore } from './blob-store.js';
import { checksummedBody, etagHidesMd5, etagOf, multipartEtag, writeVerifiedBlob } from './blob-writer.js';
import { assertObjectKey, checkMetadataSize } from './bucket-names.js';
import {
  type CompletionClaims,
  checkCompleteType,
  checkListedChecksum,
  invalidPart,
  type ListedPart,
  type ObjectChecksumPlan,
  objectChecksumMismatch,
  partDigests,
  planObjectChecksum,
  type UploadChecksum,
  uploadChecksumOf,
} from './multipart-checksums.js';
import { listUploadsPage, type UploadsPage, type UploadsRequest } from './multipart-listing.js';
import { completedRow, objectPartsOf } from './multipart-objects.js';
import { type MultipartStore, type PartRow, type UploadRow, UploadVanished } from './multipart-store.js';
import type { ChangeOrigin, ObjectCause } from './notifications.js';
import {
  type EncryptionRequest,
  expectUploadKey,
  type KeyAccess,
  type ObjectEncryption,
  parseStoredEncryption,
} from './object-encryption.js';
import type { VersionLock } from './object-lock.js';
import { replicaIdTaken } from './replication.js';
import { malformedXml } from './s3-wire.js';
import { newAttributes } from './storage-class.js';
import type { NewObject } from './storage-service.js';
import type { ObjectRow } from './storage-store.js';
import type {
  CompletedUpload,
  CompletionAnswer,
  MultipartService,
  PartsPage,
  UploadedPart,
  UploadPartInput,
} from './storage-types.js';
import { newVersionId, type Versioning } from './versioning.js';
import { judgeWriteConditions, type WriteConditions } from './write-conditions.js';

/** What CreateMultipartUpload fixes about the object to be. */
export interface UploadSettings {
  contentType: string;
  userMetadata: Record<string, string>;
  headers: Record<string, string>;
  /** The Object Lock retention and legal hold CreateMultipartUpload asked for. */
  lock?: VersionLock;
  /** The object's tag set (x-amz-tagging), as the version row stores it. */
  tags?: string | null;
  /** The new object's ACL (stored JSON, see acl.ts), where the upload's request set one. */
  acl?: string;
  /** The cold tier's class, where the upload asked for it (x-amz-storage-class). */
  storageClass?: string;
  /** A replica's upload: the source version's id, which the object it makes keeps (replication.ts). */
  replicaOf?: string;
  /** A replica's upload: the source version's creation time (ms), which the object it makes keeps. */
  replicaLastModified?: number;
}

/** Who created an upload, as S3 names its Initiator. */
export interface UploadInitiator {
  ID: string;
  DisplayName: string;
}

/** A multipart object's checksum, as it is stored and answered. */
export interface ObjectChecksum {
  algorithm: string;
  value: string;
  type: ChecksumType;
}

export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** SSE-C uploads in progress whose data key is kept for their completion (see customerKeyed). */
const MAX_REMEMBERED_KEYS = 10_000;

function noSuchUpload(uploadId: string): AppError {
  return new AppError(
    'NoSuchUpload',
    404,
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    {
      fields: { UploadId: uploadId.slice(0, 256) },
    },
  );
}

function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
    throw badRequest('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
      ArgumentName: 'partNumber',
      // S3 names the number sent; a value that is no number at all reaches here as NaN, and is not echoed.
      ...(Number.isInteger(partNumber) ? { ArgumentValue: String(partNumber) } : {}),
    });
  }
}

/** A completion's non-last part under 5 MiB, named with its ETag and size as S3 names it. */
function entityTooSmall(part: PartRow): AppError {
  return badRequest('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
    ProposedSize: String(part.size),
    MinSizeAllowed: String(MIN_PART_BYTES),
    PartNumber: String(part.part_number),
    ETag: part.etag.replace(/"/g, ''),
  });
}

export function createMultipartService(deps: {
  store: MultipartStore;
  blobs: BlobStore;
  clock: Clock;
  requireBucket(name: string): Promise<unknown>;
  commitObject(
    row: NewObject,
    guard: ((current: ObjectRow | undefined) => void) | undefined,
    cause: ObjectCause,
    /**
     * The upload the write completes, ended in the write's own transaction; a replica's source version; the
     * version an answer already named (its id, none where the bucket kept no versions), asked at the commit.
     */
    write: {
      completes: string;
      replicaOf?: string | undefined;
      promised: () => { versionId?: string } | undefined;
    },
  ): Promise<{ versionId?: string | undefined }>;
  /** The object a completion would replace, which its conditions are first judged against. */
  currentObject(bucket: string, key: string): Promise<ObjectRow | undefined>;
  versioningOf(bucket: string): Promise<Versioning | undefined>;
  /** The version a replica's earlier completion made (its answer was lost), which a retry answers again. */
  replicaMade(
    bucket: string,
    key: string,
    replicaOf: string,
  ): Promise<{ etag: string; encryption: string | null; versionId: string } | undefined>;
  /** The version whose bytes are a completion's blob, while it is kept: what answering the completion again names. */
  blobVersion(blobId: string): Promise<{ versionId: string; encryption: string | null } | undefined>;
  /** Deletes a part's (or an unfinished join's) blob; no object refers to it, so nothing else is forgotten. */
  deleteBlob(id: string | undefined): Promise<void>;
  /** A fresh data key for an object (here, an upload's) at `bucket`/`key`, as the storage service makes one. */
  newDataKey(
    bucket: string,
    key: string,
    asked: EncryptionRequest | undefined,
    keyAccess: KeyAccess | undefined,
  ): Promise<{ dataKey: Buffer; encryption: ObjectEncryption }>;
  /** The data key of an upload. */
  openDataKey(
    encryption: ObjectEncryption,
    bucket: string,
    key: string,
    keyAccess: KeyAccess | undefined,
  ): Promise<Buffer>;
}): MultipartService {
  const { store, blobs, clock } = deps;
  /**
   * The data keys of SSE-C uploads whose parts are arriving, by upload id: S3 takes no SSE-C key on
   * CompleteMultipartUpload (the aws cli sends none), and Seawall's completion joins the parts, which needs the
   * key. Kept in memory only (never stored: the customer's key is the only durable way to it), while the upload
   * is in progress; after a restart the completion needs the key again. Bounded, oldest dropped first.
   */
  const customerKeyed = new Map<string, Buffer>();
  const rememberCustomerKey = (uploadId: string, dataKey: Buffer) => {
    customerKeyed.delete(uploadId);
    customerKeyed.set(uploadId, dataKey);
    if (customerKeyed.size > MAX_REMEMBERED_KEYS)
      customerKeyed.delete(customerKeyed.keys().next().value as string);
  };

  async function requireUpload(uploadId: string, bucket: string, key: string): Promise<UploadRow> {
    const upload = await store.findUpload(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      await deps.requireBucket(bucket);
      throw noSuchUpload(uploadId);
    }
    return upload;
  }

  /**
   * A completion of an upload that is no longer in progress: S3 answers again what the completion that
   * finished it answered (its ETag and checksum, the version it made and how that is encrypted), while the
   * object it made is kept; otherwise there is no such upload.
   */
  async function completedBefore(uploadId: string, bucket: string, key: string): Promise<CompletedUpload> {
    const done = await store.findCompletedUpload(uploadId);
    // The version it made, unless deleted meanwhile (its record then goes with its blob).
    const made = done && (await deps.blobVersion(done.blob_id));
    if (!done || !made || done.bucket !== bucket || done.key !== key) {
      await deps.requireBucket(bucket);
      throw noSuchUpload(uploadId);
    }
    const { checksum_algorithm: algorithm, checksum_value: value, checksum_type: type } = done;
    return {
      etag: done.etag,
      ...(algorithm && value && type ? { checksum: { algorithm, value, type } } : {}),
      ...versionAnswer(made),
    };
  }

  /**
   * What a completion answers of the version it made, read back from that version: how it is encrypted, and its
   * id where the completion named it (by default, where the bucket kept versions and so gave it an id of its own).
   */
  function versionAnswer(
    version: { versionId: string; encryption: string | null },
    named = version.versionId !== 'null',
  ) {
    const encryption = parseStoredEncryption(version.encryption);
    return { ...(encryption ? { encryption } : {}), ...(named ? { versionId: version.versionId } : {}) };
  }

  /** The parts' bytes in order, read one part at a time. */
  async function* concatenated(parts: PartRow[], key: Buffer | null): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      if (part.size === 0) continue;
      for await (const chunk of await blobs.open({ id: part.blob_id, size: part.size, key }, 0, part.size))
        yield chunk as Uint8Array;
    }
  }

  /**
   * Copies the parts into one new blob, computing the object's checksum over the bytes where it is a
   * FULL_OBJECT one (and checking it against the value the completion sent). A mismatch leaves no blob.
   */
  async function joinParts(
    parts: PartRow[],
    plan: ObjectChecksumPlan,
    keys: { parts: Buffer | null; object: Buffer },
  ): Promise<{ blob: { id: string; size: number }; checksum?: ObjectChecksum }> {
    if (plan.kind !== 'full') {
      const blob = await blobs.put(concatenated(parts, keys.parts), keys.object);
      return { blob, checksum: { algorithm: plan.algorithm, value: plan.value, type: 'COMPOSITE' } };
    }
    // A CRC-64/NVME (every upload's default) on a hash worker, as a PUT's.
    const full = checksummedBody(concatenated(parts, keys.parts), hashWorkers, plan.algorithm);
    const blob = await blobs.put(full.bytes, keys.object).catch((error: unknown) => {
      full.abandon();
      throw error;
    });
    const value = await full.digest();
    if (plan.expected !== undefined && plan.expected !== value) {
      await deps.deleteBlob(blob.id);
      throw objectChecksumMismatch(plan.algorithm);
    }
    return { blob, checksum: { algorithm: plan.algorithm, value, type: 'FULL_OBJECT' } };
  }

  /** The listed parts, checked as S3 checks them: ascending, uploaded, ETags and checksums matching. */
  async function listedParts(
    upload: UploadRow,
    checksum: UploadChecksum | undefined,
    listed: ListedPart[],
  ): Promise<PartRow[]> {
    const uploaded = new Map((await store.allParts(upload.upload_id)).map((p) => [p.part_number, p]));
    const parts: PartRow[] = [];
    for (const [i, item] of listed.entries()) {
      if (i > 0 && item.partNumber <= (listed[i - 1]?.partNumber ?? 0)) {
        throw badRequest(
          'InvalidPartOrder',
          // S3's words today (its documentation still has older ones: "The parts list must be specified…").
          'The list of parts was not in ascending order. Parts must be ordered by part number.',
        );
      }
      const part = uploaded.get(item.partNumber);
      if (!part || part.etag.replace(/"/g, '') !== item.etag.replace(/"/g, ''))
        throw invalidPart(upload.upload_id, item.partNumber, item.etag);
      checkListedChecksum(checksum, upload.upload_id, item, part);
      parts.push(part);
    }
    const tooSmall = parts.slice(0, -1).find((part) => part.size < MIN_PART_BYTES);
    if (tooSmall) throw entityTooSmall(tooSmall);
    return parts;
  }

  /** x-amz-mp-object-size, where the completion sends it: the size of the object the listed parts make. */
  function checkClaimedSize(claimed: number | undefined, parts: readonly PartRow[]): void {
    if (claimed === undefined) return;
    const size = parts.reduce((sum, part) => sum + part.size, 0);
    if (size !== claimed)
      throw badRequest(
        'InvalidRequest',
        `The provided 'x-amz-mp-object-size' header value ${claimed} does not match what was computed: ${size}`,
      );
  }

  /** Ends an upload without an object: its parts' blobs go. */
  async function endUpload(uploadId: string): Promise<void> {
    customerKeyed.delete(uploadId);
    for (const id of (await store.deleteUpload(uploadId)) ?? []) await deps.deleteBlob(id);
  }

  async function completeUpload(
    uploadId: string,
    bucket: string,
    key: string,
    listed: ListedPart[],
    sent: CompletionClaims = {},
    conditions?: WriteConditions,
    origin?: ChangeOrigin,
    keyAccess?: KeyAccess,
    answer?: CompletionAnswer,
  ): Promise<CompletedUpload> {
    const found = await store.findUpload(uploadId);
    if (!found || found.bucket !== bucket || found.key !== key) return completedBefore(uploadId, bucket, key);
    const upload = found;
    if (listed.length === 0) throw malformedXml();
    const checksum = uploadChecksumOf(upload);
    checkCompleteType(checksum, sent.type);
    const settings = JSON.parse(upload.settings) as UploadSettings;
    const made = settings.replicaOf && (await deps.replicaMade(bucket, key, settings.replicaOf));
    if (made) {
      // A replica completed before (a delivery whose answer was lost): no second version; the upload ends.
      // Sent again, it has the same parts, so the same ETag; another object under its id is refused.
      const again = multipartEtag((await listedParts(upload, checksum, listed)).map((p) => p.etag));
      if (again !== made.etag) throw replicaIdTaken(settings.replicaOf as string, 'another object');
      await endUpload(uploadId);
      // A replica's version is named whatever its id: its bucket keeps versions, as a replica's must.
      return { etag: made.etag, ...versionAnswer(made, true) };
    }
    const parts = await listedParts(upload, checksum, listed);
    checkClaimedSize(sent.size, parts);
    const plan = planObjectChecksum(checksum, sent, parts);
    // Judged before the parts are joined, then again at the commit.
    const guard = await judgeWriteConditions(conditions, () => deps.currentObject(bucket, key));
    // An upload begun before objects were encrypted has plaintext parts: its object gets a key of its own.
    const stored = parseStoredEncryption(upload.encryption);
    const remembered =
      stored?.customerKeyMd5 !== undefined && !keyAccess?.customerKey
        ? customerKeyed.get(uploadId)
        : undefined;
    const partsKey = stored ? (remembered ?? (await deps.openDataKey(stored, bucket, key, keyAccess))) : null;
    const sealing =
      stored && partsKey
        ? { dataKey: partsKey, encryption: stored }
        : await deps.newDataKey(bucket, key, undefined, keyAccess);
    // The version it will make is chosen now, so that an answer begun before the join can name it.
    const versionId =
      (await deps.versioningOf(bucket)) === 'Enabled' ? (settings.replicaOf ?? newVersionId()) : undefined;
    const promised = versionId === undefined ? {} : { versionId };
    await answer?.joining({ ...promised, encryption: sealing.encryption });
    let joined: Awaited<ReturnType<typeof joinParts>>;
    try {
      joined = await joinParts(parts, plan, { parts: partsKey, object: sealing.dataKey });
    } catch (error) {
      // The parts went with a completion or an abort that ended the upload meanwhile.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !(await store.findUpload(uploadId)))
        return completedBefore(uploadId, bucket, key);
      throw error;
    }
    const { blob } = joined;
    const etag = multipartEtag(parts.map((p) => p.etag));
    const completed = { blobId: blob.id, uploadId, bucket, key, etag, parts, upload: checksum };
    await store.insertCompleted(
      completedRow({ ...completed, ...(joined.checksum ? { checksum: joined.checksum } : {}) }),
    );
    // A commit that fails discards the joined blob, and what was recorded of it with the blob; one that lost
    // the upload to another completion (or an abort) answers as a completion of an ended upload does.
    const committed = await deps
      .commitObject(
        {
          bucket,
          key,
          blob_id: blob.id,
          size: blob.size,
          etag,
          content_type: settings.contentType,
          metadata: JSON.stringify({ user: settings.userMetadata, headers: settings.headers }),
          checksum_algorithm: joined.checksum?.algorithm ?? null,
          checksum_value: joined.checksum?.value ?? null,
          checksum_type: joined.checksum?.type ?? null,
          last_modified:
            (settings.replicaOf !== undefined && settings.replicaLastModified) || clock.now().getTime(),
          attributes: newAttributes(settings.lock, settings.storageClass),
          ...(settings.tags ? { tags: settings.tags } : {}),
          ...(settings.acl !== undefined ? { acl: settings.acl } : {}),
          encryption: JSON.stringify(sealing.encryption),
        },
        guard,
        { event: 'ObjectCreated:CompleteMultipartUpload', origin },
        {
          completes: uploadId,
          replicaOf: settings.replicaOf,
          promised: () => (answer?.bound() ? promised : undefined),
        },
      )
      .catch((error: unknown) => {
        if (error instanceof UploadVanished) return undefined;
        throw error;
      });
    if (!committed) return completedBefore(uploadId, bucket, key);
    customerKeyed.delete(uploadId);
    return {
      etag,
      encryption: sealing.encryption,
      ...(joined.checksum ? { checksum: joined.checksum } : {}),
      ...(committed.versionId !== undefined ? { versionId: committed.versionId } : {}),
    };
  }

  /**
   * The completions of an upload under way, by upload id: a completion sent while another of the same upload runs
   * (a client that gave up waiting and sent it again) waits for it rather than join every part a second time
   * beside it (a second copy of the object on disk, and its time again); then it answers as a completion of an
   * ended upload does, or, if that one failed, completes with what it was sent. Another process of a shared
   * metadata database still races, and the commit decides.
   */
  const completing = new Map<string, Promise<unknown>>();
  async function inTurn<T>(uploadId: string, run: () => Promise<T>): Promise<T> {
    const before = completing.get(uploadId);
    const mine = (before ? before.catch(() => undefined) : Promise.resolve()).then(run);
    completing.set(uploadId, mine);
    try {
      return await mine;
    } finally {
      if (completing.get(uploadId) === mine) completing.delete(uploadId);
    }
  }

  return {
    async createUpload(
      bucket: string,
      key: string,
      settings: UploadSettings,
      checksum: UploadChecksum | undefined,
      initiator?: UploadInitiator,
      asked: { request?: EncryptionRequest; keyAccess?: KeyAccess } = {},
    ) {
      assertObjectKey(key);
      checkMetadataSize(settings.userMetadata);
      // The data key of every part and of the object, made (and its KMS key checked) when the upload begins;
      // NoSuchBucket without the bucket.
      let { encryption } = await deps.newDataKey(bucket, key, asked.request, asked.keyAccess);
      // A replica sent again in parts (its first completion's answer was lost) is sealed under the data key of
      // the replica made the first time, where its parts' ETags are keyed by it: so the same parts make the same
      // ETag, and the completion can tell the same replica from another object under its id.
      const made = settings.replicaOf && (await deps.replicaMade(bucket, key, settings.replicaOf));
      const madeEncryption = made ? parseStoredEncryption(made.encryption) : undefined;
      if (madeEncryption && etagHidesMd5(madeEncryption) && madeEncryption.customerKeyMd5 === undefined)
        encryption = madeEncryption;
      // Upload ids sort by initiation time, the order S3 lists a key's uploads in.
      const initiated = clock.now().getTime();
      const uploadId = `${initiated.toString(16).padStart(12, '0')}${blobId()}${blobId().slice(12)}`;
      await store.insertUpload({
        upload_id: uploadId,
        bucket,
        key,
        settings: JSON.stringify(settings),
        initiated_at: initiated,
        checksum_algorithm: checksum?.algorithm ?? null,
        checksum_type: checksum?.type ?? null,
        initiator: initiator ? JSON.stringify(initiator) : null,
        encryption: JSON.stringify(encryption),
      });
      return { uploadId, encryption, initiated };
    },

    async uploadPart(input: UploadPartInput): Promise<UploadedPart> {
      checkPartNumber(input.partNumber);
      const upload = await requireUpload(input.uploadId, input.bucket, input.key);
      const checksum = uploadChecksumOf(upload);
      // A copied part (UploadPartCopy) comes with no checksum: it gets the one the upload computes.
      const digests = input.copied
        ? checksum
          ? { checksum: { algorithm: checksum.algorithm } }
          : {}
        : partDigests(checksum, input.digests);
      const encryption = parseStoredEncryption(upload.encryption);
      if (!encryption)
        throw badRequest(
          'InvalidRequest',
          'This upload was started before Seawall encrypted objects at rest; abort it and upload again.',
        );
      expectUploadKey(encryption, input.keyAccess);
      const dataKey = await deps.openDataKey(encryption, input.bucket, input.key, input.keyAccess);
      if (encryption.customerKeyMd5 !== undefined) rememberCustomerKey(input.uploadId, dataKey);
      const blob = await writeVerifiedBlob(blobs, input.body, digests, dataKey);
      const etag = etagOf(blob.md5Hex, encryption, dataKey);
      try {
        const replaced = await store.putPart({
          upload_id: input.uploadId,
          part_number: input.partNumber,
          blob_id: blob.id,
          size: blob.size,
          etag,
          last_modified: clock.now().getTime(),
          checksum_algorithm: blob.checksum?.algorithm ?? null,
          checksum_value: blob.checksum?.value ?? null,
        });
        await deps.deleteBlob(replaced);
      } catch (error) {
        await deps.deleteBlob(blob.id);
        if (error instanceof UploadVanished) throw noSuchUpload(input.uploadId);
        throw error;
      }
      // A checksum Seawall computed unasked (a FULL_OBJECT upload's part sent without one) is not answered.
      return {
        etag,
        ...(blob.checksum && (input.digests.checksum || input.copied) ? { checksum: blob.checksum } : {}),
        encryption,
      };
    },

    complete: (uploadId: string, ...rest) => inTurn(uploadId, () => completeUpload(uploadId, ...rest)),

    async objectParts(blobId: string) {
      const row = await store.findCompletedBlob(blobId);
      return row ? objectPartsOf(row) : undefined;
    },

    forgetObject: (blobId: string) => store.deleteCompleted(blobId),

    async abort(uploadId: string, bucket: string, key: string): Promise<void> {
      await requireUpload(uploadId, bucket, key);
      await endUpload(uploadId);
    },

    async listParts(
      uploadId: string,
      bucket: string,
      key: string,
      after: number,
      max: number,
    ): Promise<PartsPage> {
      const upload = await requireUpload(uploadId, bucket, key);
      const parts = await store.listParts(uploadId, after, max + 1);
      return { upload, parts: parts.slice(0, max), truncated: parts.length > max };
    },

    async listUploads(bucket: string, request: UploadsRequest): Promise<UploadsPage> {
      await deps.requireBucket(bucket);
      return listUploadsPage(store, bucket, request);
    },
  };
}
