import type { Readable } from 'node:stream';
import type { ChecksumAlgorithm, ChecksumType } from '../lib/checksums.js';
import type { Clock } from '../lib/clock.js';
import type { AccountAccessService } from './account-access.js';
import type { EngineFiles } from './blob-store.js';
import type { BlobDigests } from './blob-writer.js';
import type { BucketAccess, BucketAccessService } from './bucket-access.js';
import type { BucketSettingName, BucketSettings } from './bucket-settings.js';
import type { LifecycleService, VersionIdentity } from './lifecycle-service.js';
import type { ListPage, ListRequest } from './listing.js';
import type { CompletionClaims, ListedPart, UploadChecksum } from './multipart-checksums.js';
import type { UploadsPage, UploadsRequest } from './multipart-listing.js';
import type { ObjectParts } from './multipart-objects.js';
import type { ObjectChecksum, UploadInitiator, UploadSettings } from './multipart-service.js';
import type { PartRow, UploadRow } from './multipart-store.js';
import type { ChangeOrigin, Notifications } from './notifications.js';
import type { EncryptionRequest, KeyAccess, ObjectEncryption } from './object-encryption.js';
import type { VersionLock } from './object-lock.js';
import type { ObjectLockService } from './object-lock-service.js';
import type { Replication } from './replication.js';
import type { BucketRow, ObjectSummary } from './storage-store.js';
import type { VersionListPage, VersionListRequest } from './version-listing.js';
import type { VersionedDelete, Versioning } from './versioning.js';
import type { WriteConditions } from './write-conditions.js';

/** The Content-Type S3 gives an object written without one. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/** What a caller declares about an object it writes. */
export interface PutObjectInput {
  bucket: string;
  key: string;
  body: AsyncIterable<Uint8Array>;
  contentType?: string;
  /** Base64 MD5 from Content-MD5, checked against the bytes. */
  contentMd5?: string;
  /** The checksum to compute and store; with `expected`, the value it must have. */
  checksum?: { algorithm: ChecksumAlgorithm; expected?: () => string | undefined };
  userMetadata: Record<string, string>;
  headers: Record<string, string>;
  /** `*`: write only if no object has the key. */
  ifNoneMatch?: string;
  /** Write only if the current object has this ETag (S3's conditional overwrite). */
  ifMatch?: string;
  /** The retention and legal hold the write asks for (Object Lock headers). */
  lock?: VersionLock;
  /** The new version's tag set (the `tags` column, see tagging.ts); none when absent. */
  tags?: string | null;
  /** The new version's ACL (stored JSON, see acl.ts), where the request set one. */
  acl?: string;
  /** The cold tier's class, to write the bytes there (x-amz-storage-class); STANDARD when absent. */
  storageClass?: string;
  /**
   * The bytes are ones Seawall has authenticated already (a copy of stored bytes, or a replica its own
   * replication read from a version): Object Lock needs no client digest of them.
   */
  storedBytes?: boolean;
  /** How the object is being made, for its event notification: Put unless said. */
  how?: 'Put' | 'Post' | 'Copy';
  /** Who is making it, for its event notification. */
  origin?: ChangeOrigin;
  /** The encryption the write asks for (its SSE headers); the bucket's default when absent. */
  encryption?: EncryptionRequest;
  /** The caller's KMS permission checks (see KeyAccess); absent for Seawall's own writes. */
  keyAccess?: KeyAccess;
  /** A replica's write: the source version's id, which the new version keeps (replication.ts). */
  replicaOf?: string;
  /** A replica's write: the source version's creation time (ms), which the new version keeps. */
  replicaLastModified?: number | undefined;
}

export interface StoredObject {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: Date;
  userMetadata: Record<string, string>;
  headers: Record<string, string>;
  checksum?: { algorithm: string; value: string; type: ChecksumType };
  blobId: string;
  /** The version's id; undefined for an object written to a bucket that never had versioning configured. */
  versionId?: string | undefined;
  /** The version's Object Lock retention and legal hold, where it has either. */
  lock?: VersionLock;
  /** The version's tag set, as stored (see tagging.ts); null when it has none. */
  tags?: string | null;
  /** The version's ACL, as stored (see acl.ts); null for the owner's full control. */
  acl?: string | null;
  /** STANDARD, or the cold tier's class once a lifecycle transition moved the bytes there. */
  storageClass: string;
  /** PENDING, COMPLETED or FAILED on a replicated version, REPLICA on a replica; absent otherwise. */
  replicationStatus?: string;
  /** How the version's data key is sealed; absent for bytes an earlier version of Seawall stored plain. */
  encryption?: ObjectEncryption;
}

