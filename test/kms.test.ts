// biome-ignore-all lint/suspicious/noTemplateCurlyInString: grant constraints may hold literal ${...} text.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ListRetirableGrantsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../src/data-dir.js';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { failure, failureOf } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

const DAY_MS = 86_400_000;
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');

function kmsClient(
  t: TestSeawall,
  credentials: { accessKeyId: string; secretAccessKey: string } = t.credentials,
  systemClockOffset = 0,
) {
  return new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials, systemClockOffset });
}

async function newKey(kms: KMSClient, description = 'test key'): Promise<{ id: string; arn: string }> {
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: description }));
  return { id: KeyMetadata?.KeyId ?? '', arn: KeyMetadata?.Arn ?? '' };
}

/** An IAM user with its own KMS client and the given inline policy statements. */
async function kmsUser(t: TestSeawall, name: string, statements: object[]) {
  const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  try {
    const { User } = await iam.send(new CreateUserCommand({ UserName: name }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: 'kms',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      }),
    );
    const credentials = {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    };
    return { arn: User?.Arn ?? '', credentials, kms: kmsClient(t, credentials) };
  } finally {
    iam.destroy();
  }
}

describe('KMS', () => {
  let t: TestSeawall;
  let kms: KMSClient;
  beforeAll(async () => {
    t = await startTestSeawall();
    kms = kmsClient(t);
  });
  afterAll(async () => {
    kms?.destroy();
    await t?.close();
  });

  it('creates, describes and lists keys, with the default key policy', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'parking tickets' }));
    expect(KeyMetadata).toMatchObject({
      AWSAccountId: t.seawall.accountId,
      Description: 'parking tickets',
      Enabled: true,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    });
    const id = KeyMetadata?.KeyId ?? '';
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(KeyMetadata?.Arn).toBe(`arn:aws:kms:${t.credentials.region}:${t.seawall.accountId}:key/${id}`);
    expect(KeyMetadata?.CreationDate).toBeInstanceOf(Date);

    const described = await kms.send(new DescribeKeyCommand({ KeyId: KeyMetadata?.Arn }));
    expect(described.KeyMetadata?.KeyId).toBe(id);
    const { Keys } = await kms.send(new ListKeysCommand({}));
    expect(Keys).toContainEqual({ KeyId: id, KeyArn: KeyMetadata?.Arn });

    const { Policy, PolicyName } = await kms.send(new GetKeyPolicyCommand({ KeyId: id }));
    expect(PolicyName).toBe('default');
    expect(JSON.parse(Policy ?? '')).toEqual({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${t.seawall.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  });

  it('pages ListKeys with Limit and Marker, and refuses a marker it never gave', async () => {
    for (let i = 0; i < 3; i++) await newKey(kms);
    const first = await kms.send(new ListKeysCommand({ Limit: 2 }));
    expect(first.Keys).toHaveLength(2);
    expect(first.Truncated).toBe(true);
    const second = await kms.send(new ListKeysCommand({ Limit: 1000, Marker: first.NextMarker }));
    expect(second.Truncated).toBe(false);
    const all = await kms.send(new ListKeysCommand({}));
    expect([...(first.Keys ?? []), ...(second.Keys ?? [])]).toEqual(all.Keys);
    expect(await failure(kms.send(new ListKeysCommand({ Marker: 'not-a-marker!' })))).toEqual({
      code: 'InvalidMarkerException',
      status: 400,
    });
    expect(await failure(kms.send(new ListKeysCommand({ Limit: 0 })))).toEqual({
      code: 'ValidationException',
      status: 400,
    });
  });

  it('names keys by id, ARN and alias, and says which do not exist', async () => {
    const key = await newKey(kms);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/lake', TargetKeyId: key.id }));
    const aliasArn = `arn:aws:kms:${t.credentials.region}:${t.seawall.accountId}:alias/lake`;
    for (const KeyId of [key.id, key.arn, 'alias/lake', aliasArn]) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId }));
      expect(KeyMetadata?.KeyId).toBe(key.id);
    }
    const missing = '11111111-2222-4333-8444-555555555555';
    expect(await failureOf(kms.send(new DescribeKeyCommand({ KeyId: missing })))).toMatchObject({
      code: 'NotFoundException',
      status: 400,
      message: expect.stringContaining(`key/${missing}' does not exist`),
    });
    expect(await failure(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nothing' })))).toEqual({
      code: 'NotFoundException',
      status: 400,
    });
    expect(await failure(kms.send(new DescribeKeyCommand({ KeyId: 'not a key' })))).toEqual({
      code: 'NotFoundException',
      status: 400,
    });
    // Another account's or region's key is not one of this account's.
    const elsewhere = `arn:aws:kms:us-east-1:${t.seawall.accountId}:key/${key.id}`;
    expect(await failure(kms.send(new DescribeKeyCommand({ KeyId: elsewhere })))).toEqual({
      code: 'NotFoundException',
      status: 400,
    });
    // The alias of an AWS managed key not made yet: DescribeKey makes the key, once, as KMS does.
    const managed = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }));
    expect(managed.KeyMetadata).toMatchObject({ KeyManager: 'AWS', KeyState: 'Enabled', Enabled: true });
    const again = await kms.send(
      new DescribeKeyCommand({
        KeyId: `arn:aws:kms:${t.credentials.region}:${t.seawall.accountId}:alias/aws/s3`,
      }),
    );
    expect(again.KeyMetadata?.KeyId).toBe(managed.KeyMetadata?.KeyId);
    expect(await failure(kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/nothing' })))).toEqual({
      code: 'NotFoundException',
      status: 400,
    });
    // Management operations take a key id or ARN, not an alias (KMS's InvalidArnException).
    expect(await failure(kms.send(new DisableKeyCommand({ KeyId: 'alias/lake' })))).toEqual({
      code: 'InvalidArnException',
      status: 400,
    });
  });

  it('creates, lists, repoints and deletes aliases as KMS does', async () => {
    const a = await newKey(kms);
    const b = await newKey(kms);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/raw-zone', TargetKeyId: a.arn }));
    expect(
      await failure(kms.send(new CreateAliasCommand({ AliasName: 'alias/raw-zone', TargetKeyId: b.id }))),
    ).toEqual({ code: 'AlreadyExistsException', status: 400 });
    expect(
      await failureOf(kms.send(new CreateAliasCommand({ AliasName: 'raw-zone', TargetKeyId: b.id }))),
    ).toMatchObject({
      code: 'ValidationException',
      status: 400,
      message: /^Alias must start with the prefix "alias\/"/,
    });
    // KMS's own constraints on the name, in its validation wording: at most 256 characters, of its pattern.
    const long = `alias/${'a'.repeat(251)}`;
    expect(
      (await failureOf(kms.send(new CreateAliasCommand({ AliasName: long, TargetKeyId: b.id })))).message,
    ).toBe(
      `1 validation error detected: Value '${long}' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
    expect(
      (await failureOf(kms.send(new CreateAliasCommand({ AliasName: 'alias/a b', TargetKeyId: b.id }))))
        .message,
    ).toBe(
      "1 validation error detected: Value 'alias/a b' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
    );
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/zone:raw', TargetKeyId: b.id }));
    expect(
      await failure(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: b.id }))),
    ).toEqual({ code: 'NotAuthorizedException', status: 400 });

    const listed = await kms.send(new ListAliasesCommand({ KeyId: a.id }));
    expect(listed.Aliases).toEqual([
      expect.objectContaining({
        AliasName: 'alias/raw-zone',
        AliasArn: `arn:aws:kms:${t.credentials.region}:${t.seawall.accountId}:alias/raw-zone`,
        TargetKeyId: a.id,
      }),
    ]);
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/raw-zone', TargetKeyId: b.id }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/raw-zone' }));
    expect(KeyMetadata?.KeyId).toBe(b.id);
    expect((await kms.send(new ListAliasesCommand({ KeyId: a.id }))).Aliases).toEqual([]);
    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/raw-zone' }));
    expect(await failure(kms.send(new DeleteAliasCommand({ AliasName: 'alias/raw-zone' })))).toEqual({
      code: 'NotFoundException',
      status: 400,
    });
  });

  it('encrypts and decrypts with the encryption context bound, and detects altered ciphertext', async () => {
    const key = await newKey(kms);
    const context = { dataset: 'parking-tickets', zone: 'raw' };
    const sealed = await kms.send(
      new EncryptCommand({ KeyId: key.id, Plaintext: Buffer.from('a data key'), EncryptionContext: context }),
    );
    expect(sealed.KeyId).toBe(key.arn);
    expect(sealed.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    const blob = sealed.CiphertextBlob ?? new Uint8Array();
    expect(text(blob)).not.toContain('a data key');

    // No KeyId needed: the ciphertext names its key. The context's order does not matter.
    const opened = await kms.send(
      new DecryptCommand({
        CiphertextBlob: blob,
        EncryptionContext: { zone: 'raw', dataset: 'parking-tickets' },
      }),
    );
    expect(text(opened.Plaintext)).toBe('a data key');
    expect(opened.KeyId).toBe(key.arn);

    for (const EncryptionContext of [
      undefined,
      { dataset: 'parking-tickets' },
      { ...context, zone: 'curated' },
    ]) {
      expect(
        await failure(kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext }))),
      ).toEqual({
        code: 'InvalidCiphertextException',
        status: 400,
      });
    }
    for (let at = 0; at < blob.length; at += 7) {
      const flipped = Buffer.from(blob);
      flipped[at] = (flipped[at] ?? 0) ^ 0x01;
      const code = (
        await failure(kms.send(new DecryptCommand({ CiphertextBlob: flipped, EncryptionContext: context })))
      ).code;
      // A flipped byte in the key's id names a key that does not exist; anywhere else the blob does not authenticate.
      expect(['InvalidCiphertextException', 'AccessDeniedException']).toContain(code);
    }
    expect(
      await failure(
        kms.send(
          new DecryptCommand({
            CiphertextBlob: blob.subarray(0, blob.length - 1),
            EncryptionContext: context,
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidCiphertextException', status: 400 });
    expect(await failure(kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('garbage') })))).toEqual({
      code: 'InvalidCiphertextException',
      status: 400,
    });

    // A KeyId given must be the ciphertext's key.
    const other = await newKey(kms);
    expect(
      await failure(
        kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context, KeyId: other.id })),
      ),
    ).toEqual({ code: 'IncorrectKeyException', status: 400 });
    const named = await kms.send(
      new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context, KeyId: key.arn }),
    );
    expect(text(named.Plaintext)).toBe('a data key');

    // The plaintext is 1 to 4096 bytes.
    expect(
      await failure(kms.send(new EncryptCommand({ KeyId: key.id, Plaintext: Buffer.alloc(4097) }))),
    ).toEqual({
      code: 'ValidationException',
      status: 400,
    });
  });

  it('re-encrypts under another key and context without showing the plaintext', async () => {
    const from = await newKey(kms);
    const to = await newKey(kms);
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: from.id, Plaintext: Buffer.from('moving'), EncryptionContext: { a: '1' } }),
    );
    const moved = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob,
        SourceEncryptionContext: { a: '1' },
        DestinationKeyId: to.arn,
        DestinationEncryptionContext: { b: '2' },
      }),
    );
    expect(moved.SourceKeyId).toBe(from.arn);
    expect(moved.KeyId).toBe(to.arn);
    expect(moved).not.toHaveProperty('Plaintext');
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { b: '2' } }),
    );
    expect(text(opened.Plaintext)).toBe('moving');
    expect(opened.KeyId).toBe(to.arn);
  });

  it('generates data keys and random bytes', async () => {
    const key = await newKey(kms);
    const made = await kms.send(
      new GenerateDataKeyCommand({ KeyId: key.id, KeySpec: 'AES_256', EncryptionContext: { object: 'x' } }),
    );
    expect(made.Plaintext).toHaveLength(32);
    expect(made.KeyId).toBe(key.arn);
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: made.CiphertextBlob, EncryptionContext: { object: 'x' } }),
    );
    expect(Buffer.from(opened.Plaintext ?? []).equals(Buffer.from(made.Plaintext ?? []))).toBe(true);

    const short = await kms.send(new GenerateDataKeyCommand({ KeyId: key.id, NumberOfBytes: 7 }));
    expect(short.Plaintext).toHaveLength(7);
    const hidden = await kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key.id, KeySpec: 'AES_128' }),
    );
    expect(hidden).not.toHaveProperty('Plaintext');
    const later = await kms.send(new DecryptCommand({ CiphertextBlob: hidden.CiphertextBlob }));
    expect(later.Plaintext).toHaveLength(16);

    for (const bad of [{}, { KeySpec: 'AES_256' as const, NumberOfBytes: 32 }, { NumberOfBytes: 1025 }]) {
      expect(await failure(kms.send(new GenerateDataKeyCommand({ KeyId: key.id, ...bad })))).toEqual({
        code: 'ValidationException',
        status: 400,
      });
    }
    const random = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }));
    expect(random.Plaintext).toHaveLength(64);
    expect(await failure(kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })))).toEqual({
      code: 'ValidationException',
      status: 400,
    });
  });

  it('refuses a disabled key and one pending deletion, and brings a cancelled deletion back disabled', async () => {
    const key = await newKey(kms);
    const plaintext = Buffer.from('x');
    await kms.send(new DisableKeyCommand({ KeyId: key.id }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.id }))).KeyMetadata).toMatchObject({
      Enabled: false,
      KeyState: 'Disabled',
    });
    expect(await failure(kms.send(new EncryptCommand({ KeyId: key.id, Plaintext: plaintext })))).toEqual({
      code: 'DisabledException',
      status: 400,
    });
    // Nor is a grant made on a disabled key (KMS's key state table).
    expect(
      await failureOf(
        kms.send(
          new CreateGrantCommand({
            KeyId: key.id,
            GranteePrincipal: `arn:aws:iam::${key.arn.split(':')[4]}:root`,
            Operations: ['Encrypt'],
          }),
        ),
      ),
    ).toEqual({ code: 'DisabledException', status: 400, message: `${key.arn} is disabled.` });
    await kms.send(new EnableKeyCommand({ KeyId: key.id }));
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: key.id, Plaintext: plaintext }));

    for (const PendingWindowInDays of [6, 31]) {
      expect(
        await failure(kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays }))),
      ).toEqual({ code: 'ValidationException', status: 400 });
    }
    const scheduled = await kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 7 }),
    );
    expect(scheduled).toMatchObject({ KeyId: key.arn, KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    const deletion = scheduled.DeletionDate?.getTime() ?? 0;
    expect(Math.abs(deletion - (Date.now() + 7 * DAY_MS))).toBeLessThan(60_000);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.id }))).KeyMetadata).toMatchObject({
      KeyState: 'PendingDeletion',
      DeletionDate: scheduled.DeletionDate,
    });
    for (const call of [
      kms.send(new DecryptCommand({ CiphertextBlob })),
      kms.send(new EncryptCommand({ KeyId: key.id, Plaintext: plaintext })),
      kms.send(new EnableKeyCommand({ KeyId: key.id })),
      kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.id })),
    ]) {
      expect(await failure(call)).toEqual({ code: 'KMSInvalidStateException', status: 400 });
    }
    expect((await kms.send(new CancelKeyDeletionCommand({ KeyId: key.id }))).KeyId).toBe(key.arn);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.id }))).KeyMetadata).toMatchObject({
      KeyState: 'Disabled',
      Enabled: false,
    });
    await kms.send(new EnableKeyCommand({ KeyId: key.id }));
    expect(text((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext)).toBe('x');
  });

  it('computes and verifies HMACs with an HMAC key, which does not encrypt', async () => {
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    );
    expect(KeyMetadata).toMatchObject({ KeySpec: 'HMAC_256', MacAlgorithms: ['HMAC_SHA_256'] });
    const KeyId = KeyMetadata?.KeyId ?? '';
    const Message = Buffer.from('row 42 of the licences');
    const { Mac } = await kms.send(new GenerateMacCommand({ KeyId, Message, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(Mac).toHaveLength(32);
    const verified = await kms.send(
      new VerifyMacCommand({ KeyId, Message, Mac, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    expect(verified.MacValid).toBe(true);
    expect(
      await failure(
        kms.send(
          new VerifyMacCommand({ KeyId, Message: Buffer.from('row 43'), Mac, MacAlgorithm: 'HMAC_SHA_256' }),
        ),
      ),
    ).toEqual({ code: 'KMSInvalidMacException', status: 400 });
    expect(await failure(kms.send(new EncryptCommand({ KeyId, Plaintext: Message })))).toEqual({
      code: 'InvalidKeyUsageException',
      status: 400,
    });
    // The refusal names the operation called, as KMS's does.
    const hmacArn = KeyMetadata?.Arn ?? '';
    expect(
      (await failureOf(kms.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' })))).message,
    ).toBe(`${hmacArn} key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKey.`);
    const symmetric = await newKey(kms);
    expect(
      await failure(
        kms.send(new GenerateMacCommand({ KeyId: symmetric.id, Message, MacAlgorithm: 'HMAC_SHA_256' })),
      ),
    ).toEqual({ code: 'InvalidKeyUsageException', status: 400 });
    expect(
      (
        await failureOf(
          kms.send(new VerifyMacCommand({ KeyId: symmetric.id, Message, Mac, MacAlgorithm: 'HMAC_SHA_256' })),
        )
      ).message,
    ).toBe(`${symmetric.arn} key usage is ENCRYPT_DECRYPT which is not valid for VerifyMac.`);
    expect(await failure(kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256' })))).toEqual({
      code: 'ValidationException',
      status: 400,
    });
    // HMAC keys do not rotate.
    // One call at a time: a call started before the one awaited would reject with no handler yet.
    for (const call of [
      () => kms.send(new EnableKeyRotationCommand({ KeyId })),
      () => kms.send(new RotateKeyOnDemandCommand({ KeyId })),
      () => kms.send(new GetKeyRotationStatusCommand({ KeyId })),
      () => kms.send(new ListKeyRotationsCommand({ KeyId })),
    ]) {
      expect(await failure(call())).toEqual({ code: 'UnsupportedOperationException', status: 400 });
    }
  });

  it('tags keys and refuses reserved tags', async () => {
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ Tags: [{ TagKey: 'team', TagValue: 'parking' }] }),
    );
    const KeyId = KeyMetadata?.KeyId ?? '';
    await kms.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'zone', TagValue: 'raw' }] }));
    await kms.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'team', TagValue: 'licences' }] }));
    expect((await kms.send(new ListResourceTagsCommand({ KeyId }))).Tags).toEqual([
      { TagKey: 'team', TagValue: 'licences' },
      { TagKey: 'zone', TagValue: 'raw' },
    ]);
    await kms.send(new UntagResourceCommand({ KeyId, TagKeys: ['team'] }));
    expect((await kms.send(new ListResourceTagsCommand({ KeyId }))).Tags).toEqual([
      { TagKey: 'zone', TagValue: 'raw' },
    ]);
    expect(
      await failure(kms.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] }))),
    ).toEqual({ code: 'TagException', status: 400 });
  });

  it('refuses what Seawall does not implement, never ignoring it', async () => {
    for (const input of [
      { KeySpec: 'RSA_2048' as const, KeyUsage: 'ENCRYPT_DECRYPT' as const },
      { Origin: 'EXTERNAL' as const },
      { MultiRegion: true },
    ]) {
      expect(await failure(kms.send(new CreateKeyCommand(input)))).toEqual({
        code: 'UnsupportedOperationException',
        status: 400,
      });
    }
    // A KeySpec that is no KMS key spec at all is a validation error, not an unsupported one.
    expect(await failureOf(kms.send(new CreateKeyCommand({ KeySpec: 'FOO' as 'HMAC_256' })))).toMatchObject({
      code: 'ValidationException',
      status: 400,
      message: expect.stringContaining("Value 'FOO' at 'keySpec'"),
    });
    // The deprecated CustomerMasterKeySpec has fewer values than KeySpec.
    expect(
      await failure(kms.send(new CreateKeyCommand({ CustomerMasterKeySpec: 'ML_KEM_512' as 'HMAC_256' }))),
    ).toEqual({ code: 'ValidationException', status: 400 });
    expect(
      await failure(
        kms.send(new CreateKeyCommand({ KeySpec: 'ML_KEM_512', KeyUsage: 'ENCAPSULATE_DECAPSULATE' })),
      ),
    ).toEqual({
      code: 'UnsupportedOperationException',
      status: 400,
    });
    const key = await newKey(kms);
    // DryRun is KMS's (test/kms-crypto-fidelity.test.ts); its modifiers are not Seawall's.
    expect(
      await failure(
        kms.send(
          new DecryptCommand({
            CiphertextBlob: Buffer.from('x'),
            DryRun: true,
            DryRunModifiers: ['IGNORE_CIPHERTEXT'],
          }),
        ),
      ),
    ).toEqual({ code: 'UnsupportedOperationException', status: 400 });
    // Two context keys one policy would see as one (condition keys ignore case) are refused, not decided by order.
    expect(
      await failure(
        kms.send(
          new EncryptCommand({
            KeyId: key.id,
            Plaintext: Buffer.from('x'),
            EncryptionContext: { Dept: 'HR', dept: 'IT' },
          }),
        ),
      ),
    ).toEqual({ code: 'UnsupportedOperationException', status: 400 });
  });

  it('enforces key policies together with IAM policies, as KMS documents', async () => {
    const key = await newKey(kms);
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({
        KeyId: key.id,
        Plaintext: Buffer.from('secret'),
        EncryptionContext: { team: 'city' },
      }),
    );
    // The default key policy lets the account's IAM policies decide: an identity allow suffices, none is denied.
    const allowed = await kmsUser(t, 'kms-reader', [
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: key.arn,
        Condition: { StringEquals: { 'kms:EncryptionContext:team': 'city' } },
      },
    ]);
    const stranger = await kmsUser(t, 'kms-stranger', [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
    try {
      const opened = await allowed.kms.send(
        new DecryptCommand({ CiphertextBlob, EncryptionContext: { team: 'city' } }),
      );
      expect(text(opened.Plaintext)).toBe('secret');
      expect(
        await failure(allowed.kms.send(new EncryptCommand({ KeyId: key.id, Plaintext: Buffer.from('x') }))),
      ).toEqual({ code: 'AccessDeniedException', status: 400 });
      expect(
        await failure(
          stranger.kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { team: 'city' } })),
        ),
      ).toEqual({ code: 'AccessDeniedException', status: 400 });

      // A key policy that names only the reader: the account's IAM policies no longer count, and the root
      // (not named) is locked out too. KMS refuses such a policy unless told to bypass its lockout check.
      const readerOnly = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: stranger.arn }, Action: 'kms:Decrypt', Resource: '*' },
        ],
      });
      expect(
        await failureOf(kms.send(new PutKeyPolicyCommand({ KeyId: key.id, Policy: readerOnly }))),
      ).toMatchObject({
        code: 'MalformedPolicyDocumentException',
        status: 400,
        message: expect.stringContaining('will not allow you to update the key policy'),
      });
      // A policy naming a user of the account that does not exist is refused, bypass or not.
      const ghostly = readerOnly.replace(stranger.arn, `arn:aws:iam::${t.seawall.accountId}:user/ghost`);
      expect(
        await failureOf(
          kms.send(
            new PutKeyPolicyCommand({ KeyId: key.id, Policy: ghostly, BypassPolicyLockoutSafetyCheck: true }),
          ),
        ),
      ).toEqual({
        code: 'MalformedPolicyDocumentException',
        status: 400,
        message: 'Policy contains a statement with one or more invalid principals.',
      });
      expect(
        await failureOf(
          kms.send(new CreateKeyCommand({ Policy: ghostly, BypassPolicyLockoutSafetyCheck: true })),
        ),
      ).toEqual({
        code: 'MalformedPolicyDocumentException',
        status: 400,
        message: 'Policy contains a statement with one or more invalid principals.',
      });
      await kms.send(
        new PutKeyPolicyCommand({ KeyId: key.id, Policy: readerOnly, BypassPolicyLockoutSafetyCheck: true }),
      );
      // The stranger, named by the key policy, decrypts without any IAM permission for KMS.
      const byPolicy = await stranger.kms.send(
        new DecryptCommand({ CiphertextBlob, EncryptionContext: { team: 'city' } }),
      );
      expect(text(byPolicy.Plaintext)).toBe('secret');
      expect(
        await failure(
          allowed.kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { team: 'city' } })),
        ),
      ).toEqual({ code: 'AccessDeniedException', status: 400 });
      expect(await failure(kms.send(new DescribeKeyCommand({ KeyId: key.id })))).toEqual({
        code: 'AccessDeniedException',
        status: 400,
      });
    } finally {
      allowed.kms.destroy();
      stranger.kms.destroy();
    }
  });

  it('grants operations to a principal under encryption context constraints, until retired or revoked', async () => {
    const key = await newKey(kms);
    const user = await kmsUser(t, 'kms-grantee', [
      { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
    ]);
    const rootArn = `arn:aws:iam::${t.seawall.accountId}:root`;
    const encrypt = (EncryptionContext?: Record<string, string>, GrantTokens?: string[]) =>
      user.kms.send(
        new EncryptCommand({ KeyId: key.arn, Plaintext: Buffer.from('x'), EncryptionContext, GrantTokens }),
      );
    try {
      expect((await failure(encrypt({ team: 'city' }))).code).toBe('AccessDeniedException');
      const made = await kms.send(
        new CreateGrantCommand({
          KeyId: key.id,
          GranteePrincipal: user.arn,
          RetiringPrincipal: rootArn,
          Operations: ['Encrypt', 'Decrypt'],
          Constraints: { EncryptionContextSubset: { team: 'city' } },
          Name: 'city-team',
        }),
      );
      expect(made.GrantId).toMatch(/^[0-9a-f]{64}$/);
      expect(made.GrantToken).toBeTruthy();
      // The same name and terms again: the same grant.
      const again = await kms.send(
        new CreateGrantCommand({
          KeyId: key.arn,
          GranteePrincipal: user.arn,
          RetiringPrincipal: rootArn,
          Operations: ['Decrypt', 'Encrypt'],
          Constraints: { EncryptionContextSubset: { team: 'city' } },
          Name: 'city-team',
        }),
      );
      expect(again.GrantId).toBe(made.GrantId);

      const sealed = await encrypt({ team: 'city', table: 'licences' }, [made.GrantToken ?? '']);
      expect(sealed.KeyId).toBe(key.arn);
      expect((await failure(encrypt({ team: 'parks' }))).code).toBe('AccessDeniedException');
      expect((await failure(encrypt())).code).toBe('AccessDeniedException');
      expect(await failure(encrypt({ team: 'city' }, ['no-such-token']))).toEqual({
        code: 'InvalidGrantTokenException',
        status: 400,
      });
      expect(
        (
          await failure(
            user.kms.send(
              new GenerateDataKeyCommand({
                KeyId: key.id,
                KeySpec: 'AES_256',
                EncryptionContext: { team: 'city' },
              }),
            ),
          )
        ).code,
      ).toBe('AccessDeniedException');

      const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: key.id }));
      expect(Grants).toEqual([
        expect.objectContaining({
          KeyId: key.arn,
          GrantId: made.GrantId,
          Name: 'city-team',
          GranteePrincipal: user.arn,
          RetiringPrincipal: rootArn,
          IssuingAccount: rootArn,
          Operations: ['Decrypt', 'Encrypt'],
          Constraints: { EncryptionContextSubset: { team: 'city' } },
        }),
      ]);
      const retirable = await kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: rootArn }));
      expect(retirable.Grants?.map((g) => g.GrantId)).toContain(made.GrantId);

      // An exact-context grant admits only that context.
      const exact = await kms.send(
        new CreateGrantCommand({
          KeyId: key.id,
          GranteePrincipal: user.arn,
          Operations: ['GenerateDataKey'],
          Constraints: { EncryptionContextEquals: { zone: 'raw' } },
        }),
      );
      const dataKey = await user.kms.send(
        new GenerateDataKeyCommand({ KeyId: key.id, KeySpec: 'AES_256', EncryptionContext: { zone: 'raw' } }),
      );
      expect(dataKey.Plaintext).toHaveLength(32);
      expect(
        (
          await failure(
            user.kms.send(
              new GenerateDataKeyCommand({
                KeyId: key.id,
                KeySpec: 'AES_256',
                EncryptionContext: { zone: 'raw', x: 'y' },
              }),
            ),
          )
        ).code,
      ).toBe('AccessDeniedException');

      // The grantee may not retire a grant that does not allow it; the retiring principal (the root) may.
      expect(
        (await failure(user.kms.send(new RetireGrantCommand({ KeyId: key.id, GrantId: made.GrantId })))).code,
      ).toBe('AccessDeniedException');
      await kms.send(new RetireGrantCommand({ GrantToken: made.GrantToken }));
      expect((await failure(encrypt({ team: 'city' }))).code).toBe('AccessDeniedException');
      await kms.send(new RevokeGrantCommand({ KeyId: key.id, GrantId: exact.GrantId }));
      expect(
        await failure(kms.send(new RevokeGrantCommand({ KeyId: key.id, GrantId: exact.GrantId }))),
      ).toEqual({
        code: 'NotFoundException',
        status: 400,
      });
      expect((await kms.send(new ListGrantsCommand({ KeyId: key.id }))).Grants).toEqual([]);

      // A grant allows; it never overrides an explicit deny.
      await kms.send(
        new CreateGrantCommand({ KeyId: key.id, GranteePrincipal: user.arn, Operations: ['Encrypt'] }),
      );
      expect((await encrypt()).KeyId).toBe(key.arn);
      const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: key.id }))).Policy ?? '{}');
      policy.Statement.push({
        Effect: 'Deny',
        Principal: { AWS: user.arn },
        Action: 'kms:Encrypt',
        Resource: '*',
      });
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.id, Policy: JSON.stringify(policy) }));
      expect((await failure(encrypt())).code).toBe('AccessDeniedException');
    } finally {
      user.kms.destroy();
    }
  });

  it('takes a grant constraint literally: a ${...} in its value is no policy variable', async () => {
    const key = await newKey(kms);
    const user = await kmsUser(t, 'kms-dollar', [
      { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
    ]);
    const encrypt = (team: string) =>
      user.kms.send(
        new EncryptCommand({ KeyId: key.id, Plaintext: Buffer.from('x'), EncryptionContext: { team } }),
      );
    try {
      await kms.send(
        new CreateGrantCommand({
          KeyId: key.id,
          GranteePrincipal: user.arn,
          Operations: ['Encrypt'],
          Constraints: { EncryptionContextSubset: { team: '${aws:username}' } },
        }),
      );
      expect((await failure(encrypt('kms-dollar'))).code).toBe('AccessDeniedException');
      expect((await encrypt('${aws:username}')).KeyId).toBe(key.arn);
    } finally {
      user.kms.destroy();
    }
  });

  it('refuses grants KMS would not make', async () => {
    const key = await newKey(kms);
    const grantee = `arn:aws:iam::${t.seawall.accountId}:root`;
    for (const input of [
      { GranteePrincipal: 'someone', Operations: ['Encrypt' as const] },
      { GranteePrincipal: grantee, Operations: ['GenerateMac' as const] },
      { GranteePrincipal: grantee, Operations: [] },
      {
        GranteePrincipal: grantee,
        Operations: ['Encrypt' as const],
        Constraints: {
          EncryptionContextSubset: Object.fromEntries([...Array(9).keys()].map((i) => [`k${i}`, 'v'])),
        },
      },
      {
        GranteePrincipal: grantee,
        Operations: ['Encrypt' as const],
        Constraints: { EncryptionContextSubset: { a: 'x'.repeat(385) } },
      },
    ]) {
      expect(await failure(kms.send(new CreateGrantCommand({ KeyId: key.id, ...input })))).toEqual({
        code: 'ValidationException',
        status: 400,
      });
    }
    // A constraint does not apply to DescribeKey and RetireGrant, which a constrained grant may hold.
    const described = await kms.send(
      new CreateGrantCommand({
        KeyId: key.id,
        GranteePrincipal: grantee,
        Operations: ['Decrypt', 'DescribeKey', 'RetireGrant'],
        Constraints: { EncryptionContextSubset: { a: 'b' } },
      }),
    );
    expect(described.GrantId).toMatch(/^[0-9a-f]{64}$/);
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    );
    expect(
      await failure(
        kms.send(
          new CreateGrantCommand({
            KeyId: KeyMetadata?.KeyId,
            GranteePrincipal: grantee,
            Operations: ['GenerateMac'],
            Constraints: { EncryptionContextSubset: { a: 'b' } },
          }),
        ),
      ),
    ).toEqual({ code: 'ValidationException', status: 400 });
  });

  it('holds a key to 500 grants for one grantee, as KMS does, and still grants to others', async () => {
    const key = await newKey(kms);
    const grantee = `arn:aws:iam::${t.seawall.accountId}:user/many-grants`;
    const grant = (GranteePrincipal: string, i: number) =>
      kms.send(
        new CreateGrantCommand({ KeyId: key.id, GranteePrincipal, Operations: ['Decrypt'], Name: `g${i}` }),
      );
    for (let i = 0; i < 500; i += 50)
      await Promise.all(Array.from({ length: 50 }, (_, j) => grant(grantee, i + j)));
    // The same grant again is the one already made, not a new one.
    await grant(grantee, 7);
    await expect(grant(grantee, 500)).rejects.toMatchObject({
      name: 'LimitExceededException',
      message: expect.stringContaining('500 grants for one grantee'),
    });
    const other = await grant(`arn:aws:iam::${t.seawall.accountId}:user/another`, 0);
    expect(other.GrantId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets a grantee pass a grant on only with no more operations and a constraint as strict', async () => {
    const key = await newKey(kms);
    const user = await kmsUser(t, 'kms-passer', [
      { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
    ]);
    const other = `arn:aws:iam::${t.seawall.accountId}:user/someone-else`;
    const pass = (Operations: ('Encrypt' | 'Decrypt' | 'CreateGrant')[], Constraints?: object) =>
      user.kms.send(
        new CreateGrantCommand({ KeyId: key.id, GranteePrincipal: other, Operations, Constraints }),
      );
    try {
      await kms.send(
        new CreateGrantCommand({
          KeyId: key.id,
          GranteePrincipal: user.arn,
          Operations: ['Encrypt', 'CreateGrant'],
        }),
      );
      expect((await pass(['Encrypt'])).GrantId).toBeTruthy();
      expect((await pass(['Encrypt', 'CreateGrant'])).GrantId).toBeTruthy();
      expect((await failure(pass(['Decrypt']))).code).toBe('AccessDeniedException');
      expect((await failure(pass(['Encrypt', 'Decrypt']))).code).toBe('AccessDeniedException');

      // From a constrained grant: the new grant's constraint must hold the same pairs, or more.
      const constrained = await kmsUser(t, 'kms-constrained-passer', [
        { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
      ]);
      const passOn = (Constraints?: object) =>
        constrained.kms.send(
          new CreateGrantCommand({
            KeyId: key.id,
            GranteePrincipal: other,
            Operations: ['Decrypt'],
            Constraints,
          }),
        );
      try {
        await kms.send(
          new CreateGrantCommand({
            KeyId: key.id,
            GranteePrincipal: constrained.arn,
            Operations: ['Decrypt', 'CreateGrant'],
            Constraints: { EncryptionContextSubset: { team: 'city' } },
          }),
        );
        expect(
          (await passOn({ EncryptionContextSubset: { team: 'city', table: 'x' } })).GrantId,
        ).toBeTruthy();
        expect((await passOn({ EncryptionContextEquals: { team: 'city' } })).GrantId).toBeTruthy();
        expect((await failure(passOn())).code).toBe('AccessDeniedException');
        expect((await failure(passOn({ EncryptionContextSubset: { team: 'parks' } }))).code).toBe(
          'AccessDeniedException',
        );
        // An empty exact constraint passes on only as an empty exact constraint.
        await kms.send(
          new CreateGrantCommand({
            KeyId: key.id,
            GranteePrincipal: constrained.arn,
            Operations: ['Encrypt', 'CreateGrant'],
            Constraints: { EncryptionContextEquals: {} },
          }),
        );
        const passEncrypt = (Constraints?: object) =>
          constrained.kms.send(
            new CreateGrantCommand({
              KeyId: key.id,
              GranteePrincipal: other,
              Operations: ['Encrypt'],
              Constraints,
            }),
          );
        expect((await failure(passEncrypt())).code).toBe('AccessDeniedException');
        expect((await passEncrypt({ EncryptionContextEquals: {} })).GrantId).toBeTruthy();
        // From a non-empty exact constraint: the operations are still bounded (they were not: the constraint's
        // ForAllValues block replaced kms:GrantOperations).
        await kms.send(
          new CreateGrantCommand({
            KeyId: key.id,
            GranteePrincipal: constrained.arn,
            Operations: ['GenerateDataKey', 'CreateGrant'],
            Constraints: { EncryptionContextEquals: { a: '1' } },
          }),
        );
        const widen = (Operations: ('Decrypt' | 'GenerateDataKey' | 'CreateGrant')[]) =>
          constrained.kms.send(
            new CreateGrantCommand({
              KeyId: key.id,
              GranteePrincipal: constrained.arn,
              Operations,
              Constraints: { EncryptionContextEquals: { a: '1' } },
            }),
          );
        expect((await failure(widen(['Decrypt', 'CreateGrant']))).code).toBe('AccessDeniedException');
        expect((await widen(['GenerateDataKey'])).GrantId).toBeTruthy();
      } finally {
        constrained.kms.destroy();
      }
    } finally {
      user.kms.destroy();
    }
  });

  it('lets a role session name its role (by its path) and its tags and source identity in the key policy it puts', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    const user = await kmsUser(t, 'kms-role-taker', [
      { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: '*' },
    ]);
    try {
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: 'key-admin',
          Path: '/city/lake/',
          Tags: [{ Key: 'team', Value: 'lake' }],
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: user.arn },
                Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
              },
            ],
          }),
        }),
      );
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'key-admin',
          PolicyName: 'kms',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }],
          }),
        }),
      );
      const sts = new STSClient({
        endpoint: t.url,
        region: t.credentials.region,
        credentials: user.credentials,
      });
      const { Credentials } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: Role?.Arn,
          RoleSessionName: 'admin-session',
          SourceIdentity: 'ana',
        }),
      );
      sts.destroy();
      const session = new KMSClient({
        endpoint: t.url,
        region: t.credentials.region,
        credentials: {
          accessKeyId: Credentials?.AccessKeyId ?? '',
          secretAccessKey: Credentials?.SecretAccessKey ?? '',
          sessionToken: Credentials?.SessionToken ?? '',
        },
      });
      try {
        const policy = JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: Role?.Arn }, Action: 'kms:*', Resource: '*' }],
        });
        expect(Role?.Arn).toBe(`arn:aws:iam::${t.credentials.accountId}:role/city/lake/key-admin`);
        const { KeyMetadata } = await session.send(new CreateKeyCommand({ Policy: policy }));
        expect(KeyMetadata?.KeyState).toBe('Enabled');
        await session.send(new PutKeyPolicyCommand({ KeyId: KeyMetadata?.KeyId, Policy: policy }));
        // The lockout check sees the session as every decision does: its role's tags and its source identity.
        const root = `arn:aws:iam::${t.credentials.accountId}:root`;
        const onlyWhen = (condition: object) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: root },
                Action: 'kms:*',
                Resource: '*',
                Condition: condition,
              },
            ],
          });
        for (const condition of [
          { StringEquals: { 'aws:PrincipalTag/team': 'lake' } },
          { StringEquals: { 'aws:SourceIdentity': 'ana' } },
        ])
          await session.send(
            new PutKeyPolicyCommand({ KeyId: KeyMetadata?.KeyId, Policy: onlyWhen(condition) }),
          );
        for (const condition of [
          { StringEquals: { 'aws:PrincipalTag/team': 'parks' } },
          { StringEquals: { 'aws:SourceIdentity': 'someone-else' } },
        ])
          await expect(
            session.send(new PutKeyPolicyCommand({ KeyId: KeyMetadata?.KeyId, Policy: onlyWhen(condition) })),
          ).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException' });
      } finally {
        session.destroy();
      }
    } finally {
      iam.destroy();
      user.kms.destroy();
    }
  });

  it("checks a new key policy against the caller's request: its conditions on account and address hold", async () => {
    const account = t.credentials.accountId;
    const root = `arn:aws:iam::${account}:root`;
    const conditioned = (condition: object) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*', Condition: condition },
        ],
      });
    const kept = [
      { StringEquals: { 'kms:CallerAccount': account } },
      { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
      { StringEquals: { 'aws:PrincipalAccount': account } },
    ];
    for (const condition of kept) {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Policy: conditioned(condition) }));
      await kms.send(new PutKeyPolicyCommand({ KeyId: KeyMetadata?.KeyId, Policy: conditioned(condition) }));
    }
    for (const condition of [
      { StringEquals: { 'kms:CallerAccount': '111122223333' } },
      { NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
    ])
      await expect(kms.send(new CreateKeyCommand({ Policy: conditioned(condition) }))).rejects.toMatchObject({
        name: 'MalformedPolicyDocumentException',
      });
  });

  it('gives a re-encryption the alias each key was named by and the caller account, for each key policy', async () => {
    const account = t.credentials.accountId;
    const root = `arn:aws:iam::${account}:root`;
    const user = await kmsUser(t, 'kms-reencrypter', [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]);
    const keyWith = async (alias: string, action: string) => {
      const policy = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' },
          // Each Deny holds where its key is absent too (a negated operator matches a missing key).
          ...[{ 'kms:RequestAlias': alias }, { 'kms:CallerAccount': account }].map((wanted) => ({
            Effect: 'Deny',
            Principal: { AWS: user.arn },
            Action: action,
            Resource: '*',
            Condition: { StringNotEquals: wanted },
          })),
        ],
      };
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
      await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata?.KeyId }));
      return KeyMetadata?.KeyId ?? '';
    };
    try {
      const from = await keyWith('alias/reencrypt-from', 'kms:ReEncryptFrom');
      const to = await keyWith('alias/reencrypt-to', 'kms:ReEncryptTo');
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: from, Plaintext: Buffer.from('x') }),
      );
      const moved = await user.kms.send(
        new ReEncryptCommand({
          CiphertextBlob,
          SourceKeyId: 'alias/reencrypt-from',
          DestinationKeyId: `arn:aws:kms:${t.credentials.region}:${account}:alias/reencrypt-to`,
        }),
      );
      expect(moved.KeyId).toContain(to);
      // Named by id, neither key's Deny is lifted.
      await expect(
        user.kms.send(
          new ReEncryptCommand({ CiphertextBlob, SourceKeyId: from, DestinationKeyId: 'alias/reencrypt-to' }),
        ),
      ).rejects.toMatchObject({ name: 'AccessDeniedException' });
      await expect(
        user.kms.send(
          new ReEncryptCommand({ CiphertextBlob, SourceKeyId: 'alias/reencrypt-from', DestinationKeyId: to }),
        ),
      ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    } finally {
      user.kms.destroy();
    }
  });

  it('refuses a key policy that is not a valid policy document', async () => {
    const key = await newKey(kms);
    for (const Policy of [
      '{',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }],
      }),
    ]) {
      expect(await failure(kms.send(new PutKeyPolicyCommand({ KeyId: key.id, Policy })))).toEqual({
        code: 'MalformedPolicyDocumentException',
        status: 400,
      });
    }
    expect(await failure(kms.send(new GetKeyPolicyCommand({ KeyId: key.id, PolicyName: 'other' })))).toEqual({
      code: 'NotFoundException',
      status: 400,
    });
  });

  for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
    it(`round-trips through ${cli === AWS_CLI_ON_PATH ? 'the aws cli on PATH' : "Debian's aws cli"}`, async () => {
      const dir = tempDir('seawall-kms-cli-');
      const created = await awsCli(t.dataDir, t.url, [
        'kms',
        'create-key',
        '--description',
        'cli',
        '--output',
        'json',
      ]);
      expect(created.stderr).toBe('');
      const keyId = JSON.parse(created.stdout).KeyMetadata.KeyId as string;
      const alias = `alias/cli-${cli === AWS_CLI ? 'debian' : 'path'}`;
      expect(
        (
          await awsCli(t.dataDir, t.url, [
            'kms',
            'create-alias',
            '--alias-name',
            alias,
            '--target-key-id',
            keyId,
          ])
        ).code,
      ).toBe(0);
      writeFileSync(join(dir, 'plain.txt'), 'licence 17');
      const encrypted = await awsCli(t.dataDir, t.url, [
        'kms',
        'encrypt',
        '--key-id',
        alias,
        '--plaintext',
        `fileb://${join(dir, 'plain.txt')}`,
        '--encryption-context',
        'table=licences',
        '--query',
        'CiphertextBlob',
        '--output',
        'text',
      ]);
      expect(encrypted.stderr).toBe('');
      writeFileSync(join(dir, 'sealed.bin'), Buffer.from(encrypted.stdout.trim(), 'base64'));
      const decrypted = await awsCli(t.dataDir, t.url, [
        'kms',
        'decrypt',
        '--ciphertext-blob',
        `fileb://${join(dir, 'sealed.bin')}`,
        '--encryption-context',
        'table=licences',
        '--query',
        'Plaintext',
        '--output',
        'text',
      ]);
      expect(Buffer.from(decrypted.stdout.trim(), 'base64').toString()).toBe('licence 17');
      const wrong = await awsCli(t.dataDir, t.url, [
        'kms',
        'decrypt',
        '--ciphertext-blob',
        `fileb://${join(dir, 'sealed.bin')}`,
      ]);
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toContain('InvalidCiphertextException');
      const listed = await awsCli(t.dataDir, t.url, [
        'kms',
        'list-aliases',
        '--key-id',
        keyId,
        '--output',
        'json',
      ]);
      expect(JSON.parse(listed.stdout).Aliases[0].AliasName).toBe(alias);
      expect(readFileSync(join(dir, 'sealed.bin')).includes('licence 17')).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});

