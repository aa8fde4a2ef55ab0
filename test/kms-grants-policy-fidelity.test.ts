import {
  CreateGrantCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GenerateMacCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  RotateKeyOnDemandCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * KMS's answers on grants, key policies, aliases and a key's life, where Seawall's differed from AWS's. Each
 * expected answer is AWS's own, as recorded against AWS: LocalStack's validated snapshots
 * (tests/aws/services/kms/test_kms.snapshot.json), errors quoted with AWS request ids in public issues, and the
 * constraints of KMS's API model (botocore's kms/2014-11-01/service-2.json) in the front end's wording.
 */
describe('KMS grants, policies and key lifecycle, as AWS answers them', () => {
  let t: TestSeawall;
  let kms: KMSClient;
  let KeyId: string;
  let root: string;
  beforeAll(async () => {
    t = await startTestSeawall();
    kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    root = `arn:aws:iam::${t.seawall.accountId}:root`;
  });
  afterAll(async () => {
    kms?.destroy();
    await t?.close();
  });

  const invalid = (message: string) => ({ code: 'ValidationException', status: 400, message });
  const grant = (input: Partial<ConstructorParameters<typeof CreateGrantCommand>[0]>) =>
    kms.send(new CreateGrantCommand({ KeyId, GranteePrincipal: root, Operations: ['Encrypt'], ...input }));

  it('refuses a grant with both kinds of encryption context constraint in KMS words', async () => {
    expect(
      await failureOf(
        grant({
          Constraints: { EncryptionContextEquals: { a: 'b' }, EncryptionContextSubset: { a: 'b' } },
        }),
      ),
    ).toEqual(invalid('More than one constraint supplied'));
  });

  it('refuses a grant of nothing but CreateGrant', async () => {
    expect(await failureOf(grant({ Operations: ['CreateGrant'] }))).toEqual(
      invalid('Grants must not contain only the CreateGrant operation.'),
    );
    expect((await grant({ Operations: ['CreateGrant', 'Decrypt'] })).GrantId).toMatch(/^[0-9a-f]{64}$/);
  });

  it("checks a grant's Name against its model's pattern and length", async () => {
    const pattern = 'Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$';
    expect(await failureOf(grant({ Name: 'city team' }))).toEqual(
      invalid(
        `1 validation error detected: Value 'city team' at 'name' failed to satisfy constraint: ${pattern}`,
      ),
    );
    expect(await failureOf(grant({ Name: 'n'.repeat(257) }))).toEqual(
      invalid(
        `1 validation error detected: Value '${'n'.repeat(257)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 256`,
      ),
    );
    expect((await grant({ Name: `a:b/c_d-${'n'.repeat(248)}` })).GrantId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a KeyId longer than the model allows by its length', async () => {
    const long = `alias/${'k'.repeat(2043)}`;
    expect(await failureOf(kms.send(new DescribeKeyCommand({ KeyId: long })))).toEqual(
      invalid(
        `1 validation error detected: Value '${long.slice(0, 1024)}...' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048`,
      ),
    );
    expect(await failureOf(kms.send(new ListGrantsCommand({ KeyId: long })))).toMatchObject({
      code: 'ValidationException',
    });
  });

  it('answers a listing marker it never gave with InvalidMarkerException', async () => {
    for (const Marker of ['x', 'AA']) {
      expect(await failureOf(kms.send(new ListAliasesCommand({ Marker })))).toEqual({
        code: 'InvalidMarkerException',
        status: 400,
        message: 'The marker is not valid.',
      });
    }
    await grant({});
    await grant({ Operations: ['Decrypt'] });
    const first = await kms.send(new ListGrantsCommand({ KeyId, Limit: 1 }));
    expect(first).toMatchObject({ Truncated: true, NextMarker: expect.any(String) });
    const next = await kms.send(new ListGrantsCommand({ KeyId, Limit: 1, Marker: first.NextMarker }));
    expect(next.Grants?.[0]?.GrantId).not.toBe(first.Grants?.[0]?.GrantId);
  });

  it('names the algorithm and key spec when a MAC algorithm does not fit the key', async () => {
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    );
    const Message = Buffer.from('row 42');
    const refused = (message: string) => ({ code: 'InvalidKeyUsageException', status: 400, message });
    expect(
      await failureOf(
        kms.send(
          new GenerateMacCommand({ KeyId: KeyMetadata?.KeyId, Message, MacAlgorithm: 'HMAC_SHA_512' }),
        ),
      ),
    ).toEqual(refused('Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.'));
    expect(
      await failureOf(
        kms.send(
          new VerifyMacCommand({
            KeyId: KeyMetadata?.KeyId,
            Message,
            Mac: Buffer.alloc(32),
            MacAlgorithm: 'HMAC_SHA_384',
          }),
        ),
      ),
    ).toEqual(refused('Algorithm HMAC_SHA_384 is incompatible with key spec HMAC_256.'));
  });

  it('asks for a KeyUsage for an HMAC key, which has no default', async () => {
    expect(await failureOf(kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256' })))).toEqual(
      invalid('You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.'),
    );
  });

  it('words the on-demand rotation limit as KMS does', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const rotate = () => kms.send(new RotateKeyOnDemandCommand({ KeyId: KeyMetadata?.KeyId }));
    for (let i = 0; i < 25; i++) await rotate();
    expect(await failureOf(rotate())).toEqual({
      code: 'LimitExceededException',
      status: 400,
      message: `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${KeyMetadata?.Arn}`,
    });
  });
});
