/** S3: buckets and objects over a blob store, with the restXml API. */
export { type BlobStore, createLocalBlobStore, type EngineFiles } from './blob-store.js';
export { assertBucketName, bucketNameProblem } from './bucket-names.js';
export { createMultipartStore } from './multipart-store.js';
export { createS3Api } from './s3-api.js';
export {
  createStorageService,
  type PutObjectInput,
  type StorageService,
  type StoredObject,
} from './storage-service.js';
export { createStorageStore, type ObjectSummary, type StorageStore } from './storage-store.js';
