import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { jsonOperation } from '../lib/aws-json.js';
import type { ApiRequest } from '../lib/http.js';
import { checkS3Inputs, defineS3Operation, resolveS3Operation } from './s3-operations.js';
import { S3_QUERY_PARAMETERS, S3_REQUEST_HEADERS, S3_SUBRESOURCES } from './s3-vocabulary.js';
import type { StorageService } from './storage-types.js';

function request(
  method: string,
  headers: Record<string, string>,
  query: [string, string][] = [],
): ApiRequest {
  return {
    requestId: 'r',
    method,
    rawPath: '/b/k',
    query,
    headers,
    body: Readable.from([]),
    trailers: () => ({}),
    contentLength: 0,
    principal: {
      accountId: '111122223333',
      arn: 'arn:aws:iam::111122223333:root',
      accessKeyId: 'AKIA',
      type: 'Root',
      userId: '111122223333',
    },
    region: 'ca-west-1',
    host: 'localhost',
    reserve: () => {},
  };
}

const ok = async () => ({ status: 200 });
const storage = {} as StorageService;
const put = defineS3Operation(
  {
    name: 'PutObject',
    action: 's3:PutObject',
    method: 'PUT',
    level: 'object',
    headers: { 'content-type': 'handled', 'x-amz-meta-*': 'handled' },
    query: {},
    handle: ok,
  },
  storage,
);
const upload = defineS3Operation(
  {
    name: 'UploadPart',
    action: 's3:PutObject',
    method: 'PUT',
    level: 'object',
    selector: { name: 'uploadId' },
    headers: {},
    query: { partNumber: 'handled' },
    handle: ok,
  },
  storage,
);

async function refusal(operation = put, req = request('PUT', {})): Promise<AppError | undefined> {
  try {
    await checkS3Inputs(operation, { req, storage, bucket: 'b', key: 'k' });
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

describe('S3 operation declarations', () => {
  it('keep the vocabulary sorted and free of duplicates', () => {
    for (const list of [
      S3_REQUEST_HEADERS,
      S3_QUERY_PARAMETERS,
      S3_SUBRESOURCES,
    ] as readonly (readonly string[])[]) {
      expect([...list].sort()).toEqual(list);
      expect(new Set(list).size).toBe(list.length);
    }
  });

  it('refuse S3 headers an operation does not understand, ignore the rest', async () => {
    const refused = await refusal(put, request('PUT', { 'x-amz-tagging': 'a=b', 'x-amz-foo': '1' }));
    expect([refused?.code, refused?.status, refused?.fields.Header]).toEqual([
      'NotImplemented',
      501,
      'x-amz-tagging',
    ]);
    expect(refused?.message).toBe('A header you provided implies functionality that is not implemented.');
    const fine = request('PUT', { 'x-amz-foo': '1', 'content-type': 'text/plain', 'x-amz-meta-a': 'b' }, [
      ['foo', 'bar'],
      ['x-id', 'PutObject'],
    ]);
    expect(await refusal(put, fine)).toBeUndefined();
    // Metadata is understood only where declared; message headers (Content-Type, Range…) everywhere.
    expect((await refusal(upload, request('PUT', { 'x-amz-meta-a': 'b' })))?.fields.Header).toBe(
      'x-amz-meta-a',
    );
    expect(
      await refusal(upload, request('PUT', { range: 'bytes=0-1', 'content-type': 'x' })),
    ).toBeUndefined();
  });

  it('refuse S3 parameters and subresources an operation does not understand', async () => {
    expect((await refusal(put, request('PUT', {}, [['tagging', '']])))?.message).toMatch(
      /'tagging' subresource/,
    );
    expect((await refusal(put, request('PUT', {}, [['versionId', 'x']])))?.message).toMatch(
      /'versionId' parameter/,
    );
    expect(
      await refusal(
        upload,
        request('PUT', {}, [
          ['uploadId', 'u'],
          ['partNumber', '1'],
        ]),
      ),
    ).toBeUndefined();
  });

  it('resolve by selector first, and answer MethodNotAllowed for a selector of another method', () => {
    const table = [put, upload];
    expect(resolveS3Operation(table, request('PUT', {}, [['uploadId', 'u']]), 'object').name).toBe(
      'UploadPart',
    );
    expect(resolveS3Operation(table, request('PUT', {}), 'object').name).toBe('PutObject');
    expect(() => resolveS3Operation(table, request('POST', {}), 'object')).toThrow(/method is not allowed/);
  });

  it('resolve by a selecting header after the selector: x-amz-copy-source makes a copy', () => {
    const copy = (name: 'CopyObject' | 'UploadPartCopy', selector?: 'uploadId') =>
      defineS3Operation(
        {
          name,
          action: 's3:PutObject',
          method: 'PUT',
          level: 'object',
          ...(selector ? { selector: { name: selector } } : {}),
          selectorHeader: 'x-amz-copy-source',
          headers: { 'x-amz-copy-source': 'handled' },
          query: { partNumber: 'handled' },
          handle: ok,
        },
        storage,
      );
    const table = [copy('CopyObject'), put, copy('UploadPartCopy', 'uploadId'), upload];
    const source = { 'x-amz-copy-source': 'b/k' };
    const name = (headers: Record<string, string>, query: [string, string][] = []) =>
      resolveS3Operation(table, request('PUT', headers, query), 'object').name;
    expect(name(source)).toBe('CopyObject');
    expect(name({})).toBe('PutObject');
    expect(name(source, [['uploadId', 'u']])).toBe('UploadPartCopy');
    expect(name({}, [['uploadId', 'u']])).toBe('UploadPart');
  });

  it('cannot be declared without their action, resources and inputs, nor read undeclared JSON members', () => {
    const bare = {
      name: 'HeadBucket',
      action: 's3:ListBucket',
      method: 'HEAD',
      level: 'bucket',
      handle: ok,
    } as const;
    // @ts-expect-error: an operation must say which headers and query parameters it understands.
    defineS3Operation(bare, storage);
    const head = { name: 'HeadBucket', method: 'HEAD', level: 'bucket', query: {}, handle: ok } as const;
    // @ts-expect-error: only S3's own header names can be declared.
    defineS3Operation({ ...head, action: 's3:ListBucket', headers: { 'x-foo': 'handled' } }, storage);
    // @ts-expect-error: an operation must name its IAM action.
    defineS3Operation({ ...head, headers: {} }, storage);
    jsonOperation(
      ['Name'],
      () => ['*'],
      async (input) => {
        // @ts-expect-error: a handler cannot read a member it did not declare.
        return input.Schedule;
      },
    );
    // @ts-expect-error: a JSON operation must say which resources it touches.
    jsonOperation(['Name'], async () => ({}));
  });
});
