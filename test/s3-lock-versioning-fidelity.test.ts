import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureFields } from './helpers/failure.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/*
 * What S3 answers was recorded from AWS itself, raw requests and responses, by a public compatibility suite's
 * report "S3 Compliance: Versioning Mix — DeleteMarker as Source" (s3.us-east-1.amazonaws.com, 2026-04-05, 34
 * cases): delete markers as the target of ACL and copy requests, UploadPart with a version id, and empty or
 * malformed version ids on CopyObject, UploadPartCopy, UploadPart and Get/PutObjectAcl.
 */

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'lock-versioning-fidelity';

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  // ACLs allowed, so a refused ACL write is refused for the delete marker and not for the ownership setting.
  await s3.send(
    new CreateBucketCommand({
      Bucket: BUCKET,
      ObjectLockEnabledForBucket: true,
      ObjectOwnership: 'BucketOwnerPreferred',
    }),
  );
});
afterAll(async () => {
  await t.close();
});

/** Puts `key` and hides it behind a delete marker; answers the version and the marker's ids. */
async function deletedKey(key: string): Promise<{ version: string; marker: string }> {
  const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
  const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  return { version: put.VersionId ?? '', marker: deleted.VersionId ?? '' };
}

/** The S3 error fields of a refused SDK call, with its status. */
async function refusal(promise: Promise<unknown>) {
  const { Code, message, Method, ResourceType, ArgumentName, ArgumentValue, $metadata } =
    await failureFields(promise);
  return {
    Code,
    Message: message,
    Method,
    ResourceType,
    ArgumentName,
    ArgumentValue,
    status: ($metadata as { httpStatusCode?: number }).httpStatusCode,
  };
}

const markerRefusal = (method: string) => ({
  Code: 'MethodNotAllowed',
  Message: 'The specified method is not allowed against this resource.',
  Method: method,
  ResourceType: 'DeleteMarker',
  ArgumentName: undefined,
  ArgumentValue: undefined,
  status: 405,
});

describe('requests to a delete marker', () => {
  it('the 405 names the method of the request refused, PUT for the writes to a marker', async () => {
    const { marker } = await deletedKey('dm-method');
    const named = { Bucket: BUCKET, Key: 'dm-method', VersionId: marker };
    expect(await refusal(s3.send(new GetObjectCommand(named)))).toEqual(markerRefusal('GET'));
    expect(await refusal(s3.send(new GetObjectAclCommand(named)))).toEqual(markerRefusal('GET'));
    expect(await refusal(s3.send(new PutObjectAclCommand({ ...named, ACL: 'private' })))).toEqual(
      markerRefusal('PUT'),
    );
    const retention = { Mode: 'GOVERNANCE' as const, RetainUntilDate: new Date('2140-01-01T00:00:00Z') };
    expect(
      await refusal(
        s3.send(
          new PutObjectRetentionCommand({ ...named, Retention: retention, ChecksumAlgorithm: 'CRC32' }),
        ),
      ),
    ).toEqual(markerRefusal('PUT'));
    expect(
      await refusal(
        s3.send(
          new PutObjectLegalHoldCommand({
            ...named,
            LegalHold: { Status: 'ON' },
            ChecksumAlgorithm: 'CRC32',
          }),
        ),
      ),
    ).toEqual(markerRefusal('PUT'));
  });

  it('PutObjectAcl on a key whose current version is a delete marker is a 405 too, not NoSuchKey', async () => {
    await deletedKey('dm-acl');
    const answer = await signed('PUT', `/${BUCKET}/dm-acl`, { acl: '' }, { 'x-amz-acl': 'private' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('DELETE');
    // The marker is not named, so its headers are not told.
    expect(answer.headers['x-amz-delete-marker']).toBeUndefined();
    expect(answer.body).toContain('<Method>PUT</Method><ResourceType>DeleteMarker</ResourceType>');
    // A read of it is still the NoSuchKey of a missing key.
    expect(await refusal(s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: 'dm-acl' })))).toMatchObject({
      Code: 'NoSuchKey',
      status: 404,
    });
  });
});

describe('version ids S3 refuses', () => {
  it('in x-amz-copy-source: named as the header, and CopyObject words a malformed one as a bare InvalidRequest', async () => {
    const { version } = await deletedKey('copy-source');
    const copy = (CopySource: string) =>
      refusal(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-target', CopySource })));
    expect(await copy(`${BUCKET}/copy-source?versionId=`)).toEqual({
      Code: 'InvalidArgument',
      Message: 'Version id cannot be the empty string',
      Method: undefined,
      ResourceType: undefined,
      ArgumentName: 'x-amz-copy-source',
      ArgumentValue: '',
      status: 400,
    });
    expect(await copy(`${BUCKET}/copy-source?versionId=abc`)).toEqual({
      Code: 'InvalidRequest',
      Message: 'Invalid Request',
      Method: undefined,
      ResourceType: undefined,
      ArgumentName: undefined,
      ArgumentValue: undefined,
      status: 400,
    });
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts' }));
    const partCopy = (CopySource: string) =>
      refusal(
        s3.send(
          new UploadPartCopyCommand({ Bucket: BUCKET, Key: 'parts', UploadId, PartNumber: 1, CopySource }),
        ),
      );
    expect(await partCopy(`${BUCKET}/copy-source?versionId=abc`)).toEqual({
      Code: 'InvalidArgument',
      Message: 'Invalid version id specified',
      Method: undefined,
      ResourceType: undefined,
      ArgumentName: 'x-amz-copy-source',
      ArgumentValue: 'abc',
      status: 400,
    });
    expect(await partCopy(`${BUCKET}/copy-source?versionId=`)).toMatchObject({
      Code: 'InvalidArgument',
      Message: 'Version id cannot be the empty string',
      ArgumentName: 'x-amz-copy-source',
    });
    // A well-formed version id still copies that version.
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'copy-target',
        CopySource: `${BUCKET}/copy-source?versionId=${version}`,
      }),
    );
    expect(copied.CopySourceVersionId).toBe(version);
  });

  it('UploadPart takes no version id at all, not even a real one', async () => {
    const { version } = await deletedKey('part-version');
    const { UploadId = '' } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'part-version' }),
    );
    for (const versionId of ['abc', '', version, 'null']) {
      const answer = await signed('PUT', `/${BUCKET}/part-version`, {
        partNumber: '1',
        uploadId: UploadId,
        versionId,
      });
      expect(answer.status, versionId).toBe(400);
      expect(answer.body, versionId).toContain(
        '<Code>InvalidArgument</Code><Message>This operation does not accept a version-id.</Message>' +
          `<ArgumentName>versionId</ArgumentName><ArgumentValue>${versionId}</ArgumentValue>`,
      );
    }
  });
});

/** A request signed with the SDK's signer, its query as given (an empty value sent as `name=`). */
async function signed(
  method: string,
  path: string,
  query: Record<string, string>,
  headers: Record<string, string> = {},
  body = 'x',
) {
  const signedAs = await signedHeaders(t, {
    method,
    path,
    query,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers },
  });
  const search = Object.entries(query)
    .map(([name, value]) =>
      value === '' && name !== 'versionId' ? name : `${name}=${encodeURIComponent(value)}`,
    )
    .join('&');
  return rawRequest(t.url, {
    method,
    path: `${path}?${search}`,
    headers: { ...signedAs, 'content-length': Buffer.byteLength(body) },
    body,
  });
}
