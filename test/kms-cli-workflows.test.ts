import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  TagResourceCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

/**
 * KMS as a user scripts it with the aws cli (Debian's v2 and the v1 on PATH) and the SDK, following the KMS
 * developer guide's and the cli reference's examples: key ids, key ARNs, alias names and alias ARNs, and the
 * answers where one of them is not what the operation takes. The expected answers are AWS's own: LocalStack's
 * validated snapshots (tests/aws/services/kms/test_kms.snapshot.json) and errors of AWS quoted in public issues.
 */
describe('KMS scripted through the aws cli and the SDK', () => {
  let t: TestSeawall;
  let kms: KMSClient;
  let keyId: string;
  let keyArn: string;
  let aliasArn: string;
  const alias = 'alias/ExampleAlias';
  beforeAll(async () => {
    t = await startTestSeawall();
    kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'cli workflows' }));
    keyId = KeyMetadata?.KeyId ?? '';
    keyArn = KeyMetadata?.Arn ?? '';
    aliasArn = `arn:aws:kms:${t.credentials.region}:${t.seawall.accountId}:${alias}`;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
  });
  afterAll(async () => {
    kms?.destroy();
    await t?.close();
  });

  const aliasesRefused = {
    code: 'InvalidArnException',
    status: 400,
    message: 'Key Aliases are not supported for this operation.',
  };

  it('refuses an alias name or alias ARN where the operation takes only a key id or key ARN', async () => {
    // GetKeyPolicy, ListResourceTags and CreateGrant (through Lambda) with an alias: InvalidArnException, as
    // quoted from AWS in hashicorp/terraform#20813 and ministryofjustice/modernisation-platform#8298.
    for (const KeyId of [alias, aliasArn]) {
      expect(await failureOf(kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' })))).toEqual(
        aliasesRefused,
      );
      expect(await failureOf(kms.send(new ListResourceTagsCommand({ KeyId })))).toEqual(aliasesRefused);
      expect(await failureOf(kms.send(new DisableKeyCommand({ KeyId })))).toEqual(aliasesRefused);
      expect(await failureOf(kms.send(new GetKeyRotationStatusCommand({ KeyId })))).toEqual(aliasesRefused);
      expect(await failureOf(kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: 'd' })))).toEqual(
        aliasesRefused,
      );
      expect(
        await failureOf(kms.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] }))),
      ).toEqual(aliasesRefused);
      expect(
        await failureOf(
          kms.send(
            new CreateGrantCommand({
              KeyId,
              GranteePrincipal: `arn:aws:iam::${t.seawall.accountId}:root`,
              Operations: ['Decrypt'],
            }),
          ),
        ),
      ).toEqual(aliasesRefused);
      expect(await failureOf(kms.send(new ListAliasesCommand({ KeyId })))).toEqual(aliasesRefused);
      // Whether or not the alias exists: it is the form that is refused.
      const missing = KeyId.replace('ExampleAlias', 'NoSuchAlias');
      expect(await failureOf(kms.send(new ListResourceTagsCommand({ KeyId: missing })))).toEqual(
        aliasesRefused,
      );
      // The operations that take an alias still do, by name and by ARN.
      expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.Arn).toBe(keyArn);
      expect((await kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }))).KeyId).toBe(keyArn);
    }
    // A key id and a key ARN are what they take.
    for (const KeyId of [keyId, keyArn])
      expect((await kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' }))).Policy).toContain(
        'kms:*',
      );
  });

  it('gives both aws clis the same InvalidArnException for get-key-policy by alias', async () => {
    for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
      const run = await awsCli(
        t.dataDir,
        t.url,
        ['kms', 'get-key-policy', '--key-id', alias, '--policy-name', 'default'],
        undefined,
        cli,
      );
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(
        'An error occurred (InvalidArnException) when calling the GetKeyPolicy operation: Key Aliases are not supported for this operation.',
      );
      // The script's fix, as the guides give it: the alias's key id from list-aliases.
      const listed = await awsCli(
        t.dataDir,
        t.url,
        ['kms', 'list-aliases', '--query', `Aliases[?AliasName=='${alias}'].TargetKeyId`, '--output', 'text'],
        undefined,
        cli,
      );
      expect(listed.stdout.trim()).toBe(keyId);
    }
  });

  it('names the region of a key ARN from another region, as KMS does', async () => {
    // LocalStack's snapshot test_get_key_in_different_region ("Invalid arn <region>"), and AWS's answer quoted in
    // nakedible/openssl-engine-kms#1 ("Invalid arn us-west-1").
    const elsewhere = keyArn.replace(`:${t.credentials.region}:`, ':us-west-1:');
    const invalidArn = { code: 'NotFoundException', status: 400, message: 'Invalid arn us-west-1' };
    expect(await failureOf(kms.send(new DescribeKeyCommand({ KeyId: elsewhere })))).toEqual(invalidArn);
    expect(
      await failureOf(kms.send(new EncryptCommand({ KeyId: elsewhere, Plaintext: Buffer.from('x') }))),
    ).toEqual(invalidArn);
    expect(
      await failureOf(kms.send(new GetKeyPolicyCommand({ KeyId: elsewhere, PolicyName: 'default' }))),
    ).toEqual(invalidArn);
    // A key id is looked up in the request's own region.
    const missing = '134f2428-cec1-4b25-a1ae-9048164dba47';
    expect(await failureOf(kms.send(new DescribeKeyCommand({ KeyId: missing })))).toEqual({
      code: 'NotFoundException',
      status: 400,
      message: `Key '${keyArn.replace(keyId, missing)}' does not exist`,
    });
  });

  it("checks CreateKey's KeyUsage and Origin against the model, and the usage against the key spec", async () => {
    // LocalStack's snapshot test_hmac_create_key_invalid_operations: an unknown KeyUsage is the model's violation.
    const usages =
      'ENCAPSULATE_DECAPSULATE, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT, SIGN_VERIFY';
    const usage = `Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [${usages}]`;
    expect(
      await failureOf(kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'RANDOM' as never }))),
    ).toEqual({ code: 'ValidationException', status: 400, message: `1 validation error detected: ${usage}` });
    expect(await failureOf(kms.send(new CreateKeyCommand({ KeyUsage: 'RANDOM' as never })))).toEqual({
      code: 'ValidationException',
      status: 400,
      message: `1 validation error detected: ${usage}`,
    });
    const origin =
      "Value 'FOO' at 'origin' failed to satisfy constraint: Member must satisfy enum value set: [AWS_CLOUDHSM, AWS_KMS, EXTERNAL, EXTERNAL_KEY_STORE]";
    expect(await failureOf(kms.send(new CreateKeyCommand({ Origin: 'FOO' as never })))).toEqual({
      code: 'ValidationException',
      status: 400,
      message: `1 validation error detected: ${origin}`,
    });
    // Every violation of the model is counted in one answer.
    expect(
      await failureOf(
        kms.send(new CreateKeyCommand({ KeyUsage: 'RANDOM' as never, Origin: 'FOO' as never })),
      ),
    ).toEqual({
      code: 'ValidationException',
      status: 400,
      message: `2 validation errors detected: ${usage}; ${origin}`,
    });
    // A usage the spec does not take, in KMS's words (LocalStack's snapshot test_derive_shared_secret: "KeyUsage
    // KEY_AGREEMENT is not compatible with KeySpec RSA_2048"), also for a spec Seawall does not make.
    const incompatible = (usage: string, spec: string) => ({
      code: 'ValidationException',
      status: 400,
      message: `KeyUsage ${usage} is not compatible with KeySpec ${spec}`,
    });
    for (const [KeySpec, KeyUsage] of [
      ['RSA_2048', 'KEY_AGREEMENT'],
      ['HMAC_256', 'ENCRYPT_DECRYPT'],
      ['SYMMETRIC_DEFAULT', 'SIGN_VERIFY'],
      ['SYMMETRIC_DEFAULT', 'GENERATE_VERIFY_MAC'],
      ['ECC_SECG_P256K1', 'ENCRYPT_DECRYPT'],
    ] as const)
      expect(await failureOf(kms.send(new CreateKeyCommand({ KeySpec, KeyUsage })))).toEqual(
        incompatible(KeyUsage, KeySpec),
      );
    expect(await failureOf(kms.send(new CreateKeyCommand({ KeyUsage: 'GENERATE_VERIFY_MAC' })))).toEqual(
      incompatible('GENERATE_VERIFY_MAC', 'SYMMETRIC_DEFAULT'),
    );
    // Only a symmetric encryption key has a default usage, whatever the spec.
    expect(await failureOf(kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048' })))).toEqual({
      code: 'ValidationException',
      status: 400,
      message: 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.',
    });
    // A valid spec and usage Seawall does not make is refused as unsupported, never made.
    expect(
      await failureOf(kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }))),
    ).toMatchObject({ code: 'UnsupportedOperationException' });
    // An origin of the model that Seawall does not serve is still refused as such.
    expect(await failureOf(kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' })))).toMatchObject({
      code: 'UnsupportedOperationException',
    });
  });

  it('round-trips a file through encrypt, re-encrypt and decrypt in both clis, as the developer guide scripts it', async () => {
    const dir = tempDir('kms-cli-');
    const plain = join(dir, 'plain.txt');
    writeFileSync(plain, 'Vancouver parking tickets, row 1\n');
    const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
      const run = (args: string[]) => awsCli(t.dataDir, t.url, ['kms', ...args], undefined, cli);
      const sealed = join(dir, `sealed-${cli === AWS_CLI ? 'v2' : 'path'}.bin`);
      const encrypted = await run([
        'encrypt',
        '--key-id',
        aliasArn,
        '--plaintext',
        `fileb://${plain}`,
        '--encryption-context',
        '{"purpose":"test","dept":"IT"}',
        '--output',
        'text',
        '--query',
        'CiphertextBlob',
      ]);
      expect(encrypted.stderr).toBe('');
      writeFileSync(sealed, Buffer.from(encrypted.stdout.trim(), 'base64'));
      const resealed = join(dir, `resealed-${cli === AWS_CLI ? 'v2' : 'path'}.bin`);
      const moved = await run([
        're-encrypt',
        '--ciphertext-blob',
        `fileb://${sealed}`,
        '--source-encryption-context',
        'purpose=test,dept=IT',
        '--destination-key-id',
        other,
        '--output',
        'text',
        '--query',
        'CiphertextBlob',
      ]);
      expect(moved.stderr).toBe('');
      writeFileSync(resealed, Buffer.from(moved.stdout.trim(), 'base64'));
      const decrypted = await run([
        'decrypt',
        '--ciphertext-blob',
        `fileb://${resealed}`,
        '--key-id',
        other,
        '--output',
        'text',
        '--query',
        'Plaintext',
      ]);
      expect(decrypted.stderr).toBe('');
      expect(Buffer.from(decrypted.stdout.trim(), 'base64').toString()).toBe(readFileSync(plain, 'utf8'));
      // Without its context the first ciphertext does not open: AWS's empty InvalidCiphertextException.
      const bare = await run(['decrypt', '--ciphertext-blob', `fileb://${sealed}`]);
      expect(bare.stderr).toContain('(InvalidCiphertextException) when calling the Decrypt operation: ');
    }
  });
});
