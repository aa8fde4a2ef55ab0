import { DamagedDatabaseError } from '../db/database.js';
import type { ReplicationChange } from '../db/schema.js';
import { AppError, badRequest, conflict, isAppError, notFound } from '../errors.js';
import { DEFAULT_CHECKSUM_ALGORITHM } from '../lib/checksums.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { type AccountAccessService, strictestBlock } from './account-access.js';
import type { BlobRef, BlobStore, EngineFiles } from './blob-store.js';
import { digestBody, etagHidesMd5, etagOf, writeVerifiedBlob } from './blob-writer.js';
import { createBucketAccessService, type PublicAccessBlock } from './bucket-access.js';
import { assertBucketName, assertObjectKey, checkMetadataSize } from './bucket-names.js';
import { createBucketSettings } from './bucket-settings.js';
import type { EventOutbox } from './event-outbox.js';
import { CALENDAR_DAY_MS } from './lifecycle-rules.js';
import { createLifecycleService, type VersionIdentity, VersionReplaced } from './lifecycle-service.js';
import { type ListPage, type ListRequest, listPage } from './listing.js';
import { createMultipartService } from './multipart-service.js';
import type { MultipartStore } from './multipart-store.js';
import type { S3EventName } from './notification-config.js';
import {
  type ChangeOrigin,
  createNotifications,
  type DeliveryRetries,
  type ObjectCause,
} from './notifications.js';
import {
  chooseEncryption,
  type EncryptionRequest,
  type KeyAccess,
  type KeyTarget,
  type ObjectKeyring,
  parseBucketEncryption,
  parseStoredEncryption,
} from './object-encryption.js';
import { checkDeletable, digestRequired, lockOf, versioningLocked } from './object-lock.js';
import { createObjectLockService } from './object-lock-service.js';
import { ownershipOf } from './object-ownership.js';
import {
  checkReplicaOf,
  createReplication,
  type ReplicationDraft,
  type ReplicationFailure,
  type ReplicationRow,
  replicaIdTaken,
  Unreplicable,
} from './replication.js';
import type { ReplicationDestination } from './replication-config.js';
import {
  newAttributes,
  replicationStatusOf,
  storageClassOf,
  withReplicationStatus,
  withStorageClass,
} from './storage-class.js';
import {
  type BucketRow,
  BucketVanished,
  type ObjectRow,
  type ObjectSummary,
  type StorageStore,
  type VersionRow,
} from './storage-store.js';
import {
  type BucketInput,
  type ByteRange,
  DEFAULT_CONTENT_TYPE,
  type EngineFileEntry,
  type OpenedObject,
  type PutObjectInput,
  type StorageService,
  type StoredObject,
} from './storage-types.js';
import { listVersionsPage, type VersionListPage, type VersionListRequest } from './version-listing.js';
import {
  checkVersionId,
  deleteMarkerAnswer,
  newVersionId,
  noSuchVersion,
  type VersionedDelete,
  type Versioning,
} from './versioning.js';
import { checkDeleteCondition, judgeWriteConditions } from './write-conditions.js';

/** What a write declares of its new object; the version's identity and place are the commit's. */
export type NewObject = Omit<
  ObjectRow,
  'version_id' | 'seq' | 'is_latest' | 'delete_marker' | 'tags' | 'acl' | 'attributes'
> &
  Partial<Pick<ObjectRow, 'tags' | 'acl' | 'attributes'>>;

function toStored(row: ObjectRow): StoredObject {
  const metadata = JSON.parse(row.metadata) as {
    user?: Record<string, string>;
    headers?: Record<string, string>;
  };
  return {
    bucket: row.bucket,
    key: row.key,
    size: row.size,
    etag: row.etag,
    contentType: row.content_type,
    lastModified: new Date(row.last_modified),
    userMetadata: metadata.user ?? {},
    headers: metadata.headers ?? {},
    ...(row.checksum_algorithm && row.checksum_value
      ? {
          checksum: {
            algorithm: row.checksum_algorithm,
            value: row.checksum_value,
            type: row.checksum_type ?? 'FULL_OBJECT',
          },
        }
      : {}),
    blobId: row.blob_id,
    versionId: row.version_id,
    ...(row.attributes === null ? {} : { lock: lockOf(row.attributes) }),
    tags: row.tags,
    acl: row.acl,
    storageClass: storageClassOf(row.attributes),
    ...(replicationStatusOf(row.attributes) !== undefined
      ? { replicationStatus: replicationStatusOf(row.attributes) }
      : {}),
    ...(row.encryption === null ? {} : { encryption: parseStoredEncryption(row.encryption) }),
  };
}

/** The key's current object: its latest version unless that is a delete marker. */
function currentObject(row: VersionRow | undefined): ObjectRow | undefined {
  return row && row.delete_marker === 0 ? (row as ObjectRow) : undefined;
}

/** S3 keeps replicas as versions: a destination without versioning cannot take them. */
function replicaNeedsVersioning(): AppError {
  return badRequest('InvalidRequest', 'Destination bucket must have versioning enabled.');
}

/**
 * A completion whose answer named its version early and whose bucket turned versioning on or off while it
 * joined the parts: that version is no longer the one to make. The upload stays in progress, to complete again.
 */
function versioningChanged(): AppError {
  return conflict(
    'OperationAborted',
    'A conflicting conditional operation is currently in progress against this resource. Please try again.',
  );
}

