import { AppError } from '../errors.js';
import { type ApiRequest, type ApiResponse, queryValue } from '../lib/http.js';
import type { ConditionValues, OperationRequest } from '../lib/operation.js';
import { requestOrigin } from './notifications.js';
import { readXmlBody, readXmlBodyOnce, versionHeader, xmlResponse } from './s3-wire.js';
import type { StorageService } from './storage-types.js';
import { readTagging, requestTagConditions, storedTags, type Tag, tagsOf } from './tagging.js';

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

/** The tag set a PutObjectTagging asks for, from the body its authorization and its handler share. */
function objectTagsOf(req: ApiRequest): Promise<Tag[]> {
  return readXmlBodyOnce(req, ['Tag']).then((document) => readTagging(document, 'object'));
}

/**
 * PutObjectTagging's condition keys from its body: s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys of the
 * tag set it asks for; none for a body that is not a valid one (the handler then refuses it).
 */
export async function objectTaggingConditions(req: ApiRequest): Promise<ConditionValues> {
  const tags = await objectTagsOf(req).catch(() => undefined);
  return tags === undefined ? {} : requestTagConditions(() => tags);
}

/**
 * Put/Get/DeleteObjectTagging (of the current version or the one `versionId` names, kept in its row's `tags`)
 * and Put/Get/DeleteBucketTagging (the bucket's `tagging` setting).
 */
export function createS3TaggingApi(storage: StorageService): S3TaggingApi {
  return {
    async putObjectTagging(req, bucket, key) {
      await storage.headBucket(bucket);
      const tags = await objectTagsOf(req);
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
      // An empty tag set removes the bucket's tags, as S3 does: GetBucketTagging is then NoSuchTagSet.
      if (tags.length === 0) await storage.settings.delete(bucket, 'tagging');
      else await storage.settings.put(bucket, 'tagging', JSON.stringify(tags));
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
