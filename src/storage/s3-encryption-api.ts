import type { ApiRequest, ApiResponse } from '../lib/http.js';
import {
  bucketEncryptionDocument,
  parseBucketEncryption,
  readBucketEncryption,
} from './object-encryption.js';
import { readXmlBody, xmlResponse } from './s3-wire.js';
import type { StorageService } from './storage-types.js';

/**
 * Put/Get/DeleteBucketEncryption: the bucket's default encryption, kept as its `encryption` setting. Every
 * bucket has one: SSE-S3 with SSE-C blocked until it is put, and again once it is deleted, as in S3.
 */
export async function bucketEncryption(
  storage: StorageService,
  name: 'PutBucketEncryption' | 'GetBucketEncryption' | 'DeleteBucketEncryption',
  req: ApiRequest,
  bucket: string,
): Promise<ApiResponse> {
  const { region } = await storage.headBucket(bucket);
  if (name === 'GetBucketEncryption')
    return xmlResponse(
      'ServerSideEncryptionConfiguration',
      bucketEncryptionDocument(
        parseBucketEncryption(await storage.settings.get(bucket, 'encryption'), region),
      ),
    );
  if (name === 'DeleteBucketEncryption') {
    await storage.settings.delete(bucket, 'encryption');
    return { status: 204 };
  }
  const document = await readXmlBody(req, ['Rule', 'EncryptionType']);
  const config = readBucketEncryption(
    document?.ServerSideEncryptionConfiguration as Record<string, unknown>,
    region,
  );
  await storage.settings.put(bucket, 'encryption', JSON.stringify(config));
  return { status: 200 };
}