function noSuchBucket(bucket: string): AppError {
  return notFound('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}

/** The start's refusal of metadata that names no blob while the blob directory holds some (see sweepOrphanBlobs). */
function foreignMetadata(): DamagedDatabaseError {
  return new DamagedDatabaseError(
    "the metadata names no object, yet the data directory holds object blobs: it is not this installation's metadata (a wrong or empty --metadata-url database, or another metadata.db), so nothing is served and no blob is removed. Point Seawall at its own metadata, or restore it from a backup (`seawall check` lists the blobs)",
  );
}

/**
 * Block Public Access as S3 sets it on every new bucket since April 2023: all four settings on, so no ACL or
 * policy makes the bucket public until its owner turns them off (PutPublicAccessBlock, DeletePublicAccessBlock).
 */
const NEW_BUCKET_ACCESS = {
  public_access_block: JSON.stringify({
    blockPublicAcls: true,
    ignorePublicAcls: true,
    blockPublicPolicy: true,
    restrictPublicBuckets: true,
  } satisfies PublicAccessBlock),
};
export function createStorageService(deps: {
  store: StorageStore;
  multipart: MultipartStore;
  blobs: BlobStore;
  accounts: AccountAccessService;
  clock: Clock;
  logger: Logger;
  /** The length of a lifecycle day: S3's 86,400 s unless shortened (tests, the conformance suite). */
  lifecycleDayMs?: number;
  /** Where event notifications wait for delivery, and how failed deliveries are retried. */
  outbox: EventOutbox;
  deliveryRetries?: DeliveryRetries;
  region: string;
  /** Makes and opens objects' data keys: every object is encrypted (DESIGN.md, decision 3). */
  keys: ObjectKeyring;
  /** Where replicas wait (the metadata database), the registered remotes, and how failures are retried. */
  replication: Pick<Parameters<typeof createReplication>[0], 'db' | 'remotes' | 'retries' | 'multipart'>;
}): StorageService {
  const { store, blobs, clock, logger, keys } = deps;
  const access = createBucketAccessService({ store, clock });
  const settings = createBucketSettings({ store, clock });
  const notifications = createNotifications({
    settings,
    outbox: deps.outbox,
    owner: (bucket) => access.owner(bucket),
    region: () => deps.region,
    clock,
    logger,
    ...(deps.deliveryRetries ? { retries: deps.deliveryRetries } : {}),
  });

  const replication = createReplication({ ...deps.replication, settings, clock, logger });

  /** The version id an event names: none where the bucket never had versioning. */
  function eventVersionId(versionId: string, versioning: Versioning | undefined): string | undefined {
    return versioning === undefined ? undefined : versionId;
  }

  async function requireBucket(name: string): Promise<BucketRow> {
    const bucket = await store.findBucket(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  /** Where an object's key lives: the bucket owner's account holds the KMS keys named without an ARN. */
  /** Where a stored object's (or upload's) key is: named by ARN, so no account is needed to resolve it. */
  function storedTarget(bucket: string, key: string): KeyTarget {
    return { bucket, key, accountId: '' };
  }

  /** How an object written at `bucket`/`key` is encrypted: what the write asks for, else the bucket's default. */
  async function encryptionFor(
    bucket: string | BucketRow,
    key: string,
    asked: EncryptionRequest | undefined,
  ) {
    const row = typeof bucket === 'string' ? await requireBucket(bucket) : bucket;
    const chosen = chooseEncryption(
      asked,
      parseBucketEncryption(await settings.get(row.name, 'encryption'), row.region),
    );
    return { chosen, target: { bucket: row.name, key, accountId: row.account_id } };
  }

  /** A fresh data key for an object written at `bucket`/`key`. */
  async function newDataKey(
    bucket: string | BucketRow,
    key: string,
    asked: EncryptionRequest | undefined,
    keyAccess: KeyAccess | undefined,
  ) {
    const { chosen, target } = await encryptionFor(bucket, key, asked);
    return keys.create(chosen, target, keyAccess);
  }

  /** A stored object's blob as the blob store reads it, with its data key opened. */
  async function blobOf(object: StoredObject, keyAccess?: KeyAccess): Promise<BlobRef> {
    // A stored object names its KMS key by ARN: reading it needs no account to resolve a name in.
    const key = await keys.open(object.encryption, storedTarget(object.bucket, object.key), keyAccess);
    return { id: object.blobId, size: object.size, key };
  }

  /** The bucket's versioning state: undefined while it was never configured. NoSuchBucket without one. */
  async function versioningOf(bucket: string): Promise<Versioning | undefined> {
    return (await settings.get(bucket, 'versioning')) as Versioning | undefined;
  }

  /**
   * The version a read names (or the current one): NoSuchKey when the current one is a delete marker or
   * there is none, NoSuchVersion for a version id that names nothing, MethodNotAllowed for a delete marker's.
   */
  async function headObject(bucket: string, key: string, versionId?: string): Promise<StoredObject> {
    if (versionId !== undefined) checkVersionId(versionId);
    const row =
      versionId === undefined
        ? await store.findLatest(bucket, key)
        : await store.findVersion(bucket, key, versionId);
    if (row && row.delete_marker === 0) {
      const stored = toStored(row as ObjectRow);
      // The "null" version of a bucket that never had versioning is just the object: S3 names no version.
      return row.version_id === 'null' && (await versioningOf(bucket)) === undefined
        ? { ...stored, versionId: undefined }
        : stored;
    }
    await requireBucket(bucket);
    if (row) throw deleteMarkerAnswer(row, versionId !== undefined);
    if (versionId !== undefined) throw noSuchVersion(key, versionId);
    // S3 says so even where the bucket has no versioning: the key is missing, not hidden by a marker.
    throw new AppError('NoSuchKey', 404, 'The specified key does not exist.', {
      fields: { Key: key },
      headers: { 'x-amz-delete-marker': 'false' },
    });
  }

  /**
   * The replicas a new version (or delete marker) raises, its status set to say so: PENDING where rules pick
   * it, REPLICA where it is itself a replica (never replicated again).
   */
  async function replicasOf(row: VersionRow, replicaOf: string | undefined): Promise<ReplicationDraft[]> {
    const replicas = await replication.drafts({
      bucket: row.bucket,
      key: row.key,
      versionId: row.version_id,
      deleteMarker: row.delete_marker === 1,
      size: row.size,
      tags: row.tags,
      encryption: row.encryption,
      replica: replicaOf !== undefined,
    });
    if (replicaOf !== undefined) row.attributes = withReplicationStatus(row.attributes, 'REPLICA');
    else if (replicas.length > 0 && row.delete_marker === 0)
      row.attributes = withReplicationStatus(row.attributes, 'PENDING');
    // An ACL of its own (ACLs enabled, more than the owner's full control) follows each replica as a change of
    // it, delivered after it: one way to carry an ACL, whether given at the write or later (PutObjectAcl).
    if (row.acl === null || row.delete_marker === 1) return replicas;
    return [...replicas, ...replicas.map((draft) => ({ ...draft, change: 'acl' as const }))];
  }

  /**
   * A replica's write that came before (a delivery whose answer was lost): the version it made, which a retry
   * answers again rather than make a second. The id held by the other kind (an object for a delete marker's
   * replica, or the reverse) is refused (replicaIdTaken), never a second version of that id; so is one whose
   * bytes are not the replica's, which the caller judges by the ETag.
   */
  async function replicaMade(
    bucket: string,
    key: string,
    replicaOf: string | undefined,
    deleteMarker: boolean,
  ): Promise<VersionRow | undefined> {
    if (replicaOf === undefined) return undefined;
    checkReplicaOf(replicaOf);
    const made = await store.findVersion(bucket, key, replicaOf);
    if (made && (made.delete_marker === 1) !== deleteMarker)
      throw replicaIdTaken(replicaOf, made.delete_marker === 1 ? 'a delete marker' : 'an object');
    return made;
  }

  /**
   * Makes `object` the current version at its key (its blob already durable): a new version where the bucket
   * keeps versions, else the "null" one, replacing the previous "null" version, whose blob is deleted. On
   * failure the new blob is deleted, so nothing half-made stays. A version written to the cold tier's class
   * has its bytes copied there before it is recorded, and the hot copy removed after (a crash in between
   * leaves a copy in each tier, which the start-up sweep settles by the recorded class).
   */
  async function commitObject(
    object: NewObject,
    guard: ((current: ObjectRow | undefined) => void) | undefined,
    cause: ObjectCause,
    /**
     * A replica's write (the source version's id), or a completion (the upload it ends with the write, and the
     * version its answer named if it began early: its id, none where the bucket kept no versions).
     */
    write: {
      replicaOf?: string | undefined;
      completes?: string;
      promised?: () => { versionId?: string } | undefined;
    } = {},
  ): Promise<StoredObject> {
    const { replicaOf, completes } = write;
    const cold = blobs.cold;
    let committed: {
      row: ObjectRow;
      enabled: boolean;
      toCold: boolean;
      removed: string[];
      woken: boolean;
      replicated: boolean;
    };
    try {
      const versioning = await versioningOf(object.bucket);
      const enabled = versioning === 'Enabled';
      if (replicaOf !== undefined && !enabled) throw replicaNeedsVersioning();
      const promised = write.promised?.();
      if (promised && enabled !== (promised.versionId !== undefined)) throw versioningChanged();
      const row: ObjectRow = {
        tags: null,
        acl: null,
        ...object,
        attributes: await lock.newVersionAttributes(object.bucket, object.attributes),
        version_id: replicaOf ?? (enabled ? (promised?.versionId ?? newVersionId()) : 'null'),
        seq: 0,
        is_latest: 1,
        delete_marker: 0,
      };
      const replicas = await replicasOf(row, replicaOf);
      const events = await notifications.drafts(
        object.bucket,
        cause.event,
        { ...object, versionId: eventVersionId(row.version_id, versioning) },
        cause.origin,
      );
      const toCold = cold !== undefined && storageClassOf(row.attributes) === cold.storageClass;
      if (toCold) await cold.copyIn(object.blob_id);
      const { blobIds } = await store.putVersion(
        row,
        enabled ? 'new' : 'null',
        guard,
        events,
        replicas,
        completes,
      );
      committed = {
        row,
        enabled,
        toCold,
        removed: blobIds,
        woken: events.length > 0,
        replicated: replicas.length > 0,
      };
    } catch (error) {
      await discardBlob(object.blob_id);
      if (error instanceof BucketVanished || (error as AppError).code === 'NoSuchBucket')
        throw noSuchBucket(object.bucket);
      throw error;
    }
    // Recorded: from here on nothing may discard the new blob. A hot copy that cannot be removed now is
    // settled by the start-up sweep, as after a crash.
    if (committed.toCold)
      await cold
        ?.dropHot(object.blob_id)
        .catch((error: unknown) =>
          logger.warn({ err: error, blobId: object.blob_id }, 'could not remove the hot copy of a cold blob'),
        );
    if (committed.woken) notifications.wake();
    if (committed.replicated) replication.wake();
    for (const id of committed.removed) await discardBlob(id);
    const stored = toStored(committed.row);
    // A write names the version it made only where versions are kept (suspended buckets write "null").
    return committed.enabled ? stored : { ...stored, versionId: undefined };
  }

  /** Changes a per-version setting of the version named, or of the current one; answers it as changed. */
  async function updateObject(
    bucket: string,
    key: string,
    versionId: string | undefined,
    change: { tags: string | null } | { acl: string },
    origin: ChangeOrigin | undefined,
  ): Promise<StoredObject> {
    const object = await headObject(bucket, key, versionId);
    const event: S3EventName =
      'acl' in change ? 'ObjectAcl:Put' : change.tags === null ? 'ObjectTagging:Delete' : 'ObjectTagging:Put';
    const events = await notifications.drafts(
      bucket,
      event,
      { key, etag: object.etag, versionId: object.versionId },
      origin,
    );
    // A new tag set or ACL goes to the version's replicas too.
    const replicas =
      'tags' in change
        ? await changeReplicas({ ...object, tags: change.tags }, 'tags')
        : await changeReplicas(object, 'acl');
    // A concurrent write may replace the version meanwhile; S3 then answers as if it had never been.
    if (!(await store.changeVersion(bucket, key, object.versionId ?? 'null', () => change, events, replicas)))
      throw notFound('NoSuchKey', 'The specified key does not exist.', { Key: key });
    if (events.length > 0) notifications.wake();
    if (replicas.length > 0) replication.wake();
    return { ...object, ...change };
  }

  /**
   * The rows that carry a later change of a replicated version (its tag set, ACL, retention or legal hold) to
   * its replicas: for a version replication picked (pending, done or failed; never a replica), to each
   * destination whose rule picks it as it is after the change (`object`, with its new tags).
   */
  async function changeReplicas(
    object: StoredObject,
    change: ReplicationChange,
  ): Promise<ReplicationDraft[]> {
    const status = object.replicationStatus;
    if (status === undefined || status === 'REPLICA' || object.versionId === undefined) return [];
    const drafts = await replication.drafts({
      bucket: object.bucket,
      key: object.key,
      versionId: object.versionId,
      deleteMarker: false,
      size: 0,
      tags: object.tags ?? null,
      encryption: object.encryption ? JSON.stringify(object.encryption) : null,
      replica: false,
    });
    return drafts.map((draft) => ({ ...draft, change }));
  }

  /**
   * A lifecycle transition: the version's bytes are copied into the cold tier (durably), then its class is
   * recorded, only while it is still the version judged (VersionReplaced otherwise), then the hot copy goes. A
   * crash in between leaves a copy in each tier, which the start-up sweep settles by the recorded class.
   */
  async function transitionToCold(bucket: string, key: string, versionId: string, only: VersionIdentity) {
    const cold = blobs.cold;
    const id = only.blob_id;
    if (!cold || !id) return;
    await cold.copyIn(id);
    let changed = false;
    try {
      // Deleted since it was judged: nothing to move.
      const object = await headObject(bucket, key, versionId).catch((error: unknown) => {
        throw isAppError(error) ? new VersionReplaced() : error;
      });
      const events = await notifications.drafts(
        bucket,
        'LifecycleTransition',
        { key, size: object.size, etag: object.etag, versionId: object.versionId },
        'lifecycle',
      );
      const row = await store.changeVersion(
        bucket,
        key,
        versionId,
        (found) => {
          if (found.seq !== only.seq || found.blob_id !== id) throw new VersionReplaced();
          return { attributes: withStorageClass(found.attributes, cold.storageClass) };
        },
        events,
      );
      if (!row) throw new VersionReplaced();
      changed = true;
      if (events.length > 0) notifications.wake();
    } finally {
      if (changed) await cold.dropHot(id);
      else await cold.dropCold(id);
    }
  }

  /** Seals one plaintext version (see sealPlaintextObjects); false when it changed meanwhile. */
  async function sealPlaintext(row: ObjectRow): Promise<boolean> {
    const cold = blobs.cold;
    const { dataKey, encryption } = await newDataKey(row.bucket, row.key, undefined, undefined);
    const plain = await blobs.open({ id: row.blob_id, size: row.size, key: null }, 0, row.size);
    const blob = await blobs.put(plain, dataKey);
    const toCold = cold !== undefined && storageClassOf(row.attributes) === cold.storageClass;
    let switched = false;
    try {
      if (blob.size !== row.size) throw new Error(`read ${blob.size} bytes of ${row.size}`);
      if (toCold) await cold.copyIn(blob.id);
      switched = await store.sealVersion(
        { bucket: row.bucket, key: row.key, versionId: row.version_id },
        row.blob_id,
        blob.id,
        JSON.stringify(encryption),
      );
    } finally {
      if (!switched) await blobs.delete(blob.id);
    }
    if (!switched) return false;
    // Recorded: a failure from here leaves files the start-up sweep (which runs after) removes.
    if (toCold) await cold?.dropHot(blob.id);
    await blobs.delete(row.blob_id);
    return true;
  }

  /** Deletes an object's blob, and what a multipart upload recorded of how it was made. */
  async function discardBlob(id: string | undefined): Promise<void> {
    if (!id) return;
    // A failure here only leaves an orphan, which the start-up sweep removes.
    await multipart
      .forgetObject(id)
      .catch((error: unknown) =>
        logger.warn({ err: error, blobId: id }, 'could not forget a multipart object'),
      );
    await deleteBlob(id);
  }

  async function deleteBlob(id: string | undefined): Promise<void> {
    if (!id) return;
    await blobs
      .delete(id)
      .catch((error: unknown) => logger.warn({ err: error, blobId: id }, 'could not delete blob'));
  }

  const lock = createObjectLockService({
    store,
    settings,
    clock,
    headObject,
    changeReplicas,
    wakeReplication: () => replication.wake(),
  });

  const multipart = createMultipartService({
    store: deps.multipart,
    blobs,
    clock,
    requireBucket,
    newDataKey,
    async openDataKey(encryption, bucket, key, keyAccess) {
      const dataKey = await keys.open(encryption, storedTarget(bucket, key), keyAccess);
      if (!dataKey) throw new Error('an encrypted upload opened to no data key');
      return dataKey;
    },
    commitObject,
    currentObject: async (bucket, key) => currentObject(await store.findLatest(bucket, key)),
    versioningOf,
    async replicaMade(bucket, key, replicaOf) {
      const made = await replicaMade(bucket, key, replicaOf, false);
      return made && { etag: made.etag, encryption: made.encryption, versionId: made.version_id };
    },
    async blobVersion(blobId) {
      const made = await store.findBlobVersion(blobId);
      return made && { versionId: made.version_id, encryption: made.encryption };
    },
    deleteBlob,
  });

  const lifecycle = createLifecycleService({
    settings,
    store,
    uploads: deps.multipart,
    deletes: {
      deleteObject: (bucket, key, versionId, only) =>
        service.deleteObject(bucket, key, versionId, {
          ...(only === undefined ? {} : { only }),
          origin: 'lifecycle',
        }),
      abortUpload: (uploadId, bucket, key) => multipart.abort(uploadId, bucket, key),
      transition: transitionToCold,
    },
    clock,
    logger,
    dayMs: deps.lifecycleDayMs ?? CALENDAR_DAY_MS,
  });

  // Replicas are read as Seawall reads for itself (decrypted: the destination seals them under its own keys).
  replication.connect({
    async open(bucket, key, versionId) {
      // Judged once the version is found, before its blob is opened (which would want the customer's key).
      const sseC = (object: StoredObject) => {
        if (object.encryption?.customerKeyMd5 !== undefined)
          throw new Unreplicable('an SSE-C object cannot be replicated: Seawall keeps no copy of its key');
        return undefined;
      };
      const { object, body } = await service.openObject(bucket, key, sseC, versionId);
      return { ...object, body };
    },
    parts: (blobId) => multipart.objectParts(blobId),
    tags: async (bucket, key, versionId) => (await headObject(bucket, key, versionId)).tags ?? null,
    acl: async (bucket, key, versionId) => {
      const acl = (await headObject(bucket, key, versionId)).acl ?? null;
      return (await ownershipOf({ settings }, bucket)) === 'BucketOwnerEnforced' ? undefined : acl;
    },
    lock: async (bucket, key, versionId) => (await headObject(bucket, key, versionId)).lock ?? {},
    lockEnabled: async (bucket) => (await lock.getObjectLock(bucket)) !== undefined,
    async settle(row, failure) {
      const events = failure ? await failedReplicationEvents(row, failure) : [];
      await store.settleReplica(row, failure !== undefined, events);
      if (events.length > 0) notifications.wake();
    },
  });

  /**
   * The s3:Replication:OperationFailedReplication events of a version marked FAILED, where its rule publishes
   * S3 Replication metrics (S3 raises them only then), stored with the status.
   */
  async function failedReplicationEvents(row: ReplicationRow, failure: ReplicationFailure) {
    const destination = JSON.parse(row.destination) as ReplicationDestination;
    if (row.change || row.delete_marker === 1 || !destination.metrics?.enabled) return [];
    // Best effort: a version that cannot be told of is still marked FAILED, not left to be tried for ever.
    try {
      const version = await headObject(row.bucket, row.key, row.version_id).catch(() => undefined);
      return await notifications.drafts(
        row.bucket,
        'Replication:OperationFailedReplication',
        {
          key: row.key,
          size: Number(row.size),
          ...(version ? { etag: version.etag } : {}),
          versionId: row.version_id,
        },
        'replication',
        {
          replicationRuleId: row.rule_id,
          destinationBucket: `arn:aws:s3:::${destination.bucket}`,
          s3Operation: 'OBJECT_PUT',
          requestTime: new Date(Number(row.created_at)).toISOString(),
          ...(failure.reason ? { failureReason: failure.reason } : {}),
        },
      );
    } catch (error) {
      logger.error(
        { err: error, bucket: row.bucket, versionId: row.version_id },
        'could not make the event of a failed replication',
      );
      return [];
    }
  }

  const service: StorageService = {
    clock,
    multipart,
    lifecycle,
    access,
    settings,
    notifications,
    replication,
    coldStorageClass: blobs.cold?.storageClass,
    accounts: deps.accounts,
    async bucketAccess(bucket: string) {
      const own = await access.bucketAccess(bucket);
      const owner = own && (await access.owner(bucket));
      if (!own || owner === undefined) return undefined;
      const account = await deps.accounts.getPublicAccessBlock(owner);
      return account ? { ...own, publicAccessBlock: strictestBlock(own.publicAccessBlock, account) } : own;
    },

    async createBucket(input: BucketInput): Promise<void> {
      assertBucketName(input.name);
      const created = await store.insertBucket(
        {
          name: input.name,
          account_id: input.accountId,
          region: input.region,
          created_at: clock.now().getTime(),
        },
        // Its settings, and Object Lock at creation with the versioning it enables, in the same transaction.
        {
          ...input.settings,
          ...(input.objectLock
            ? { versioning: 'Enabled', 'object-lock': JSON.stringify({ enabled: true }) }
            : {}),
        },
        NEW_BUCKET_ACCESS,
      );
      access.forget(input.name);
      settings.forget(input.name);
      if (created) return;
      const existing = await store.findBucket(input.name);
      if (existing?.account_id === input.accountId) {
        throw conflict(
          'BucketAlreadyOwnedByYou',
          'Your previous request to create the named bucket succeeded and you already own it.',
          {
            BucketName: input.name,
          },
        );
      }
      throw conflict('BucketAlreadyExists', 'The requested bucket name is not available.', {
        BucketName: input.name,
      });
    },

    async ensureBucket(input: BucketInput): Promise<void> {
      assertBucketName(input.name);
      if (
        await store.insertBucket(
          {
            name: input.name,
            account_id: input.accountId,
            region: input.region,
            created_at: clock.now().getTime(),
          },
          undefined,
          NEW_BUCKET_ACCESS,
        )
      ) {
        access.forget(input.name);
        settings.forget(input.name);
        return;
      }
      const existing = await store.findBucket(input.name);
      if (existing && existing.account_id !== input.accountId) {
        throw conflict('BucketAlreadyExists', 'The requested bucket name is not available.', {
          BucketName: input.name,
        });
      }
    },

    async headBucket(name: string): Promise<BucketRow> {
      return requireBucket(name);
    },

    async listBuckets(accountId: string): Promise<BucketRow[]> {
      return store.listBuckets(accountId);
    },

    async deleteBucket(name: string): Promise<void> {
      const { outcome, blobIds } = await store.deleteEmptyBucket(name);
      access.forget(name);
      settings.forget(name);
      for (const id of blobIds) await discardBlob(id);
      if (outcome === 'missing') throw noSuchBucket(name);
      if (outcome === 'not-empty') {
        // Where versioning was ever turned on, what is left may be only noncurrent versions or delete
        // markers, which a plain listing does not show; S3 says so.
        const versioned = (await versioningOf(name)) !== undefined;
        const message = versioned
          ? 'The bucket you tried to delete is not empty. You must delete all versions in the bucket.'
          : 'The bucket you tried to delete is not empty';
        throw conflict('BucketNotEmpty', message, { BucketName: name });
      }
    },

    async putObject(input: PutObjectInput): Promise<StoredObject> {
      assertObjectKey(input.key);
      const bucketRow = await requireBucket(input.bucket);
      checkMetadataSize(input.userMetadata);
      // S3 wants a digest of the bytes a client sends for any write Object Lock will retain.
      if (!input.storedBytes && input.contentMd5 === undefined && input.checksum === undefined) {
        const config = input.lock || (await lock.getObjectLock(input.bucket))?.rule;
        if (config) throw digestRequired();
      }
      const made = await replicaMade(input.bucket, input.key, input.replicaOf, false);
      if (made) {
        // The same replica sent again has the same bytes, so the same ETag (made from their MD5: it came
        // whole); bytes damaged on the way are BadDigest, which the sender tries again, not other bytes.
        const md5Hex = await digestBody(input.body, {
          ...(input.contentMd5 !== undefined ? { contentMd5: input.contentMd5 } : {}),
          ...(input.checksum ? { checksum: input.checksum } : {}),
        });
        const encryption = parseStoredEncryption(made.encryption);
        const dataKey = etagHidesMd5(encryption)
          ? await keys.open(encryption, storedTarget(input.bucket, input.key))
          : null;
        // A replica an earlier Seawall made has the bare MD5 whatever its encryption.
        if (made.etag !== etagOf(md5Hex, encryption, dataKey) && made.etag !== `"${md5Hex}"`)
          throw replicaIdTaken(input.replicaOf as string, 'another object');
        return toStored(made as ObjectRow);
      }
      // Judged before the body is read, then again at the commit.
      const guard = await judgeWriteConditions(input, async () =>
        currentObject(await store.findLatest(input.bucket, input.key)),
      );
      const sealing = await newDataKey(bucketRow, input.key, input.encryption, input.keyAccess);
      const blob = await writeVerifiedBlob(
        blobs,
        input.body,
        {
          ...(input.contentMd5 !== undefined ? { contentMd5: input.contentMd5 } : {}),
          // An object sent without a checksum gets S3's default one, computed as its bytes arrive.
          checksum: input.checksum ?? { algorithm: DEFAULT_CHECKSUM_ALGORITHM },
        },
        sealing.dataKey,
      );
      const row: NewObject = {
        bucket: input.bucket,
        key: input.key,
        blob_id: blob.id,
        size: blob.size,
        etag: etagOf(blob.md5Hex, sealing.encryption, sealing.dataKey),
        content_type: input.contentType ?? DEFAULT_CONTENT_TYPE,
        metadata: JSON.stringify({ user: input.userMetadata, headers: input.headers }),
        checksum_algorithm: blob.checksum?.algorithm ?? null,
        checksum_value: blob.checksum?.value ?? null,
        checksum_type: blob.checksum ? 'FULL_OBJECT' : null,
        last_modified: (input.replicaOf !== undefined && input.replicaLastModified) || clock.now().getTime(),
        attributes: newAttributes(input.lock, input.storageClass),
        ...(input.tags ? { tags: input.tags } : {}),
        ...(input.acl !== undefined ? { acl: input.acl } : {}),
        encryption: JSON.stringify(sealing.encryption),
      };
      return commitObject(
        row,
        guard,
        { event: `ObjectCreated:${input.how ?? 'Put'}`, origin: input.origin },
        { replicaOf: input.replicaOf },
      );
    },

    headObject,

    async checkCustomerKey(object: StoredObject, keyAccess: KeyAccess) {
      if (object.encryption?.customerKeyMd5 !== undefined || keyAccess.customerKey)
        await blobOf(object, keyAccess);
    },

    async getObjectAcl(bucket: string, key: string, versionId?: string) {
      const found = await headObject(bucket, key, versionId);
      return { acl: found.acl ?? null, versionId: found.versionId };
    },

    async putObjectAcl(bucket, key, versionId, acl, origin) {
      return (await updateObject(bucket, key, versionId, { acl }, origin)).versionId;
    },

    async objectAclOf(bucket: string, key: string, versionId?: string) {
      const row =
        versionId === undefined
          ? await store.findLatest(bucket, key)
          : await store.findVersion(bucket, key, versionId);
      return row && row.delete_marker === 0 ? row.acl : undefined;
    },

    async openObject(
      bucket: string,
      key: string,
      range?: (object: StoredObject) => ByteRange | undefined,
      versionId?: string,
      keyAccess?: KeyAccess,
    ): Promise<OpenedObject> {
      for (let attempt = 0; ; attempt++) {
        const object = await headObject(bucket, key, versionId);
        const selected = range?.(object);
        try {
          const body = await blobs.open(
            await blobOf(object, keyAccess),
            selected?.start ?? 0,
            selected ? selected.end - selected.start + 1 : object.size,
          );
          return { object, ...(selected ? { range: selected } : {}), body };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
        }
      }
    },

    async deleteObject(
      bucket: string,
      key: string,
      versionId?: string,
      options: {
        bypassGovernance?: boolean;
        only?: VersionIdentity;
        origin?: ChangeOrigin | 'lifecycle';
        /** A replicated delete marker: the source marker's id, which this one keeps. */
        replicaOf?: string;
        /** If-Match: only the object (or version) with this ETag is deleted (write-conditions.ts). */
        ifMatch?: string;
      } = {},
    ): Promise<VersionedDelete> {
      assertObjectKey(key);
      const lifecycleRule = options.origin === 'lifecycle';
      const removal = (marker: boolean, version: string | undefined) =>
        notifications.drafts(
          bucket,
          marker
            ? lifecycleRule
              ? 'LifecycleExpiration:DeleteMarkerCreated'
              : 'ObjectRemoved:DeleteMarkerCreated'
            : lifecycleRule
              ? 'LifecycleExpiration:Delete'
              : 'ObjectRemoved:Delete',
          { key, versionId: version },
          options.origin,
        );
      if (versionId !== undefined) {
        checkVersionId(versionId);
        const events = await removal(false, versionId);
        // Object Lock is judged inside the transaction that deletes, on the version as it is then; so is
        // whether it is still the version the caller judged (a "null" version is replaced in place).
        const now = clock.now().getTime();
        const removed = await store.deleteVersion(
          bucket,
          key,
          versionId,
          (row) => {
            const { only } = options;
            // A version id ("null") is reused when a version is replaced; its seq can be too, once every version
            // of the key was deleted; its blob cannot.
            if (only && (row.seq !== only.seq || row.blob_id !== only.blob_id)) throw new VersionReplaced();
            checkDeleteCondition(options.ifMatch, row.delete_marker === 1 ? undefined : row);
            checkDeletable(lockOf(row.attributes), now, options.bypassGovernance === true);
          },
          events,
        );
        if (removed && events.length > 0) notifications.wake();
        if (removed?.blob_id) await discardBlob(removed.blob_id);
        else if (!removed) await requireBucket(bucket);
        return {
          versionId,
          ...(removed?.delete_marker === 1 ? { deleteMarker: true } : {}),
        };
      }
      const versioning = await versioningOf(bucket);
      if (options.replicaOf !== undefined) {
        if (versioning !== 'Enabled') throw replicaNeedsVersioning();
        const made = await replicaMade(bucket, key, options.replicaOf, true);
        if (made) return { versionId: made.version_id, deleteMarker: true };
      }
      if (versioning === undefined) {
        const events = await removal(false, undefined);
        const removed = await store.deleteVersion(
          bucket,
          key,
          'null',
          (row) => checkDeleteCondition(options.ifMatch, row.delete_marker === 1 ? undefined : row),
          events,
        );
        if (removed && events.length > 0) notifications.wake();
        if (removed?.blob_id) await discardBlob(removed.blob_id);
        return {};
      }
      // A versioned bucket keeps what was there: the delete is a new current version, a delete marker.
      const marker: VersionRow = {
        bucket,
        key,
        version_id: options.replicaOf ?? (versioning === 'Enabled' ? newVersionId() : 'null'),
        seq: 0,
        is_latest: 1,
        delete_marker: 1,
        blob_id: null,
        size: 0,
        etag: '',
        content_type: '',
        metadata: '{}',
        checksum_algorithm: null,
        checksum_value: null,
        checksum_type: null,
        last_modified: clock.now().getTime(),
        tags: null,
        acl: null,
        attributes: null,
        encryption: null,
      };
      try {
        const { only } = options;
        const events = await removal(true, marker.version_id);
        // S3 does not replicate the delete markers lifecycle rules make.
        const replicas = lifecycleRule ? [] : await replicasOf(marker, options.replicaOf);
        const removed = await store.putVersion(
          marker,
          versioning === 'Enabled' ? 'new' : 'null',
          (current) => {
            if (only && (current?.seq !== only.seq || current.blob_id !== only.blob_id))
              throw new VersionReplaced();
            checkDeleteCondition(options.ifMatch, current);
          },
          events,
          replicas,
        );
        if (events.length > 0) notifications.wake();
        if (replicas.length > 0) replication.wake();
        for (const id of removed.blobIds) await discardBlob(id);
      } catch (error) {
        if (error instanceof BucketVanished) throw noSuchBucket(bucket);
        throw error;
      }
      return { versionId: marker.version_id, deleteMarker: true };
    },

    putObjectTags: (bucket, key, versionId, tags, origin) =>
      updateObject(bucket, key, versionId, { tags }, origin),

    async getVersioning(bucket: string): Promise<Versioning | undefined> {
      return versioningOf(bucket);
    },

    async putVersioning(bucket: string, status: Versioning): Promise<void> {
      if (status !== 'Enabled' && (await lock.getObjectLock(bucket))) throw versioningLocked();
      if (status !== 'Enabled' && (await replication.configuration(bucket)))
        throw new AppError(
          'InvalidBucketState',
          409,
          'A replication configuration is present on this bucket, so you cannot change the versioning state. To change the versioning state, first delete the replication configuration.',
        );
      await settings.put(bucket, 'versioning', status);
    },

    getObjectLock: lock.getObjectLock,
    putObjectLock: lock.putObjectLock,
    putRetention: lock.putRetention,
    putLegalHold: lock.putLegalHold,
    getLock: lock.getLock,

    async listObjectVersions(bucket: string, request: VersionListRequest): Promise<VersionListPage> {
      await requireBucket(bucket);
      return listVersionsPage(store, bucket, request);
    },

    async listObjects(bucket: string, request: ListRequest): Promise<ListPage> {
      await requireBucket(bucket);
      return listPage(store, bucket, request);
    },

    async *listAll(bucket: string, prefix: string): AsyncGenerator<ObjectSummary> {
      await requireBucket(bucket);
      let continuationToken: string | undefined;
      do {
        const page = await listPage(store, bucket, {
          prefix,
          delimiter: '',
          maxKeys: 1000,
          ...(continuationToken ? { continuationToken } : {}),
        });
        yield* page.objects;
        continuationToken = page.nextToken;
      } while (continuationToken);
    },

    async filesForEngine(entries: readonly EngineFileEntry[]): Promise<EngineFiles> {
      const resolved: (BlobRef & { name: string })[] = [];
      for (const entry of entries) {
        const object = await headObject(entry.bucket, entry.key);
        resolved.push({ ...(await blobOf(object)), name: entry.name });
      }
      return blobs.linkForEngine(resolved);
    },

    redactEnginePaths: (message: string) => blobs.redactEnginePaths(message),

    async checkKeyReads(bucket, prefix, access, wanted) {
      for await (const object of service.listAll(bucket, prefix)) {
        const encryption = parseStoredEncryption(object.encryption);
        if (encryption?.keyId === undefined || !wanted(object.key)) continue;
        await keys.checkRead(encryption, storedTarget(bucket, object.key), access);
      }
    },

    async checkKeyWrite(bucket, key, access) {
      const { chosen, target } = await encryptionFor(bucket, key, undefined);
      await keys.checkWrite(chosen, target, access);
    },

    async sealPlaintextObjects(): Promise<number> {
      let sealed = 0;
      let after: { bucket: string; key: string; versionId: string } | undefined;
      for (;;) {
        const rows = await store.plaintextVersions(after, 100);
        if (rows.length === 0) return sealed;
        for (const row of rows) {
          after = { bucket: row.bucket, key: row.key, versionId: row.version_id };
          try {
            if (await sealPlaintext(row)) sealed++;
          } catch (error) {
            logger.warn(
              { err: error, bucket: row.bucket, key: row.key, versionId: row.version_id },
              'could not encrypt an object stored in plaintext',
            );
          }
        }
      }
    },

    async sweepOrphanBlobs(): Promise<number> {
      // Metadata that names no blob, beside a blob written before that metadata was made, is not this
      // directory's (a wrong or empty PostgreSQL database, another installation's metadata.db): every blob would
      // look orphaned, and the sweep would delete the installation's objects. The start stops instead, having
      // removed nothing. (A first upload cut short leaves a blob newer than its metadata: an orphan, removed.)
      const born = (await store.namesAnyBlob()) ? undefined : await store.bornAt();
      let removed = 0;
      let batch: string[] = [];
      const flush = async () => {
        const referenced = await store.referencedBlobIds(batch);
        for (const id of batch) {
          if (!referenced.has(id)) {
            await blobs.delete(id);
            removed++;
          }
        }
        batch = [];
      };
      for await (const id of blobs.ids()) {
        if (born !== undefined && (await blobs.writtenAt(id)) < born) throw foreignMetadata();
        batch.push(id);
        if (batch.length >= 500) await flush();
      }
      await flush();
      // A transition cut short leaves a copy in each tier: the recorded class says which one is the object's.
      const cold = blobs.cold;
      if (cold)
        for await (const id of cold.inBoth()) {
          const coldNow = await store.blobStorageClass(id);
          if (coldNow === cold.storageClass) await cold.dropHot(id);
          else await cold.dropCold(id);
          removed++;
        }
      return removed;
    },
  };
  return service;
}
