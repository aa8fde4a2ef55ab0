import { describe, expect, it } from 'vitest';
import { parseQuery } from '../lib/http.js';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  EMPTY_SHA256,
  hmacHex,
  parseAuthorizationHeader,
  parsePresignedQuery,
  signingKey,
  stringToSign,
} from './sigv4.js';

// The worked examples of https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html and
// sigv4-query-string-auth.html.
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SCOPE = '20130524/us-east-1/s3/aws4_request';
const key = () => signingKey(SECRET, '20130524', 'us-east-1', 's3');

describe('sigv4', () => {
  it("reproduces AWS's GET Object header-signature example", () => {
    const headers: Record<string, string> = {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': EMPTY_SHA256,
      'x-amz-date': '20130524T000000Z',
    };
    const canonical = canonicalRequest({
      method: 'GET',
      uri: canonicalUri('/test.txt', 's3'),
      query: '',
      headers: (name) => headers[name],
      signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      payloadHash: EMPTY_SHA256,
    });
    const signature = hmacHex(key(), stringToSign('20130524T000000Z', SCOPE, canonical));
    expect(signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it("reproduces AWS's presigned URL example", () => {
    const query = parseQuery(
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
    const parts = parsePresignedQuery(query);
    expect(parts).toMatchObject({
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      region: 'us-east-1',
      service: 's3',
      expires: 86400,
    });
    const canonical = canonicalRequest({
      method: 'GET',
      uri: canonicalUri('/test.txt', 's3'),
      query: canonicalQuery(query, 'X-Amz-Signature'),
      headers: () => 'examplebucket.s3.amazonaws.com',
      signedHeaders: parts.signedHeaders,
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    expect(hmacHex(key(), stringToSign(parts.amzDate, SCOPE, canonical))).toBe(parts.signature);
  });

  it('canonicalises paths and queries the way SDKs sign them', () => {
    expect(canonicalUri('/bucket/a%20b/%E2%82%AC', 's3')).toBe('/bucket/a%20b/%E2%82%AC');
    expect(canonicalUri("/bucket/it's(1)", 's3')).toBe('/bucket/it%27s%281%29');
    expect(canonicalUri('/bucket/a//b', 's3')).toBe('/bucket/a//b');
    expect(canonicalUri('/recipes/a%20b', 'databrew')).toBe('/recipes/a%2520b');
    expect(canonicalQuery(parseQuery('prefix=a%2Fb&list-type=2&delimiter=%2F&acl'))).toBe(
      'acl=&delimiter=%2F&list-type=2&prefix=a%2Fb',
    );
  });

  it('parses the field separators clients write: a comma alone, or with spaces or a tab, and trailing spaces', () => {
    const signature = 'ab'.repeat(32);
    for (const [first, second] of [
      [',', ','],
      [', ', ', '],
      [',\t', ' , '],
    ]) {
      const header = `AWS4-HMAC-SHA256 Credential=AKIDAKIDAKIDAKID/20130524/us-east-1/s3/aws4_request${first}SignedHeaders=host;x-amz-date${second}Signature=${signature}  `;
      expect(parseAuthorizationHeader(header, '20130524T000000Z')).toMatchObject({
        accessKeyId: 'AKIDAKIDAKIDAKID',
        scopeDate: '20130524',
        region: 'us-east-1',
        service: 's3',
        signedHeaders: ['host', 'x-amz-date'],
        signature,
      });
    }
  });

  it('rejects malformed authorization headers and presigned parameters with S3 codes', () => {
    const bad = [
      'AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host',
      'AWS4-HMAC-SHA256 Credential=AKIDAKIDAKIDAKID/2013/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=' +
        'a'.repeat(64),
      'AWS4-HMAC-SHA256 Credential=AKIDAKIDAKIDAKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=Host;X, Signature=' +
        'a'.repeat(64),
      'AWS4-HMAC-SHA512 Credential=x',
      '',
      `AWS4-HMAC-SHA256 Credential=AKIDAKIDAKIDAKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature =${'a'.repeat(64)}`,
      `AWS4-HMAC-SHA256 Credential=AKIDAKIDAKIDAKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature= ${'a'.repeat(64)}`,
    ];
    for (const header of bad) {
      expect(() => parseAuthorizationHeader(header, '20130524T000000Z')).toThrow(
        expect.objectContaining({ code: 'AuthorizationHeaderMalformed' }),
      );
    }
    const expires = parseQuery(
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=' +
        'a'.repeat(64),
    );
    expect(() => parsePresignedQuery(expires)).toThrow(
      expect.objectContaining({ code: 'AuthorizationQueryParametersError' }),
    );
  });
});
