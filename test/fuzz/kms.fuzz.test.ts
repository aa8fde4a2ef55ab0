import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { CreateAliasCommand, CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { open, seal, sealedHeader } from '../../src/kms/kms-ciphertext.js';
import { rawRequest, signedHeaders } from '../helpers/raw.js';
import { startTestSeawall, type TestSeawall } from '../helpers/seawall.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';

const KEY = '0f8e6a52-1b7c-4d3e-9a2b-3c4d5e6f7a8b';
const MATERIAL = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

function isInvalidCiphertext(error: unknown): boolean {
  return isAppError(error) && error.code === 'InvalidCiphertextException' && error.status === 400;
}

describe('KMS ciphertext blobs under fuzzing', () => {
  const material = randomBytes(32);
  const context = { dataset: 'parking-tickets' };

  it('any bytes are refused as InvalidCiphertextException or open to nothing but what was sealed', () => {
    const plaintext = Buffer.from('the data key');
    const sealed = seal(material, { keyId: KEY, materialId: MATERIAL }, plaintext, context);
    const blob = fc.oneof(
      fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
      // The sealed blob with one byte changed, cut short, or grown.
      fc.tuple(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
        const copy = Buffer.from(sealed);
        copy[at] = (copy[at] ?? 0) ^ xor;
        return copy;
      }),
      fc.nat({ max: sealed.length - 1 }).map((n) => sealed.subarray(0, n)),
      fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.concat([sealed, Buffer.from(b)])),
    );
    fc.assert(
      fc.property(blob, (bytes) => {
        // The header names a key and a material as UUIDs, or the blob is not one.
        try {
          const header = sealedHeader(bytes);
          expect(header.keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
          expect(header.materialId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        } catch (error) {
          expect(isInvalidCiphertext(error), String(error)).toBe(true);
        }
        try {
          const opened = open(material, bytes, context);
          // Only the blob as sealed opens, to exactly what was sealed.
          expect(bytes.equals(sealed)).toBe(true);
          expect(opened.equals(plaintext)).toBe(true);
        } catch (error) {
          expect(isInvalidCiphertext(error), String(error)).toBe(true);
        }
      }),
      fuzzParameters(2000),
    );
  });

  it('a blob opens only with the context it was sealed with', () => {
    const entry = fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), fc.array(entry, { maxLength: 4 }), (a, b) => {
        const sealedWith = Object.fromEntries(a);
        const openedWith = Object.fromEntries(b);
        const blob = seal(material, { keyId: KEY, materialId: MATERIAL }, Buffer.from('x'), sealedWith);
        // The same pairs, whatever their order (node's deep equality, not the module's canonical form).
        const same = isDeepStrictEqual(sealedWith, openedWith);
        try {
          expect(open(material, blob, openedWith).toString()).toBe('x');
          expect(same).toBe(true);
        } catch (error) {
          expect(isInvalidCiphertext(error), String(error)).toBe(true);
          expect(same).toBe(false);
        }
      }),
      fuzzParameters(500),
    );
  });
});

const OPERATIONS = [
  'CreateKey',
  'DescribeKey',
  'ListKeys',
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateRandom',
  'GenerateMac',
  'VerifyMac',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'ListAliases',
  'PutKeyPolicy',
  'GetKeyPolicy',
  'TagResource',
  'UntagResource',
  'ListResourceTags',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'EnableKeyRotation',
  'ListKeyRotations',
  'CreateGrant',
  'ListGrants',
  'ListRetirableGrants',
  'RetireGrant',
  'RevokeGrant',
];

describe('the KMS API under fuzzing', () => {
  let t: TestSeawall;
  let keyId = '';
  let blob = '';
  beforeAll(async () => {
    t = await startTestSeawall();
    const kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    keyId = KeyMetadata?.KeyId ?? '';
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/fuzz', TargetKeyId: keyId }));
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }),
    );
    blob = Buffer.from(CiphertextBlob ?? []).toString('base64');
    kms.destroy();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers any operation and body with a result or its JSON error, never a failure of the server', async () => {
    const template = () =>
      fc.constantFrom(
        `{"KeyId":"${keyId}","Plaintext":"eA==","EncryptionContext":{"a":"b"}}`,
        `{"CiphertextBlob":"${blob}","KeyId":"alias/fuzz"}`,
        `{"CiphertextBlob":"${blob}","DestinationKeyId":"${keyId}","DestinationEncryptionContext":{"x":"y"}}`,
        `{"KeyId":"alias/fuzz","KeySpec":"AES_256"}`,
        '{"KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC","Tags":[{"TagKey":"a","TagValue":"b"}]}',
        `{"AliasName":"alias/x","TargetKeyId":"${keyId}"}`,
        `{"KeyId":"${keyId}","Policy":"{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[]}"}`,
        '{"Limit":2,"Marker":"MQ"}',
        `{"KeyId":"${keyId}","GranteePrincipal":"arn:aws:iam::123456789012:root","Operations":["Encrypt"],"Constraints":{"EncryptionContextSubset":{"a":"b"}},"Name":"g"}`,
        `{"KeyId":"${keyId}","GrantId":"${'0'.repeat(64)}","GrantToken":"x","GrantTokens":["x"]}`,
      );
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: template().chain((doc) =>
          mutated(doc, fc.constantFrom('"', '{}', '[]', '1', 'null', '=', 'alias/', '-1')),
        ),
      },
      fc.jsonValue().map((v) => JSON.stringify(v)),
      wireText(60).filter((text) => /^[\t\n\r\x20-\x7e]*$/.test(text)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPERATIONS), body, async (operation, text) => {
        const headers = {
          'x-amz-target': `TrentService.${operation}`,
          'content-type': 'application/x-amz-json-1.1',
        };
        const signed = await signedHeaders(t, {
          method: 'POST',
          path: '/',
          service: 'kms',
          headers,
          body: text,
        });
        const res = await rawRequest(t.url, {
          method: 'POST',
          path: '/',
          headers: { ...signed, 'content-length': Buffer.byteLength(text) },
          body: text,
        });
        expect(res.status < 500, `${operation} ${res.status} ${res.body}`).toBe(true);
        if (res.status >= 400) {
          const error = JSON.parse(res.body) as { __type?: unknown };
          expect(typeof error.__type).toBe('string');
        } else JSON.parse(res.body);
      }),
      fuzzParameters(200, { caseTimeoutMs: 20_000 }),
    );
    expect((await fetch(`${t.url}/_seawall/health`)).status).toBe(200);
  });
});
