import {
  ConnectCustomKeyStoreCommand,
  CreateAliasCommand,
  CreateCustomKeyStoreCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecapsulateCommand,
  DeleteCustomKeyStoreCommand,
  DeleteImportedKeyMaterialCommand,
  DeriveSharedSecretCommand,
  DescribeCustomKeyStoresCommand,
  DisableKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EncapsulateCommand,
  GetKeyLastUsageCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  KMSClient,
  ReplicateKeyCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  UpdateCustomKeyStoreCommand,
  UpdatePrimaryRegionCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failure, failureOf } from './helpers/failure.js';
import { policyUser } from './helpers/iam-user.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * The KMS operations of the API model that Seawall's keys (symmetric encryption and HMAC_256, origin AWS_KMS,
 * single-Region, no custom key store) cannot serve, answered as AWS answers them for such keys instead of
 * UnknownOperationException, which would tell a client the operation does not exist. Recorded from AWS:
 * LocalStack's tests/aws/services/kms/test_kms.snapshot.json (test_error_messaging_for_invalid_keys,
 * test_derive_shared_secret, test_get_parameters_for_import_raises_for_non_external_kms_keys,
 * test_replicate_replica_key_should_fail), and floci-io/floci#3026 for SM2 in us-east-1.
 */

const message = Buffer.from('parking ticket 2024-0042');

