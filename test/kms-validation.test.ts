import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateRandomCommand,
  KMSClient,
  ListKeysCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * KMS's answers to input its API model refuses, in AWS's words. The expected messages are AWS's own, as
 * recorded against AWS: LocalStack's validated snapshots (tests/aws/services/kms/test_kms.snapshot.json), moto's
 * aws_verified tests, and errors quoted with AWS request ids in public issues.
 */
describe('KMS input validation, as AWS words it', () => {
  let t: TestSeawall;
  let kms: KMSClient;
  let KeyId: string;
  beforeAll(async () => {
    t = await startTestSeawall();
    kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
  });
  afterAll(async () => {
    kms?.destroy();
    await t?.close();
  });

  const invalid = (message: string) => ({ code: 'ValidationException', status: 400, message });
  const tagException = (message: string) => ({ code: 'TagException', status: 400, message });

  it('words range violations as the model states them: at least, at most', async () => {
    expect(await failureOf(kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })))).toEqual(
      invalid(
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    );
    expect(await failureOf(kms.send(new GenerateRandomCommand({ NumberOfBytes: 1025 })))).toEqual(
      invalid(
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
      ),
    );
    expect(await failureOf(kms.send(new GenerateDataKeyCommand({ KeyId, NumberOfBytes: 1025 })))).toEqual(
      invalid(
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
      ),
    );
    expect(await failureOf(kms.send(new ListKeysCommand({ Limit: 1001 })))).toEqual(
      invalid(
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000",
      ),
    );
  });

  it('refuses an empty or oversized plaintext by its length, never repeating it', async () => {
    expect(
      await failureOf(kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.alloc(4097, 7) }))),
    ).toEqual(
      invalid(
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
      ),
    );
    expect(await failureOf(kms.send(new EncryptCommand({ KeyId, Plaintext: new Uint8Array(0) })))).toEqual(
      invalid(
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    );
    expect(await failureOf(kms.send(new DecryptCommand({ CiphertextBlob: Buffer.alloc(6145, 1) })))).toEqual(
      invalid(
        "1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144",
      ),
    );
  });

  it('answers an empty KeyId by its length, not as a missing one', async () => {
    expect(await failureOf(kms.send(new DescribeKeyCommand({ KeyId: '' })))).toEqual(
      invalid(
        "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    );
    expect(await failureOf(kms.send(new CreateAliasCommand({ AliasName: '', TargetKeyId: KeyId })))).toEqual(
      invalid(
        "2 validation errors detected: Value '' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$; Value '' at 'aliasName' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    );
  });

  it('holds a deletion window to 7 to 30 days in KMS words', async () => {
    expect(
      await failureOf(kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 6 }))),
    ).toEqual(invalid('PendingWindowInDays must be between 7 and 30'));
    expect(
      await failureOf(kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 366 }))),
    ).toEqual(
      invalid(
        "1 validation error detected: Value '366' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 365",
      ),
    );
  });

  it('refuses a long description in the model’s words, repeating only a bounded part of it', async () => {
    expect(await failureOf(kms.send(new CreateKeyCommand({ Description: 'd'.repeat(8193) })))).toEqual(
      invalid(
        `1 validation error detected: Value '${'d'.repeat(1024)}...' at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192`,
      ),
    );
    const huge = await failureOf(
      kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: 'd'.repeat(100_000) })),
    );
    expect(huge.code).toBe('ValidationException');
    expect(huge.message.length).toBeLessThan(2048);
    expect(
      await failureOf(kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: undefined }))),
    ).toEqual(
      invalid(
        "1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null",
      ),
    );
  });

  it("names the policy member in quotes when a key policy is over KMS's 32 KiB", async () => {
    expect(await failureOf(kms.send(new CreateKeyCommand({ Policy: `{${' '.repeat(32_768)}}` })))).toEqual(
      invalid(
        "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 32768",
      ),
    );
  });

  it('checks tag lengths as the model does, each tag by its place in the list, all counted', async () => {
    expect(
      await failureOf(
        kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'a'.repeat(129), TagValue: 'value1' }] })),
      ),
    ).toEqual(
      invalid(
        `1 validation error detected: Value '${'a'.repeat(129)}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128`,
      ),
    );
    expect(
      await failureOf(
        kms.send(
          new TagResourceCommand({
            KeyId,
            Tags: [
              { TagKey: 'ok', TagValue: 'v' },
              { TagKey: '', TagValue: 'v'.repeat(257) },
            ],
          }),
        ),
      ),
    ).toEqual(
      invalid(
        `2 validation errors detected: Value '' at 'tags.2.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '${'v'.repeat(257)}' at 'tags.2.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256`,
      ),
    );
  });

  it("refuses duplicate, reserved (in any case) and too many tags with KMS's TagException", async () => {
    const tagging = (Tags: { TagKey: string; TagValue: string }[]) =>
      failureOf(kms.send(new TagResourceCommand({ KeyId, Tags })));
    expect(
      await tagging([
        { TagKey: 'tag1', TagValue: 'value1' },
        { TagKey: 'tag1', TagValue: 'another-value1' },
      ]),
    ).toEqual(tagException('Duplicate tag keys'));
    expect(
      await failureOf(
        kms.send(
          new CreateKeyCommand({
            Tags: [
              { TagKey: 'tag1', TagValue: 'value1' },
              { TagKey: 'tag1', TagValue: 'value2' },
            ],
          }),
        ),
      ),
    ).toEqual(tagException('Duplicate tag keys'));
    expect(await tagging([{ TagKey: 'aws:key1', TagValue: 'value1' }])).toEqual(
      tagException('Tags beginning with aws: are reserved'),
    );
    expect(
      await failureOf(kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'AWS:key1', TagValue: 'value1' }] }))),
    ).toEqual(tagException('Tags beginning with aws: are reserved'));
    const many = Array.from({ length: 51 }, (_, i) => ({ TagKey: `key${i}`, TagValue: `value${i}` }));
    expect(await failureOf(kms.send(new CreateKeyCommand({ Tags: many })))).toEqual(
      tagException('Too many tags'),
    );
    // None of them tagged the key.
    expect((await kms.send(new ListResourceTagsCommand({ KeyId }))).Tags).toEqual([]);
  });

  it('answers UntagResource without TagKeys as a missing member', async () => {
    expect(await failureOf(kms.send(new UntagResourceCommand({ KeyId, TagKeys: undefined })))).toEqual(
      invalid(
        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
      ),
    );
  });

  it('gives the aws cli the same answer for duplicate tag keys', async () => {
    const result = await awsCli(t.dataDir, t.url, [
      'kms',
      'tag-resource',
      '--key-id',
      KeyId,
      '--tags',
      'TagKey=team,TagValue=a',
      'TagKey=team,TagValue=b',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('(TagException)');
    expect(result.stderr).toContain('Duplicate tag keys');
  });
});
