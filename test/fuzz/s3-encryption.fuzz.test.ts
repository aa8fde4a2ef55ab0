import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import type { OperationRequest } from '../../src/lib/operation.js';
import { parseXml, toXml } from '../../src/lib/xml.js';
import {
  bucketEncryptionDocument,
  encryptionRequestOf,
  readBucketEncryption,
} from '../../src/storage/object-encryption.js';
import { fuzzParameters } from './fuzz-runs.js';
import { wireText } from './mutations.js';

/** A request as the encryption parsers see it: its headers, and where it came from. */
function request(headers: Record<string, string>, sourceIp = '127.0.0.1'): OperationRequest {
  return {
    headers,
    facts: { sourceIp, secureTransport: false, time: new Date(), userAgent: '' },
  } as unknown as OperationRequest;
}

/** A client error in S3's shape: a 4xx or 501 AppError. */
function isClientError(error: unknown): boolean {
  return isAppError(error) && ((error.status >= 400 && error.status < 500) || error.status === 501);
}

const base64Json = fc
  .dictionary(
    fc.string({ maxLength: 10 }),
    fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null)),
  )
  .map((value) => Buffer.from(JSON.stringify(value)).toString('base64'));

const header = (values: fc.Arbitrary<string>) => fc.option(values, { nil: undefined });

describe('S3 encryption parsers under fuzzing', () => {
  it('encryptionRequestOf answers a well-formed request or refuses with a client error, never more', () => {
    const key = randomBytes(32);
    const goodKey = key.toString('base64');
    const goodMd5 = createHash('md5').update(key).digest('base64');
    const headers = fc.record({
      'x-amz-server-side-encryption': header(
        fc.oneof(fc.constantFrom('AES256', 'aws:kms', 'aws:kms:dsse'), wireText(20)),
      ),
      'x-amz-server-side-encryption-aws-kms-key-id': header(
        fc.oneof(fc.constant('alias/lake'), wireText(40)),
      ),
      'x-amz-server-side-encryption-context': header(fc.oneof(base64Json, wireText(40))),
      'x-amz-server-side-encryption-bucket-key-enabled': header(
        fc.oneof(fc.constantFrom('true', 'false'), wireText(8)),
      ),
      'x-amz-server-side-encryption-customer-algorithm': header(
        fc.oneof(fc.constant('AES256'), wireText(10)),
      ),
      'x-amz-server-side-encryption-customer-key': header(
        fc.oneof(
          fc.constant(goodKey),
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
          wireText(50),
        ),
      ),
      'x-amz-server-side-encryption-customer-key-md5': header(fc.oneof(fc.constant(goodMd5), wireText(30))),
    });
    fc.assert(
      fc.property(headers, fc.constantFrom('127.0.0.1', '::1', '10.0.0.7'), (sent, ip) => {
        const defined = Object.fromEntries(Object.entries(sent).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >;
        let asked: ReturnType<typeof encryptionRequestOf>;
        try {
          asked = encryptionRequestOf(request(defined, ip));
        } catch (error) {
          expect(isClientError(error), String(error)).toBe(true);
          return;
        }
        if (!asked) return;
        if (asked.customerKey) {
          // An SSE-C key is taken only whole, matching its MD5, from this machine, and alone.
          expect(asked.customerKey.key.equals(key)).toBe(true);
          expect(ip).not.toBe('10.0.0.7');
          expect(defined['x-amz-server-side-encryption']).toBeUndefined();
          return;
        }
        if (asked.algorithm === undefined) {
          // Only an S3 Bucket Key setting: the bucket's default with it.
          expect(Object.keys(asked)).toEqual(['bucketKey']);
          expect(defined['x-amz-server-side-encryption-bucket-key-enabled']).toBe(String(asked.bucketKey));
          return;
        }
        expect(['AES256', 'aws:kms']).toContain(asked.algorithm);
        expect(asked.algorithm).toBe(defined['x-amz-server-side-encryption']);
        if (asked.context)
          for (const value of Object.values(asked.context)) expect(typeof value).toBe('string');
        if (asked.algorithm === 'AES256') expect(asked.keyId).toBeUndefined();
      }),
      fuzzParameters(3000),
    );
  });

  it('readBucketEncryption takes what it renders back, and refuses other documents with a client error', () => {
    const rule = fc.record(
      {
        ApplyServerSideEncryptionByDefault: fc.record(
          {
            SSEAlgorithm: fc.oneof(fc.constantFrom('AES256', 'aws:kms', 'aws:kms:dsse'), wireText(10)),
            KMSMasterKeyID: fc.oneof(fc.constant('alias/lake'), wireText(20)),
          },
          { requiredKeys: [] },
        ),
        BucketKeyEnabled: fc.oneof(fc.constantFrom('true', 'false'), wireText(6)),
        BlockedEncryptionTypes: fc.record({
          EncryptionType: fc.array(fc.oneof(fc.constantFrom('NONE', 'SSE-C'), wireText(6)), { maxLength: 3 }),
        }),
        Other: wireText(5),
      },
      { requiredKeys: [] },
    );
    const documents = fc.oneof(
      fc
        .array(rule, { maxLength: 2 })
        .map((rules) => toXml('ServerSideEncryptionConfiguration', { Rule: rules } as never)),
      wireText(200),
    );
    fc.assert(
      fc.property(documents, fc.constantFrom('ca-west-1', 'me-south-1'), (xml, region) => {
        let config: ReturnType<typeof readBucketEncryption>;
        try {
          const parsed = parseXml(xml, ['Rule', 'EncryptionType']);
          config = readBucketEncryption(
            parsed.ServerSideEncryptionConfiguration as Record<string, unknown>,
            region,
          );
        } catch (error) {
          // parseXml's own refusal of what is not XML is not S3's concern here.
          if (error instanceof Error && error.name === 'XmlParseError') return;
          expect(isClientError(error), String(error)).toBe(true);
          return;
        }
        expect(['AES256', 'aws:kms']).toContain(config.algorithm);
        if (config.algorithm === 'AES256') expect(config.keyId).toBeUndefined();
        // What GetBucketEncryption renders reads back the same.
        const rendered = toXml(
          'ServerSideEncryptionConfiguration',
          bucketEncryptionDocument(config) as never,
        );
        const again = parseXml(rendered, ['Rule', 'EncryptionType']);
        expect(
          readBucketEncryption(again.ServerSideEncryptionConfiguration as Record<string, unknown>, region),
        ).toEqual(config);
      }),
      fuzzParameters(2000),
    );
  });
});