/** A bucket to create, and whose it is. */
export interface BucketInput {
  name: string;
  accountId: string;
  region: string;
  /** Created with Object Lock enabled (x-amz-bucket-object-lock-enabled), which enables versioning. */
  objectLock?: boolean;
  /** Settings the bucket is made with (its Object Ownership and ACL), stored with it or not at all. */
  settings?: NewBucketSettings;
}

/** Settings a new bucket is made with, by name. */
export type NewBucketSettings = Readonly<Partial<Record<BucketSettingName, string>>>;

/** Inclusive byte offsets into an object. */
export interface ByteRange {
  start: number;
  end: number;
}

/** An object opened for reading: `body` holds the bytes of `range` when one was chosen, else all of them. */
export interface OpenedObject {
  object: StoredObject;
  range?: ByteRange;
  body: Readable;
}

/** An object to show the engine as a local file named `name`. */
export interface EngineFileEntry {
  bucket: string;
  key: string;
  name: string;
}

/**
 * S3's buckets and objects over the blob store; Object Lock's configuration, retention and legal hold as the
 * lock service (object-lock-service.ts) has them.
 */
export interface StorageService
  extends Pick<
    ObjectLockService,
    'getObjectLock' | 'putObjectLock' | 'putRetention' | 'putLegalHold' | 'getLock'
  > {
  /** The time objects are written at, and conditions judged by. */
  clock: Clock;
  multipart: MultipartService;
  /** Lifecycle configurations, the expiration they promise, and the scan that applies them. */
  lifecycle: LifecycleService;
  /** Bucket policies and public access blocks. */
  access: BucketAccessService;
  /** The buckets' configuration documents (versioning, CORS, lifecycle, tagging…). */
  settings: BucketSettings;
  /** Event notifications: the drafts changes store, their delivery, the in-process bus. */
  notifications: Notifications;
  /** Bucket replication: the drafts new versions store, their delivery to other endpoints, the statuses. */
  replication: Replication;
  /** The storage class of the cold tier that lifecycle transitions move bytes into; undefined without one. */
  coldStorageClass: string | undefined;
  /** Accounts' public access blocks (the S3 Control API). */
  accounts: AccountAccessService;
  /**
   * A bucket's policy and the public access block in force, the strictest of its own and its account's, from
   * memory once warm; undefined when there is no bucket.
   */
  bucketAccess(bucket: string): Promise<BucketAccess | undefined>;
  /** CreateBucket: BucketAlreadyOwnedByYou or BucketAlreadyExists when the name is taken. */
  createBucket(input: BucketInput): Promise<void>;
  /** Creates the bucket unless it exists already (for buckets Seawall itself writes into). */
  ensureBucket(input: BucketInput): Promise<void>;
  /** The bucket; NoSuchBucket when there is none. */
  headBucket(name: string): Promise<BucketRow>;
  listBuckets(accountId: string): Promise<BucketRow[]>;
  /** Deletes an empty bucket and its uploads in progress; BucketNotEmpty while it holds object versions. */
  deleteBucket(name: string): Promise<void>;
  putObject(input: PutObjectInput): Promise<StoredObject>;
  /** The stored ACL (null: the owner's full control) of the version a read would name, and that version. */
  getObjectAcl(
    bucket: string,
    key: string,
    versionId?: string,
  ): Promise<{ acl: string | null; versionId: string | undefined }>;
  /** Replaces the ACL of the version named (or the current one); answers that version's id. */
  putObjectAcl(
    bucket: string,
    key: string,
    versionId: string | undefined,
    acl: string,
    origin?: ChangeOrigin,
  ): Promise<string | undefined>;
  /**
   * The stored ACL of the version named (or of the current one) for the authorizer; undefined without that
   * version, or where it is a delete marker.
   */
  objectAclOf(bucket: string, key: string, versionId?: string): Promise<string | null | undefined>;
  /**
   * The object's metadata, of the version named or the current one; NoSuchKey (or NoSuchBucket, NoSuchVersion)
   * when there is none, with S3's delete-marker answers (see versioning.ts).
   */
  headObject(bucket: string, key: string, versionId?: string): Promise<StoredObject>;
  /**
   * Checks the SSE-C key a read brings against the object (HeadObject's check): an SSE-C object needs its
   * key, and no other object takes one. Nothing is decrypted and no KMS key is used.
   */
  checkCustomerKey(object: StoredObject, keyAccess: KeyAccess): Promise<void>;
  /**
   * Opens an object's bytes, of the range `range` picks once the object is known. The blob is opened before
   * returning, so a concurrent overwrite (which deletes the old blob after its commit) cannot cut the read
   * short; if it wins the race, the lookup is retried.
   */
  openObject(
    bucket: string,
    key: string,
    range?: (object: StoredObject) => ByteRange | undefined,
    versionId?: string,
    /** The caller's KMS permission checks (kms:Decrypt on an SSE-KMS object); absent for Seawall's own reads. */
    keyAccess?: KeyAccess,
  ): Promise<OpenedObject>;
  /**
   * Deletes a version for good when one is named; else the object (unversioned bucket) or, in a versioned
   * bucket, hides it behind a new delete marker.
   */
  deleteObject(
    bucket: string,
    key: string,
    versionId?: string,
    /**
     * `only`: delete the version only while it is still that one (VersionReplaced otherwise); `origin`: who
     * deletes, for the event notification ('lifecycle' for a lifecycle rule's expiration).
     */
    options?: { bypassGovernance?: boolean; only?: VersionIdentity; origin?: ChangeOrigin | 'lifecycle' },
  ): Promise<VersionedDelete>;
  /**
   * Replaces the tag set of the version named, or of the current one (see tagging.ts; null clears it); answers
   * the version tagged, as headObject names it. NoSuchKey, NoSuchVersion and delete markers as headObject.
   */
  putObjectTags(
    bucket: string,
    key: string,
    versionId: string | undefined,
    tags: string | null,
    origin?: ChangeOrigin,
  ): Promise<StoredObject>;
  /** The bucket's versioning state; undefined while never configured. */
  getVersioning(bucket: string): Promise<Versioning | undefined>;
  putVersioning(bucket: string, status: Versioning): Promise<void>;
  listObjectVersions(bucket: string, request: VersionListRequest): Promise<VersionListPage>;
  listObjects(bucket: string, request: ListRequest): Promise<ListPage>;
  /** Every object under a prefix, in key order, a page at a time underneath. */
  listAll(bucket: string, prefix: string): AsyncGenerator<ObjectSummary>;
  /**
   * Makes objects readable as local files for DuckDB, under names the caller chose (see BlobStore). The
   * caller must release them when the engine is done.
   */
  filesForEngine(entries: readonly EngineFileEntry[]): Promise<EngineFiles>;
  /** A message (an engine's error) with the paths of engine files replaced: they are Seawall's, not the user's. */
  redactEnginePaths(message: string): string;
  /** Removes blobs no object refers to: leftovers of writes or deletes a crash interrupted; answers how many. */
  sweepOrphanBlobs(): Promise<number>;
  /**
   * Seals every version an earlier Seawall stored in plaintext, under its bucket's default encryption: the
   * bytes are copied into a new sealed blob, the version switched to it (only while it still names the old
   * one), and the old file removed. Answers how many were sealed; one that fails is logged and left readable.
   */
  sealPlaintextObjects(): Promise<number>;
  /**
   * What reading the objects under a prefix through S3 would take of a reader beside its S3 permissions, for
   * engines that read them as files: kms:Decrypt on each SSE-KMS object's key with its encryption context, and
   * the key usable (KMS.DisabledException…). `wanted` picks the objects the reader will read.
   */
  checkKeyReads(
    bucket: string,
    prefix: string,
    access: KeyAccess,
    wanted: (key: string) => boolean,
  ): Promise<void>;
  /**
   * What writing `key` into `bucket` through S3 under the bucket's default encryption would take of a writer
   * beside s3:PutObject, for work that writes objects on a caller's behalf (query results): kms:GenerateDataKey
   * on an SSE-KMS default's key with the object's encryption context, and the key usable.
   */
  checkKeyWrite(bucket: string, key: string, access: KeyAccess): Promise<void>;
}