describe('KMS operations Seawall keys cannot serve', () => {
  let t: TestSeawall;
  let kms: KMSClient;
  let arn: (id: string) => string;
  const newKey = async (input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) =>
    (await kms.send(new CreateKeyCommand(input))).KeyMetadata?.KeyId ?? '';
  beforeAll(async () => {
    t = await startTestSeawall();
    kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    arn = (id) => `arn:aws:kms:${t.credentials.region}:${t.seawall.accountId}:key/${id}`;
  });
  afterAll(async () => {
    kms?.destroy();
    await t?.close();
  });

  it('refuses Sign, Verify, DeriveSharedSecret, Encapsulate and Decapsulate by the key usage, as KMS words it', async () => {
    const symmetric = await newKey();
    const mac = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const usage = (id: string, usage: string, operation: string) => ({
      code: 'InvalidKeyUsageException',
      status: 400,
      message: `${arn(id)} key usage is ${usage} which is not valid for ${operation}.`,
    });
    const sign = (KeyId: string) =>
      kms.send(new SignCommand({ KeyId, Message: message, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }));
    const verify = (KeyId: string) =>
      kms.send(
        new VerifyCommand({
          KeyId,
          Message: message,
          Signature: Buffer.from('random text'),
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
    const derive = (KeyId: string) =>
      kms.send(
        new DeriveSharedSecretCommand({
          KeyId,
          KeyAgreementAlgorithm: 'ECDH',
          PublicKey: Buffer.from('a public key'),
        }),
      );
    const encapsulate = (KeyId: string) =>
      kms.send(new EncapsulateCommand({ KeyId, EncapsulationAlgorithm: 'ML_KEM' }));
    const decapsulate = (KeyId: string) =>
      kms.send(
        new DecapsulateCommand({
          KeyId,
          SharedSecretCiphertextBlob: Buffer.from('a ciphertext'),
          EncapsulationAlgorithm: 'ML_KEM',
        }),
      );
    // The recorded cases: an HMAC key for Sign, a symmetric key for Verify and DeriveSharedSecret.
    expect(await failureOf(sign(mac))).toEqual(usage(mac, 'GENERATE_VERIFY_MAC', 'Sign'));
    expect(await failureOf(verify(symmetric))).toEqual(usage(symmetric, 'ENCRYPT_DECRYPT', 'Verify'));
    expect(await failureOf(derive(symmetric))).toEqual(
      usage(symmetric, 'ENCRYPT_DECRYPT', 'DeriveSharedSecret'),
    );
    expect(await failureOf(sign(symmetric))).toEqual(usage(symmetric, 'ENCRYPT_DECRYPT', 'Sign'));
    expect(await failureOf(verify(mac))).toEqual(usage(mac, 'GENERATE_VERIFY_MAC', 'Verify'));
    expect(await failureOf(encapsulate(symmetric))).toEqual(
      usage(symmetric, 'ENCRYPT_DECRYPT', 'Encapsulate'),
    );
    expect(await failureOf(decapsulate(mac))).toEqual(usage(mac, 'GENERATE_VERIFY_MAC', 'Decapsulate'));
    // Named by an alias, as the cryptographic operations take it; the key's state before its usage.
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/signing', TargetKeyId: symmetric }));
    expect(await failureOf(sign('alias/signing'))).toEqual(usage(symmetric, 'ENCRYPT_DECRYPT', 'Sign'));
    await kms.send(new DisableKeyCommand({ KeyId: mac }));
    expect(await failureOf(sign(mac))).toEqual({
      code: 'DisabledException',
      status: 400,
      message: `${arn(mac)} is disabled.`,
    });
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: mac, PendingWindowInDays: 7 }));
    expect(await failureOf(verify(mac))).toEqual({
      code: 'KMSInvalidStateException',
      status: 400,
      message: `${arn(mac)} is pending deletion.`,
    });
    const missing = '0b7fd7dd-bac6-4ef2-b790-7413567cad8c';
    expect(await failureOf(derive(missing))).toEqual({
      code: 'NotFoundException',
      status: 400,
      message: `Key '${arn(missing)}' does not exist`,
    });
    // The model's constraints first: a required member left out.
    expect(
      await failureOf(kms.send(new SignCommand({ KeyId: symmetric, Message: message } as never))),
    ).toEqual({
      code: 'ValidationException',
      status: 400,
      message:
        "1 validation error detected: Value null at 'signingAlgorithm' failed to satisfy constraint: Member must not be null",
    });
    // DryRun and GrantTokens are taken as on every cryptographic operation: the refusal comes first.
    expect(
      await failure(
        kms.send(
          new SignCommand({
            KeyId: symmetric,
            Message: message,
            SigningAlgorithm: 'ECDSA_SHA_256',
            DryRun: true,
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidKeyUsageException', status: 400 });
  });

  it('authorizes each of them under its own action before looking at the key', async () => {
    const key = await newKey();
    const signer = await policyUser(t, 'signer', [
      { Effect: 'Allow', Action: ['kms:Sign', 'kms:GetPublicKey'], Resource: arn(key) },
    ]);
    const user = new KMSClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: signer.credentials,
    });
    try {
      const signed = { KeyId: key, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' as const };
      expect(await failure(user.send(new SignCommand(signed)))).toEqual({
        code: 'InvalidKeyUsageException',
        status: 400,
      });
      expect(await failure(user.send(new GetPublicKeyCommand({ KeyId: key })))).toEqual({
        code: 'UnsupportedOperationException',
        status: 400,
      });
      const denied = { code: 'AccessDeniedException', status: 400 };
      expect(await failure(user.send(new VerifyCommand({ ...signed, Signature: Buffer.from('x') })))).toEqual(
        denied,
      );
      expect(
        await failure(
          user.send(
            new GetParametersForImportCommand({
              KeyId: key,
              WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
              WrappingKeySpec: 'RSA_2048',
            }),
          ),
        ),
      ).toEqual(denied);
      expect(await failure(user.send(new DescribeCustomKeyStoresCommand({})))).toEqual(denied);
    } finally {
      user.destroy();
      signer.close();
    }
  });

  it('has no public key for a symmetric or HMAC key', async () => {
    const symmetric = await newKey();
    const mac = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    for (const id of [symmetric, mac])
      expect(await failureOf(kms.send(new GetPublicKeyCommand({ KeyId: id })))).toEqual({
        code: 'UnsupportedOperationException',
        status: 400,
        message: `${arn(id)} is not an asymmetric KMS key.`,
      });
    expect(
      await failure(kms.send(new GetPublicKeyCommand({ KeyId: 'alias/none', GrantTokens: ['x'] }))),
    ).toEqual({ code: 'NotFoundException', status: 400 });
  });

  it('refuses importing key material into a key of origin AWS_KMS, naming its origin', async () => {
    const key = await newKey();
    const origin = {
      code: 'UnsupportedOperationException',
      status: 400,
      message: `${arn(key)} origin is AWS_KMS which is not valid for this operation.`,
    };
    expect(
      await failureOf(
        kms.send(
          new GetParametersForImportCommand({
            KeyId: key,
            WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
            WrappingKeySpec: 'RSA_2048',
          }),
        ),
      ),
    ).toEqual(origin);
    expect(
      await failureOf(
        kms.send(
          new ImportKeyMaterialCommand({
            KeyId: key,
            ImportToken: Buffer.from('token'),
            EncryptedKeyMaterial: Buffer.from('material'),
            ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
          }),
        ),
      ),
    ).toEqual(origin);
    expect(await failureOf(kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key })))).toEqual(origin);
    // The model's enums first.
    expect(
      await failure(
        kms.send(
          new GetParametersForImportCommand({
            KeyId: key,
            WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
            WrappingKeySpec: 'RSA_1024' as 'RSA_2048',
          }),
        ),
      ),
    ).toEqual({ code: 'ValidationException', status: 400 });
  });

  it('refuses replicating a single-Region key or making it a primary', async () => {
    const key = await newKey();
    expect(
      await failureOf(kms.send(new ReplicateKeyCommand({ KeyId: key, ReplicaRegion: 'us-west-2' }))),
    ).toEqual({
      code: 'UnsupportedOperationException',
      status: 400,
      message: `${arn(key)} is not a multi-region primary key.`,
    });
    expect(
      await failureOf(kms.send(new UpdatePrimaryRegionCommand({ KeyId: key, PrimaryRegion: 'us-west-2' }))),
    ).toEqual({
      code: 'UnsupportedOperationException',
      status: 400,
      message: `${arn(key)} is not a multi-region key.`,
    });
  });

  it('lists no custom key stores and finds none, and cannot make one', async () => {
    expect(await kms.send(new DescribeCustomKeyStoresCommand({}))).toMatchObject({
      CustomKeyStores: [],
      Truncated: false,
    });
    const notFound = { code: 'CustomKeyStoreNotFoundException', status: 400 };
    expect(
      await failure(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'hsm' }))),
    ).toEqual(notFound);
    const CustomKeyStoreId = 'cks-1234567890abcdef0';
    for (const call of [
      () => kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId })),
      () => kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId })),
      () => kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId })),
      () => kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId })),
      () => kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId, NewCustomKeyStoreName: 'x' })),
    ])
      expect(await failure(call())).toEqual(notFound);
    expect(
      await failureOf(
        kms.send(
          new CreateCustomKeyStoreCommand({
            CustomKeyStoreName: 'hsm',
            CloudHsmClusterId: 'cluster-1a23b4cdefg',
            TrustAnchorCertificate: 'certificate',
            KeyStorePassword: 'kmsPswd',
          }),
        ),
      ),
    ).toEqual({
      code: 'UnsupportedOperationException',
      status: 400,
      message: 'Custom key stores are not supported by Seawall.',
    });
    expect(
      await failure(kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId }))),
    ).toEqual({ code: 'UnsupportedOperationException', status: 400 });
  });

  it('refuses SM2 outside the China Regions in KMS words', async () => {
    expect(
      await failureOf(kms.send(new CreateKeyCommand({ KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' }))),
    ).toEqual({
      code: 'UnsupportedOperationException',
      status: 400,
      message: 'KeySpec SM2 is not supported in this Region',
    });
  });

  it('refuses what CreateGrant offers that Seawall does not do, never ignoring it', async () => {
    const KeyId = await newKey();
    const grant = { KeyId, GranteePrincipal: `arn:aws:iam::${t.seawall.accountId}:root` };
    const refused = { code: 'UnsupportedOperationException', status: 400 };
    for (const input of [
      { ...grant, Operations: ['Decrypt' as const], DryRun: true },
      { KeyId, GranteeServicePrincipal: 'logs.amazonaws.com', Operations: ['Decrypt' as const] },
      { ...grant, RetiringServicePrincipal: 'logs.amazonaws.com', Operations: ['Decrypt' as const] },
    ])
      expect(await failure(kms.send(new CreateGrantCommand(input)))).toEqual(refused);
    expect(
      await failureOf(
        kms.send(
          new CreateGrantCommand({
            ...grant,
            Operations: ['Decrypt'],
            Constraints: { SourceArn: 'arn:aws:logs:us-east-1:111122223333:log-group:x' },
          }),
        ),
      ),
    ).toEqual({
      ...refused,
      message: 'The SourceArn constraint of CreateGrant is not implemented by Seawall.',
    });
  });

  it('knows every grant operation of the model, refusing those a symmetric key cannot take by the key', async () => {
    const KeyId = await newKey();
    const GranteePrincipal = `arn:aws:iam::${t.seawall.accountId}:root`;
    for (const operation of ['Encapsulate', 'Decapsulate'] as const)
      expect(
        await failureOf(
          kms.send(new CreateGrantCommand({ KeyId, GranteePrincipal, Operations: [operation] })),
        ),
      ).toEqual({
        code: 'ValidationException',
        status: 400,
        message: `Grant operation ${operation} is not valid for a SYMMETRIC_DEFAULT key.`,
      });
  });

  it('refuses GetKeyLastUsage, which needs usage tracking Seawall does not keep, after finding the key', async () => {
    const key = await newKey();
    expect(await failureOf(kms.send(new GetKeyLastUsageCommand({ KeyId: key })))).toEqual({
      code: 'UnsupportedOperationException',
      status: 400,
      message: 'GetKeyLastUsage is not implemented by Seawall.',
    });
    expect(
      await failure(kms.send(new GetKeyLastUsageCommand({ KeyId: '0b7fd7dd-bac6-4ef2-b790-7413567cad8c' }))),
    ).toEqual({ code: 'NotFoundException', status: 400 });
  });

  it('answers the aws cli with the same errors', async () => {
    const key = await newKey();
    const verify = await awsCli(t.dataDir, t.url, [
      'kms',
      'verify',
      '--key-id',
      key,
      '--message',
      Buffer.from('x').toString('base64'),
      '--signature',
      Buffer.from('y').toString('base64'),
      '--signing-algorithm',
      'ECDSA_SHA_256',
    ]);
    expect(verify.code).not.toBe(0);
    expect(verify.stderr).toContain(
      `(InvalidKeyUsageException) when calling the Verify operation: ${arn(key)} key usage is ENCRYPT_DECRYPT which is not valid for Verify.`,
    );
    const stores = await awsCli(t.dataDir, t.url, ['kms', 'describe-custom-key-stores', '--output', 'json']);
    expect(stores.stderr).toBe('');
    // (The cli pages the listing itself and leaves out Truncated.)
    expect(JSON.parse(stores.stdout)).toEqual({ CustomKeyStores: [] });
  });
});