describe('KMS on a clock tests drive', () => {
  let offset = 0;
  let t: TestSeawall;
  let kms: KMSClient;
  const dataDir = tempDir('seawall-kms-clock-');
  /** Moves the server's clock and the client's with it, so that signatures stay in time. */
  const advance = (ms: number) => {
    offset += ms;
    kms.destroy();
    kms = kmsClient(t, t.credentials, offset);
  };
  beforeAll(async () => {
    t = await startTestSeawall({ dataDir, clock: { now: () => new Date(Date.now() + offset) } });
    kms = kmsClient(t);
  });
  afterAll(async () => {
    kms?.destroy();
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('rotates automatically and on demand, and old key material keeps decrypting', async () => {
    const key = await newKey(kms);
    const before = await kms.send(
      new EncryptCommand({ KeyId: key.id, Plaintext: Buffer.from('2023 tickets') }),
    );
    expect(
      await failure(kms.send(new EnableKeyRotationCommand({ KeyId: key.id, RotationPeriodInDays: 89 }))),
    ).toEqual({ code: 'ValidationException', status: 400 });
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.id, RotationPeriodInDays: 90 }));
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.id }));
    expect(status).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90, KeyId: key.arn });
    const due = status.NextRotationDate?.getTime() ?? 0;
    expect((await kms.send(new ListKeyRotationsCommand({ KeyId: key.id }))).Rotations).toEqual([]);
    // Enabling it again, as a tool that re-applies settings does, keeps the schedule.
    advance(DAY_MS);
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.id, RotationPeriodInDays: 90 }));
    expect(
      (await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.id }))).NextRotationDate?.getTime(),
    ).toBe(due);
    advance(-DAY_MS);

    advance(181 * DAY_MS);
    const { Rotations } = await kms.send(new ListKeyRotationsCommand({ KeyId: key.id }));
    expect(Rotations?.map((r) => [r.RotationType, r.RotationDate?.getTime()])).toEqual([
      ['AUTOMATIC', due],
      ['AUTOMATIC', due + 90 * DAY_MS],
    ]);
    const after = await kms.send(
      new EncryptCommand({ KeyId: key.id, Plaintext: Buffer.from('2024 tickets') }),
    );
    // The ciphertexts name different versions of the key's material (bytes 17 to 32 of the blob).
    const materialOf = (blob: Uint8Array | undefined) =>
      Buffer.from(blob ?? [])
        .subarray(17, 33)
        .toString('hex');
    expect(materialOf(after.CiphertextBlob)).not.toBe(materialOf(before.CiphertextBlob));
    expect(
      text((await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }))).Plaintext),
    ).toBe('2023 tickets');

    expect((await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.id }))).KeyId).toBe(key.arn);
    const listed = (await kms.send(new ListKeyRotationsCommand({ KeyId: key.id }))).Rotations ?? [];
    expect(listed.map((r) => r.RotationType)).toEqual(['AUTOMATIC', 'AUTOMATIC', 'ON_DEMAND']);
    expect(
      text((await kms.send(new DecryptCommand({ CiphertextBlob: after.CiphertextBlob }))).Plaintext),
    ).toBe('2024 tickets');
  });

  it('rotates once, when next used, where a shorter period puts the next rotation in the past', async () => {
    const key = await newKey(kms);
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.id, RotationPeriodInDays: 365 }));
    advance(200 * DAY_MS);
    const shortened = Date.now() + offset;
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.id, RotationPeriodInDays: 90 }));
    await kms.send(new EncryptCommand({ KeyId: key.id, Plaintext: Buffer.from('x') }));
    const { Rotations } = await kms.send(new ListKeyRotationsCommand({ KeyId: key.id }));
    expect(Rotations?.map((r) => r.RotationType)).toEqual(['AUTOMATIC']);
    const rotated = Rotations?.[0]?.RotationDate?.getTime() ?? 0;
    // Dated when it was made (the API's dates are in seconds), not 90 or 180 days after rotation was enabled.
    expect(rotated).toBeGreaterThanOrEqual(shortened - 1000);
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.id }));
    expect(status.NextRotationDate?.getTime()).toBeGreaterThanOrEqual(shortened - 1000 + 90 * DAY_MS);
  });

  it('keeps the schedule of a key left idle past its rotation when the setting is applied again', async () => {
    const key = await newKey(kms);
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.id, RotationPeriodInDays: 365 }));
    const due =
      (await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.id }))).NextRotationDate?.getTime() ?? 0;
    advance(400 * DAY_MS);
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.id, RotationPeriodInDays: 365 }));
    const { Rotations } = await kms.send(new ListKeyRotationsCommand({ KeyId: key.id }));
    expect(Rotations?.map((r) => r.RotationDate?.getTime())).toEqual([due]);
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.id }));
    expect(status.NextRotationDate?.getTime()).toBe(due + 365 * DAY_MS);
  });

  it('destroys a key when its waiting period is over: what it sealed can no longer be read', async () => {
    const key = await newKey(kms);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/doomed', TargetKeyId: key.id }));
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: key.id, Plaintext: Buffer.from('gone') }),
    );
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 7 }));
    advance(6 * DAY_MS);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.id }))).KeyMetadata?.KeyState).toBe(
      'PendingDeletion',
    );
    advance(2 * DAY_MS);
    expect(await failure(kms.send(new DescribeKeyCommand({ KeyId: key.id })))).toEqual({
      code: 'NotFoundException',
      status: 400,
    });
    expect(await failureOf(kms.send(new DecryptCommand({ CiphertextBlob })))).toEqual({
      code: 'AccessDeniedException',
      status: 400,
      message:
        'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
    });
    expect((await kms.send(new ListAliasesCommand({}))).Aliases?.map((a) => a.AliasName)).not.toContain(
      'alias/doomed',
    );
    expect((await kms.send(new ListKeysCommand({}))).Keys?.map((k) => k.KeyId)).not.toContain(key.id);
  });

  it('destroys a key due at start, untouched since: its material is gone from the metadata', async () => {
    const key = await newKey(kms);
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 7 }));
    kms.destroy();
    await t.seawall.close();
    offset += 8 * DAY_MS;
    t = await startTestSeawall({ dataDir, clock: { now: () => new Date(Date.now() + offset) } });
    kms = kmsClient(t, t.credentials, offset);
    const db = new BetterSqlite3(dataDirLayout(dataDir).metadataDb, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM kms_keys WHERE id = ?').get(key.id)).toEqual({ n: 0 });
      expect(db.prepare('SELECT count(*) AS n FROM kms_key_materials WHERE key_id = ?').get(key.id)).toEqual({
        n: 0,
      });
    } finally {
      db.close();
    }
  });

  it('keeps keys across a restart: ciphertexts made before it decrypt after it', async () => {
    const key = await newKey(kms);
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: key.id, Plaintext: Buffer.from('kept') }),
    );
    kms.destroy();
    await t.seawall.close();
    t = await startTestSeawall({ dataDir, clock: { now: () => new Date(Date.now() + offset) } });
    kms = kmsClient(t, t.credentials, offset);
    expect(text((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext)).toBe('kept');
  });
});
