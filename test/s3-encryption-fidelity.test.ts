import { createHash, randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/** The SSE-C headers of a request for `key`, as the SDK sends them. */
function sseC(key: Buffer) {
  return {
    SSECustomerAlgorithm: 'AES256',
    SSECustomerKey: key.toString('base64'),
    SSECustomerKeyMD5: createHash('md5').update(key).digest('base64'),
  };
}

// Bahrain, where S3 left SSE-C allowed on new buckets: no encryption configuration to unblock it first.
describe('SSE-C on the parts of a multipart upload', () => {
  let t: TestSeawall;
  let s3: S3Client;
  const BUCKET = 'parts-keyed';
  const key = randomBytes(32);
  const other = randomBytes(32);
  let uploadId: string | undefined;

  beforeAll(async () => {
    t = await startTestSeawall({ env: { SEAWALL_REGION: 'me-south-1' } });
    s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'source', Body: 'plain source' }));
    ({ UploadId: uploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'joined', ...sseC(key) }),
    ));
  });
  afterAll(async () => {
    await t.close();
  });

  // S3's answer to a part sent without the upload's key, as clients quote it from AWS (aws-sdk-ruby#1084,
  // terricain/aioboto3#271: "InvalidRequest … when calling the UploadPart operation").
  const keyMissing = {
    code: 'InvalidRequest',
    status: 400,
    message:
      'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.',
  };
  // A part under another key than the upload's: 400, not the 403 a read with a wrong key gets.
  const keyMismatch = {
    code: 'InvalidRequest',
    status: 400,
    message: 'The provided encryption parameters did not match the ones used originally.',
  };

  it('UploadPart without the key, or with another, is refused as S3 refuses it', async () => {
    const part = (extra: object) =>
      s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: 'joined',
          UploadId: uploadId,
          PartNumber: 1,
          Body: 'part',
          ...extra,
        }),
      );
    expect(await failureOf(part({}))).toEqual(keyMissing);
    expect(await failureOf(part(sseC(other)))).toEqual(keyMismatch);
    const sent = await part(sseC(key));
    expect(sent.SSECustomerKeyMD5).toBe(sseC(key).SSECustomerKeyMD5);
  });

  it('UploadPartCopy without the key, or with another, is refused the same way', async () => {
    const copy = (extra: object) =>
      s3.send(
        new UploadPartCopyCommand({
          Bucket: BUCKET,
          Key: 'joined',
          UploadId: uploadId,
          PartNumber: 2,
          CopySource: `${BUCKET}/source`,
          ...extra,
        }),
      );
    expect(await failureOf(copy({}))).toEqual(keyMissing);
    expect(await failureOf(copy(sseC(other)))).toEqual(keyMismatch);
    const copied = await copy(sseC(key));
    expect(copied.SSECustomerKeyMD5).toBe(sseC(key).SSECustomerKeyMD5);
  });
});
