import { describe, expect, it } from 'vitest';
import { copyRange, parseCopySource } from './s3-copy-api.js';

const code = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

describe('copy source and range', () => {
  it('reads the bucket, the URL-encoded key and the version of x-amz-copy-source', () => {
    expect(parseCopySource('/b/dir/a%20b%2Bc.txt', 'CopyObject')).toEqual({
      bucket: 'b',
      key: 'dir/a b+c.txt',
    });
    expect(parseCopySource('b/k?versionId=null', 'CopyObject')).toEqual({
      bucket: 'b',
      key: 'k',
      versionId: 'null',
    });
    expect(parseCopySource('b/%3Fq%3D1', 'CopyObject')).toEqual({ bucket: 'b', key: '?q=1' });
    for (const operation of ['CopyObject', 'UploadPartCopy'] as const)
      for (const bad of ['', '/', 'b', 'b/', '/k', 'b/%zz', 'b/k?other=1', 'b/k?versionId='])
        expect(
          code(() => parseCopySource(bad, operation)),
          `${operation} ${bad}`,
        ).toBe('InvalidArgument');
    // A malformed (not empty) version id: CopyObject's answer is a bare InvalidRequest, UploadPartCopy's names it.
    expect(code(() => parseCopySource('b/k?versionId=abc', 'CopyObject'))).toBe('InvalidRequest');
    expect(code(() => parseCopySource('b/k?versionId=abc', 'UploadPartCopy'))).toBe('InvalidArgument');
  });

  it('takes exactly bytes=first-last inside the source and at most 5 GiB', () => {
    expect(copyRange('bytes=0-0', 1)).toEqual({ start: 0, end: 0 });
    expect(copyRange('bytes=2-5', 10)).toEqual({ start: 2, end: 5 });
    expect(code(() => copyRange('bytes=0-10', 10))).toBe('InvalidArgument');
    for (const bad of ['bytes=5-2', 'bytes=-3', 'bytes=1-', ' bytes=0-1', 'bytes=0-1,2-3', 'bytes=a-b'])
      expect(
        code(() => copyRange(bad, 10)),
        bad,
      ).toBe('InvalidArgument');
    const sixGiB = 6 * 1024 ** 3;
    expect(copyRange(`bytes=0-${5 * 1024 ** 3 - 1}`, sixGiB).end).toBe(5 * 1024 ** 3 - 1);
    expect(code(() => copyRange(`bytes=0-${5 * 1024 ** 3}`, sixGiB))).toBe('InvalidArgument');
  });
});
