import { AppError } from '../errors.js';
import { type ApiRequest, type ApiResponse, queryValue } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import { requestOrigin } from './notifications.js';
import { readXmlBody, versionHeader, xmlResponse } from './s3-wire.js';
import type { StorageService } from './storage-types.js';
import { readTagging, storedTags, type Tag, tagsOf } from './tagging.js';

/** Handlers of object and bucket tagging. */
export interface S3TaggingApi {
  putObjectTagging(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
  getObjectTagging(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse>;
  deleteObjectTagging(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
  putBucketTagging(req: ApiRequest, bucket: string): Promise<ApiResponse>;
  getBucketTagging(bucket: string): Promise<ApiResponse>;
  deleteBucketTagging(bucket: string): Promise<ApiResponse>;
}

function taggingDocument(tags: readonly Tag[], headers: Record<string, string> = {}): ApiResponse {
  return xmlResponse(
    'Tagging',
    { TagSet: { Tag: tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })) } },
    200,
    headers,
  );
}

function noSuchTagSet(bucket: string): AppError {
  return new AppError('NoSuchTagSet', 404, 'The TagSet does not exist', { fields: { BucketName: bucket } });
}

/**
 * Put/Get/DeleteObjectTagging (of the current version or the one `versionId` names, kept in its row's `tags`)
 * and Put/Get/DeleteBucketTagging (the bucket's `tagging` setting).
 */
export function createS3TaggingApi(storage: StorageService): S3TaggingApi {
  return {
    async putObjectTagging(req, bucket, key) {
      await storage.headBucket(bucket);
      const tags = readTagging(await readXmlBody(req, ['Tag']), 'object');
      const object = await storage.putObjectTags(
        bucket,
        key,
        queryValue(req.query, 'versionId'),
        storedTags(tags),
        requestOrigin(req),
      );
      return { status: 200, headers: versionHeader(object) };
    },

    async getObjectTagging(req, bucket, key) {
      const object = await storage.headObject(bucket, key, queryValue(req.query, 'versionId'));
      return taggingDocument(tagsOf(object.tags), versionHeader(object));
    },

    async deleteObjectTagging(req, bucket, key) {
      const object = await storage.putObjectTags(
        bucket,
        key,
        queryValue(req.query, 'versionId'),
        null,
        requestOrigin(req),
      );
      return { status: 204, headers: versionHeader(object) };
    },

    async putBucketTagging(req, bucket) {
      await storage.headBucket(bucket);
      const tags = readTagging(await readXmlBody(req, ['Tag']), 'bucket');
      await storage.settings.put(bucket, 'tagging', JSON.stringify(tags));
      return { status: 204 };
    },

    async getBucketTagging(bucket) {
      const stored = await storage.settings.get(bucket, 'tagging');
      if (stored === undefined) throw noSuchTagSet(bucket);
      return taggingDocument(tagsOf(stored));
    },

    async deleteBucketTagging(bucket) {
      await storage.settings.delete(bucket, 'tagging');
      return { status: 204 };
    },
  };
}
