import type { ApiRequest, ApiResponse } from '../lib/http.js';
import { lifecycleXml, parseLifecycle } from './lifecycle.js';
import { requireDigest } from './s3-digests.js';
import { readXmlBody, xmlResponse } from './s3-wire.js';
import type { StorageService } from './storage-types.js';

const MINIMUM_SIZE_HEADER = 'x-amz-transition-default-minimum-object-size';

/** Elements a LifecycleConfiguration may repeat: always parsed as lists. */
const LISTS = ['Rule', 'Tag', 'Transition', 'NoncurrentVersionTransition'];

/** Handlers of Put/Get/DeleteBucketLifecycleConfiguration. */
export interface S3LifecycleApi {
  put(req: ApiRequest, bucket: string): Promise<ApiResponse>;
  get(bucket: string): Promise<ApiResponse>;
  delete(bucket: string): Promise<ApiResponse>;
}

export function createS3LifecycleApi(storage: StorageService): S3LifecycleApi {
  return {
    async put(req, bucket) {
      // S3 requires the document's integrity to be provable, as for DeleteObjects.
      requireDigest(req);
      await storage.headBucket(bucket);
      const config = parseLifecycle(
        await readXmlBody(req, LISTS),
        req.headers[MINIMUM_SIZE_HEADER],
        storage.coldStorageClass,
      );
      await storage.lifecycle.put(bucket, config);
      return { status: 200, headers: { [MINIMUM_SIZE_HEADER]: config.transitionMinimumSize } };
    },

    async get(bucket) {
      const config = await storage.lifecycle.get(bucket);
      return xmlResponse('LifecycleConfiguration', lifecycleXml(config), 200, {
        [MINIMUM_SIZE_HEADER]: config.transitionMinimumSize,
      });
    },

    async delete(bucket) {
      // Answers NoSuchBucket for a bucket that is not there.
      await storage.lifecycle.delete(bucket);
      return { status: 204 };
    },
  };
}