/** UploadPart's request: the part's bytes and the digests they must have. */
export interface UploadPartInput {
  uploadId: string;
  bucket: string;
  key: string;
  partNumber: number;
  body: AsyncIterable<Uint8Array>;
  digests: BlobDigests;
  /** Set for UploadPartCopy: the bytes are another object's, checksummed as the upload asks. */
  copied?: true;
  /** The caller's KMS permission checks (kms:Decrypt on an SSE-KMS upload's key). */
  keyAccess?: KeyAccess;
}

/** A part's ETag, and its checksum when the client sent one. */
export interface UploadedPart {
  etag: string;
  checksum?: { algorithm: string; value: string };
  encryption?: ObjectEncryption;
}

/** The object a completed upload made. */
export interface CompletedUpload {
  etag: string;
  /** How the object is encrypted. */
  encryption?: ObjectEncryption;
  checksum?: ObjectChecksum;
  /** The version the upload made, where the bucket has versioning configured. */
  versionId?: string;
}

/**
 * What a completion answers, offered before the parts are joined so that the answer can begin early (S3's
 * whitespace keep-alive): the version it will make, where the bucket keeps versions, and its encryption.
 */
export interface CompletionAnswer {
  /** The join waits for what this answers. */
  joining(answer: Pick<CompletedUpload, 'versionId' | 'encryption'>): Promise<void> | void;
  /**
   * Asked at the commit: whether the offered answer went out (and if it has not, it never will). If it did, the
   * commit makes that version or fails (the bucket's versioning changed meanwhile).
   */
  bound(): boolean;
}

