/** S3: buckets and objects over a blob store, with the restXml API. */

/** Accounts' Block Public Access settings (the S3 Control API), kept apart from buckets'. */
export {
  type AccountAccessService,
  createAccountAccessService,
  createAccountAccessStore,
} from './account-access.js';
export {
  BACKUP_PINS,
  type BlobStore,
  blobIdsIn,
  blobPath,
  createLocalBlobStore,
  type EngineFiles,
  type EngineScratch,
  PIN_OWNER,
  pinRunState,
} from './blob-store.js';
/** The offline check (seawall check): objects against their blobs and blob files against the rows, read only. */
export type { BlobTiers } from './blob-verify.js';
/** A bucket's policy and public access block, as the authorizer reads them (`StorageService.bucketAccess`). */
export type { BucketAccess, BucketAccessService, PublicAccessBlock } from './bucket-access.js';
export { assertBucketName, bucketNameProblem } from './bucket-names.js';
/** Whether S3 calls a bucket policy public (S3 Block Public Access, "The meaning of public"). */
export { isPublicPolicy } from './bucket-policy.js';
/** Event notifications: where they wait for delivery, their records, the bus and the SNS service they use. */
export { createEventOutbox } from './event-outbox.js';
/** The lifecycle scan's place in the job runtime, and how often it runs. */
export { lifecycleScanIntervalMs, scheduleLifecycle } from './lifecycle-schedule.js';
export { createMultipartStore } from './multipart-store.js';
export type { EventListener, S3EventRecord } from './notifications.js';
export { checkStoredObjects, type ObjectCheckDeps, versionSubject } from './object-check.js';
/** How objects are encrypted at rest: what a write asks for, what a version stores, and the keyring's shape. */
export {
  type ChosenEncryption,
  type CustomerKey,
  contextHeader,
  type EncryptionRequest,
  type KeyAccess,
  type KeyCheck,
  type KeyTarget,
  keyAccessOf,
  keyCheck,
  type ObjectEncryption,
  type ObjectKeyring,
} from './object-encryption.js';
export { type OfflineBucket, offlineBucket } from './offline-bucket.js';
export { REPLICATION_SERVICE, type ReplicationMultipart } from './replication.js';
export {
  checkRemoteSecrets,
  createRemoteStore,
  deliveriesQueuedFor,
  REMOTE_SECRETS_PURPOSE,
  type Remote,
  rulesNaming,
} from './replication-remotes.js';
export { bucketPolicies } from './resource-policies.js';
export { createS3Api } from './s3-api.js';
/** S3 Control's account-level operations, served by the S3 endpoint: clients sign them for `s3`. */
export { withS3Control } from './s3-control-api.js';
export { storageClassOf } from './storage-class.js';
export { storageMigrations } from './storage-migrations.js';
export { createStorageService } from './storage-service.js';
export {
  createStorageStore,
  type ObjectSummary,
  referencedBlobs,
  type StorageStore,
} from './storage-store.js';
export type { PutObjectInput, StorageService, StoredObject } from './storage-types.js';
