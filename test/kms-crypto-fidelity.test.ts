import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  KMSClient,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ReEncryptCommand,
  RetireGrantCommand,
  RotateKeyOnDemandCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

/**
 * KMS's answers from its cryptographic operations, where Seawall's differed from AWS's. Each expected answer is
 * AWS's own, as recorded against AWS in LocalStack's validated snapshots (tests/aws/services/kms/
 * test_kms.snapshot.json), and the response members of KMS's API model (botocore's kms/2014-11-01).
 */
describe('KMS cryptographic operations, as AWS answers them', () => {
  let t: TestSeawall;
  let kms: KMSClient;
  const newKey = async (input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) =>
    (await kms.send(new CreateKeyCommand(input))).KeyMetadata?.KeyId ?? '';
  beforeAll(async () => {
    t = await startTestSeawall();
    kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  });
  afterAll(async () => {
    kms?.destroy();
    await t?.close();
  });

  /** AWS's message is empty, which the JavaScript SDK reports as 'UnknownError' (the wire is checked below). */
  const badCiphertext = { code: 'InvalidCiphertextException', status: 400, message: 'UnknownError' };

  it('answers a ciphertext that does not open with an empty message', async () => {
    const KeyId = await newKey();
    const EncryptionContext = { table: 'licences' };
    const { CiphertextBlob = new Uint8Array() } = await kms.send(
      new EncryptCommand({ KeyId, Plaintext: Buffer.from('licence 17'), EncryptionContext }),
    );
    const flipped = Buffer.from(CiphertextBlob);
    flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 0x01;
    for (const input of [
      { CiphertextBlob },
      { CiphertextBlob, EncryptionContext: { table: 'permits' } },
      { CiphertextBlob: flipped, EncryptionContext },
      { CiphertextBlob: CiphertextBlob.subarray(0, 20), EncryptionContext },
      { CiphertextBlob: Buffer.from('not a ciphertext') },
    ])
      expect(await failureOf(kms.send(new DecryptCommand(input)))).toEqual(badCiphertext);
    const to = await newKey();
    expect(
      await failureOf(kms.send(new ReEncryptCommand({ CiphertextBlob: flipped, DestinationKeyId: to }))),
    ).toEqual(badCiphertext);

    const body = JSON.stringify({
      CiphertextBlob: flipped.toString('base64'),
      EncryptionContext,
    });
    const headers = await signedHeaders(t, {
      method: 'POST',
      path: '/',
      service: 'kms',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Decrypt' },
      body,
    });
    const wire = await rawRequest(t.url, { method: 'POST', path: '/', headers, body });
    expect(wire.status).toBe(400);
    expect(JSON.parse(wire.body)).toMatchObject({ __type: 'InvalidCiphertextException', message: '' });

    // The aws cli prints the code and nothing after the colon.
    const dir = tempDir('seawall-kms-crypto-');
    writeFileSync(join(dir, 'sealed.bin'), flipped);
    const cli = await awsCli(t.dataDir, t.url, [
      'kms',
      'decrypt',
      '--ciphertext-blob',
      `fileb://${join(dir, 'sealed.bin')}`,
      '--encryption-context',
      'table=licences',
    ]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr.trim()).toBe(
      'An error occurred (InvalidCiphertextException) when calling the Decrypt operation:',
    );
  });

  it('answers DryRun with DryRunOperationException where the call would succeed, its own error where not', async () => {
    const dryRun = {
      code: 'DryRunOperationException',
      status: 400,
      message: 'The request would have succeeded, but the DryRun option is set.',
    };
    const KeyId = await newKey();
    const other = await newKey();
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }));
    const macKey = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const Message = Buffer.from('row 42');
    const { Mac } = await kms.send(
      new GenerateMacCommand({ KeyId: macKey, Message, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    for (const call of [
      () => kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x'), DryRun: true })),
      () => kms.send(new DecryptCommand({ CiphertextBlob, DryRun: true })),
      () => kms.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: other, DryRun: true })),
      () => kms.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256', DryRun: true })),
      () => kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId, NumberOfBytes: 16, DryRun: true })),
      () =>
        kms.send(
          new GenerateMacCommand({ KeyId: macKey, Message, MacAlgorithm: 'HMAC_SHA_256', DryRun: true }),
        ),
      () =>
        kms.send(
          new VerifyMacCommand({ KeyId: macKey, Message, Mac, MacAlgorithm: 'HMAC_SHA_256', DryRun: true }),
        ),
    ])
      expect(await failureOf(call())).toEqual(dryRun);

    // A dry run that would fail answers that failure.
    expect(
      await failureOf(kms.send(new DecryptCommand({ CiphertextBlob, KeyId: other, DryRun: true }))),
    ).toMatchObject({ code: 'IncorrectKeyException' });
    expect(
      await failureOf(kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('junk'), DryRun: true }))),
    ).toEqual(badCiphertext);
    await kms.send(new DisableKeyCommand({ KeyId: other }));
    expect(
      await failureOf(
        kms.send(new EncryptCommand({ KeyId: other, Plaintext: Buffer.from('x'), DryRun: true })),
      ),
    ).toMatchObject({ code: 'DisabledException', message: expect.stringMatching(/ is disabled\.$/) });
    // DryRun false is an ordinary call.
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob, DryRun: false }));
    expect(Buffer.from(opened.Plaintext ?? []).toString()).toBe('x');
  });

  it('names the key material in the answers of Decrypt, GenerateDataKey and ReEncrypt', async () => {
    const KeyId = await newKey();
    const to = await newKey();
    const materialId = /^[a-f0-9]{64}$/;
    const encrypted = await kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }));
    // Encrypt's answer has no such member in the model.
    expect(encrypted).not.toHaveProperty('KeyMaterialId');
    const made = await kms.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' }));
    expect(made.KeyMaterialId).toMatch(materialId);
    const first = made.KeyMaterialId;
    const hidden = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId, KeySpec: 'AES_128' }));
    expect(hidden.KeyMaterialId).toBe(first);
    expect(
      (await kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }))).KeyMaterialId,
    ).toBe(first);

    await kms.send(new RotateKeyOnDemandCommand({ KeyId }));
    const after = await kms.send(new GenerateDataKeyCommand({ KeyId, NumberOfBytes: 8 }));
    expect(after.KeyMaterialId).toMatch(materialId);
    expect(after.KeyMaterialId).not.toBe(first);
    // What the old material sealed still opens, and says which material opened it.
    const old = await kms.send(new DecryptCommand({ CiphertextBlob: made.CiphertextBlob }));
    expect(old).toMatchObject({ KeyMaterialId: first, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    expect(Buffer.from(old.Plaintext ?? []).equals(Buffer.from(made.Plaintext ?? []))).toBe(true);

    const moved = await kms.send(
      new ReEncryptCommand({ CiphertextBlob: made.CiphertextBlob, DestinationKeyId: to }),
    );
    expect(moved.SourceKeyMaterialId).toBe(first);
    expect(moved.DestinationKeyMaterialId).toMatch(materialId);
    expect(moved.DestinationKeyMaterialId).not.toBe(first);
    expect(moved.SourceKeyId).toMatch(/^arn:aws:kms:[^:]+:\d{12}:key\//);
    expect(moved.KeyId).toMatch(/^arn:aws:kms:[^:]+:\d{12}:key\//);
    expect((await kms.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob }))).KeyMaterialId).toBe(
      moved.DestinationKeyMaterialId,
    );
  });

  it("names a key's current material in CreateKey, DescribeKey and ListKeyRotations, as KMS does", async () => {
    // AWS (LocalStack's snapshots test_create_key, test_key_rotation_updates_current_key_material_id_for_aws_
    // symmetric_keys, test_hmac_create_key, recorded 2025-11): CurrentKeyMaterialId for a symmetric encryption
    // key, changed by a rotation; none for an HMAC key.
    const materialId = /^[a-f0-9]{64}$/;
    const created = (await kms.send(new CreateKeyCommand({}))).KeyMetadata;
    const KeyId = created?.KeyId ?? '';
    expect(created?.CurrentKeyMaterialId).toMatch(materialId);
    const first = (await kms.send(new GenerateDataKeyCommand({ KeyId, NumberOfBytes: 16 }))).KeyMaterialId;
    expect(created?.CurrentKeyMaterialId).toBe(first);
    expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.CurrentKeyMaterialId).toBe(first);

    await kms.send(new RotateKeyOnDemandCommand({ KeyId }));
    const second = (await kms.send(new GenerateDataKeyCommand({ KeyId, NumberOfBytes: 16 }))).KeyMaterialId;
    expect(second).not.toBe(first);
    expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.CurrentKeyMaterialId).toBe(
      second,
    );

    const hmac = await kms.send(
      new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    );
    expect(hmac.KeyMetadata).not.toHaveProperty('CurrentKeyMaterialId');
    const described = await kms.send(new DescribeKeyCommand({ KeyId: hmac.KeyMetadata?.KeyId }));
    expect(described.KeyMetadata).not.toHaveProperty('CurrentKeyMaterialId');

    // Each entry names its material and whether it is current; ALL_KEY_MATERIAL adds the first material, which
    // has no rotation date or type (the API reference's RotationsListEntry).
    const arn = created?.Arn;
    const rotated = (await kms.send(new ListKeyRotationsCommand({ KeyId }))).Rotations ?? [];
    expect(rotated).toEqual([
      {
        KeyId: arn,
        KeyMaterialId: second,
        KeyMaterialState: 'CURRENT',
        RotationDate: expect.any(Date),
        RotationType: 'ON_DEMAND',
      },
    ]);
    const all = await kms.send(
      new ListKeyRotationsCommand({ KeyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }),
    );
    expect(all.Rotations).toEqual([
      { KeyId: arn, KeyMaterialId: first, KeyMaterialState: 'NON_CURRENT' },
      rotated[0],
    ]);
    expect(
      (await kms.send(new ListKeyRotationsCommand({ KeyId, IncludeKeyMaterial: 'ROTATIONS_ONLY' })))
        .Rotations,
    ).toEqual(rotated);
    expect(
      await failureOf(
        kms.send(new ListKeyRotationsCommand({ KeyId, IncludeKeyMaterial: 'SOME' as 'ALL_KEY_MATERIAL' })),
      ),
    ).toEqual({
      code: 'ValidationException',
      status: 400,
      message:
        "1 validation error detected: Value 'SOME' at 'includeKeyMaterial' failed to satisfy constraint: Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]",
    });
  });

  it('answers a CreateGrant retried under its name with the same GrantId and a new token, each usable', async () => {
    // KMS's API reference (CreateGrant, Name): "the returned grant token is unique with every CreateGrant request,
    // even when a duplicate GrantId is returned. All grant tokens for the same grant ID can be used
    // interchangeably."
    const KeyId = await newKey();
    const GranteePrincipal = `arn:aws:iam::${t.seawall.accountId}:root`;
    const grant = (Operations: ('Encrypt' | 'Decrypt')[]) =>
      kms.send(new CreateGrantCommand({ KeyId, GranteePrincipal, Operations, Name: 'nightly-load' }));
    const first = await grant(['Encrypt', 'Decrypt']);
    const again = await grant(['Decrypt', 'Encrypt']);
    expect(again.GrantId).toBe(first.GrantId);
    expect(again.GrantToken).not.toBe(first.GrantToken);
    expect((await kms.send(new ListGrantsCommand({ KeyId }))).Grants).toHaveLength(1);
    const tokens = [first.GrantToken ?? '', again.GrantToken ?? ''];
    const sealed = await kms.send(
      new EncryptCommand({ KeyId, Plaintext: Buffer.from('x'), GrantTokens: tokens }),
    );
    expect(sealed.KeyId).toMatch(/:key\//);
    // A token of that form not made for the grant is no token.
    const forged = Buffer.from(again.GrantToken ?? '', 'base64url');
    forged[forged.length - 1] = (forged.at(-1) ?? 0) ^ 0x01;
    expect(
      await failureOf(
        kms.send(
          new EncryptCommand({
            KeyId,
            Plaintext: Buffer.from('x'),
            GrantTokens: [forged.toString('base64url')],
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidGrantTokenException', status: 400, message: 'The grant token is not valid.' });

    // Other terms under the same name are another grant (only a retry with identical parameters is the same).
    const other = await grant(['Encrypt']);
    expect(other.GrantId).not.toBe(first.GrantId);
    // The second token retires the grant as the first would.
    await kms.send(new RetireGrantCommand({ GrantToken: again.GrantToken }));
    const left = (await kms.send(new ListGrantsCommand({ KeyId }))).Grants ?? [];
    expect(left.map((g) => g.GrantId)).toEqual([other.GrantId]);
    expect(await failureOf(kms.send(new RetireGrantCommand({ GrantToken: first.GrantToken })))).toMatchObject(
      { code: 'InvalidGrantTokenException' },
    );
  });
});