export interface PartsPage {
  upload: UploadRow;
  parts: PartRow[];
  truncated: boolean;
}

/** S3's multipart uploads, completed into objects of the storage service. */
export interface MultipartService {
  /** CreateMultipartUpload: answers the new upload's id, its encryption and when it was initiated (ms). */
  createUpload(
    bucket: string,
    key: string,
    settings: UploadSettings,
    checksum: UploadChecksum | undefined,
    initiator?: UploadInitiator,
    /** The encryption the upload asks for, the bucket's default when absent, and the caller's KMS checks. */
    encryption?: { request?: EncryptionRequest; keyAccess?: KeyAccess },
  ): Promise<{ uploadId: string; encryption: ObjectEncryption; initiated: number }>;
  /** Stores a part, replacing one of the same number; NoSuchUpload when the upload is gone. */
  uploadPart(input: UploadPartInput): Promise<UploadedPart>;
  /**
   * Joins the listed parts into the object (or, for an upload already completed whose object is kept, answers
   * what that completion answered): checked as S3 checks them (ascending, uploaded, ETags and
   * checksums matching, every part but the last at least 5 MiB), copied into one new blob with the object's
   * checksum, then committed like any PUT.
   */
  complete(
    uploadId: string,
    bucket: string,
    key: string,
    listed: ListedPart[],
    sent?: CompletionClaims,
    /** If-Match / If-None-Match, judged against the object the completion would replace. */
    conditions?: WriteConditions,
    /** Who completes it, for the event notification. */
    origin?: ChangeOrigin,
    keyAccess?: KeyAccess,
    /** Told what the completion will answer before it joins the parts, which takes a while for a large object. */
    answer?: CompletionAnswer,
  ): Promise<CompletedUpload>;
  /** The parts a multipart object's blob was joined from; undefined for an object no upload made. */
  objectParts(blobId: string): Promise<ObjectParts | undefined>;
  /** Forgets what made the object of this blob, which is being deleted. */
  forgetObject(blobId: string): Promise<void>;
  /** Forgets the upload and deletes its parts. */
  abort(uploadId: string, bucket: string, key: string): Promise<void>;
  /** ListParts: at most `max` parts numbered above `after`. */
  listParts(uploadId: string, bucket: string, key: string, after: number, max: number): Promise<PartsPage>;
  /** ListMultipartUploads: at most `max` uploads and common prefixes under `prefix`, after the markers. */
  listUploads(bucket: string, request: UploadsRequest): Promise<UploadsPage>;
}
