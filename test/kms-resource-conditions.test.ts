import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from './helpers/failure.js';
import { type PolicyUser, policyUser } from './helpers/iam-user.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * The condition keys that describe the KMS key a request acts on (aws:ResourceTag/…, kms:KeySpec, kms:KeyUsage,
 * kms:KeyOrigin, kms:MultiRegion, kms:ResourceAliases) and those of a CreateKey request, as the Service
 * Authorization Reference lists them for each KMS action, in IAM policies and key policies, Allow and Deny.
 */
describe('KMS condition keys of the key a request acts on', () => {
  let t: TestSeawall;
  let kms: KMSClient;
  let account: string;
  let region: string;
  const users: PolicyUser[] = [];
  const clients: KMSClient[] = [];
  beforeAll(async () => {
    t = await startTestSeawall();
    kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    account = t.seawall.accountId;
    region = t.credentials.region;
  });
  afterAll(async () => {
    for (const client of [...clients, kms]) client?.destroy();
    for (const user of users) user.close();
    await t?.close();
  });

  const denied = { code: 'AccessDeniedException', status: 400 };
  const keyArn = (id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;
  const newKey = async (input: CreateKeyCommandInput = {}) =>
    (await kms.send(new CreateKeyCommand(input))).KeyMetadata?.KeyId ?? '';
  /** A user with these IAM policy statements, and a KMS client signing as it. */
  const userClient = async (name: string, statements?: readonly object[]) => {
    const user = await policyUser(t, name, statements);
    users.push(user);
    const client = new KMSClient({ endpoint: t.url, region, credentials: user.credentials });
    clients.push(client);
    return { user, client };
  };
  /** A key policy: the account decides through IAM, and these statements besides. */
  const keyPolicy = (statements: readonly object[]) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        ...statements,
      ],
    });
  const dataKey = (client: KMSClient, KeyId: string) =>
    client.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' }));

  it('allows a data key by kms:ResourceAliases for an aliased key only, and never for listings', async () => {
    const aliased = await newKey();
    const other = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/lake-key', TargetKeyId: aliased }));
    const onAlias = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/lake-key' } };
    const { client } = await userClient('lake-writer', [
      { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: '*', Condition: onAlias },
      { Effect: 'Allow', Action: ['kms:ListKeys', 'kms:ListAliases'], Resource: '*', Condition: onAlias },
    ]);
    expect((await dataKey(client, aliased)).KeyId).toBe(keyArn(aliased));
    expect((await dataKey(client, 'alias/lake-key')).KeyId).toBe(keyArn(aliased));
    expect(await failure(dataKey(client, other))).toEqual(denied);
    // ListKeys and ListAliases act on no key: a condition on the key's properties never holds for them.
    expect(await failure(client.send(new ListKeysCommand({})))).toEqual(denied);
    expect(await failure(client.send(new ListAliasesCommand({})))).toEqual(denied);
  });

  it('enforces a Deny on aws:ResourceTag, kms:KeyUsage and kms:ResourceAliases', async () => {
    const restricted = await newKey({ Tags: [{ TagKey: 'classification', TagValue: 'restricted' }] });
    const open = await newKey({ Tags: [{ TagKey: 'classification', TagValue: 'open' }] });
    const mac = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const secret = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/secret-payroll', TargetKeyId: secret }));
    const { client } = await userClient('analyst', [
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: ['kms:Encrypt', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/classification': 'restricted' } },
      },
      {
        Effect: 'Deny',
        Action: 'kms:GenerateMac',
        Resource: '*',
        Condition: { StringEquals: { 'kms:KeyUsage': 'GENERATE_VERIFY_MAC', 'kms:KeySpec': 'HMAC_256' } },
      },
      {
        Effect: 'Deny',
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/secret-*' } },
      },
    ]);
    const encrypt = (KeyId: string) =>
      client.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }));
    expect(await failure(encrypt(restricted))).toEqual(denied);
    expect(await failure(client.send(new DescribeKeyCommand({ KeyId: restricted })))).toEqual(denied);
    expect((await encrypt(open)).KeyId).toBe(keyArn(open));
    expect(
      await failure(
        client.send(
          new GenerateMacCommand({ KeyId: mac, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' }),
        ),
      ),
    ).toEqual(denied);
    expect(await failure(client.send(new DescribeKeyCommand({ KeyId: secret })))).toEqual(denied);
    expect((await client.send(new DescribeKeyCommand({ KeyId: open }))).KeyMetadata?.KeyId).toBe(open);
    // A tag changed is seen by the next request.
    await kms.send(
      new TagResourceCommand({ KeyId: open, Tags: [{ TagKey: 'classification', TagValue: 'restricted' }] }),
    );
    expect(await failure(encrypt(open))).toEqual(denied);
  });

  it('enforces a Deny on kms:KeyOrigin and kms:MultiRegion of the key', async () => {
    const key = await newKey();
    const { client } = await userClient('origin-checked', [
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:KeyOrigin': 'AWS_KMS' } },
      },
      {
        Effect: 'Deny',
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { Bool: { 'kms:MultiRegion': 'false' } },
      },
    ]);
    expect(
      await failure(client.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }))),
    ).toEqual(denied);
    expect(await failure(client.send(new DescribeKeyCommand({ KeyId: key })))).toEqual(denied);
  });

  it("allows through a key policy's conditions on the key's tags and spec", async () => {
    const { user, client } = await userClient('tag-user');
    const key = await newKey({
      Tags: [{ TagKey: 'team', TagValue: 'lake' }],
      Policy: keyPolicy([
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:user/tag-user` },
          Action: 'kms:Encrypt',
          Resource: '*',
          Condition: {
            StringEquals: {
              'aws:ResourceTag/team': 'lake',
              'kms:KeySpec': 'SYMMETRIC_DEFAULT',
              'kms:KeyUsage': 'ENCRYPT_DECRYPT',
            },
          },
        },
        {
          Effect: 'Deny',
          Principal: { AWS: user.arn },
          Action: 'kms:Encrypt',
          Resource: '*',
          Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/frozen' } },
        },
      ]),
    });
    const encrypt = () => client.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));
    expect((await encrypt()).KeyId).toBe(keyArn(key));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/frozen', TargetKeyId: key }));
    expect(await failure(encrypt())).toEqual(denied);
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/frozen', TargetKeyId: await newKey() }));
    expect((await encrypt()).KeyId).toBe(keyArn(key));
    await kms.send(new UntagResourceCommand({ KeyId: key, TagKeys: ['team'] }));
    expect(await failure(encrypt())).toEqual(denied);
  });

  it('applies a Deny on the key a grant is for', async () => {
    const { user, client } = await userClient('grantee', [
      {
        Effect: 'Deny',
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/classification': 'restricted' } },
      },
    ]);
    const restricted = await newKey({ Tags: [{ TagKey: 'classification', TagValue: 'restricted' }] });
    const open = await newKey();
    for (const KeyId of [restricted, open])
      await kms.send(
        new CreateGrantCommand({ KeyId, GranteePrincipal: user.arn, Operations: ['GenerateDataKey'] }),
      );
    expect((await dataKey(client, open)).KeyId).toBe(keyArn(open));
    expect(await failure(dataKey(client, restricted))).toEqual(denied);
  });

  it("weighs each key of an alias change by that key's own tags", async () => {
    const lakeA = await newKey({ Tags: [{ TagKey: 'team', TagValue: 'lake' }] });
    const lakeB = await newKey({ Tags: [{ TagKey: 'team', TagValue: 'lake' }] });
    const other = await newKey({ Tags: [{ TagKey: 'team', TagValue: 'parks' }] });
    const { client } = await userClient('alias-admin', [
      {
        Effect: 'Allow',
        Action: ['kms:CreateAlias', 'kms:UpdateAlias'],
        Resource: `arn:aws:kms:${region}:${account}:alias/lake-*`,
      },
      {
        Effect: 'Allow',
        Action: ['kms:CreateAlias', 'kms:UpdateAlias'],
        Resource: `arn:aws:kms:${region}:${account}:key/*`,
        Condition: { StringEquals: { 'aws:ResourceTag/team': 'lake' } },
      },
    ]);
    await client.send(new CreateAliasCommand({ AliasName: 'alias/lake-current', TargetKeyId: lakeA }));
    expect(
      await failure(
        client.send(new CreateAliasCommand({ AliasName: 'alias/lake-parks', TargetKeyId: other })),
      ),
    ).toEqual(denied);
    await client.send(new UpdateAliasCommand({ AliasName: 'alias/lake-current', TargetKeyId: lakeB }));
    expect(
      await failure(
        client.send(new UpdateAliasCommand({ AliasName: 'alias/lake-current', TargetKeyId: other })),
      ),
    ).toEqual(denied);
    // Away from a key of another team too: both the alias's key now and its new one are weighed.
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/lake-current', TargetKeyId: other }));
    expect(
      await failure(
        client.send(new UpdateAliasCommand({ AliasName: 'alias/lake-current', TargetKeyId: lakeA })),
      ),
    ).toEqual(denied);
  });

  it("weighs ReEncrypt's destination key by its own properties", async () => {
    const source = await newKey();
    const restricted = await newKey({ Tags: [{ TagKey: 'classification', TagValue: 'restricted' }] });
    const { client } = await userClient('re-encrypter', [
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'kms:ReEncryptTo',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/classification': 'restricted' } },
      },
    ]);
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: source, Plaintext: Buffer.from('x') }),
    );
    const reEncrypt = (DestinationKeyId: string) =>
      client.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId }));
    expect((await reEncrypt(source)).KeyId).toBe(keyArn(source));
    expect(await failure(reEncrypt(restricted))).toEqual(denied);
  });

  it("allows CreateKey by the request's key spec, usage, origin and Region setting, defaults included", async () => {
    const { client } = await userClient('key-maker', [
      {
        Effect: 'Allow',
        Action: 'kms:CreateKey',
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:KeySpec': 'SYMMETRIC_DEFAULT',
            'kms:KeyOrigin': 'AWS_KMS',
            'kms:KeyUsage': 'ENCRYPT_DECRYPT',
          },
          Bool: { 'kms:MultiRegion': 'false' },
        },
      },
    ]);
    expect((await client.send(new CreateKeyCommand({}))).KeyMetadata?.KeySpec).toBe('SYMMETRIC_DEFAULT');
    expect(
      (await client.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT', Origin: 'AWS_KMS' })))
        .KeyMetadata?.Origin,
    ).toBe('AWS_KMS');
    expect(
      await failure(
        client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })),
      ),
    ).toEqual(denied);
    // Denied before the request is looked at further: what Seawall does not make is refused only if allowed.
    expect(await failure(client.send(new CreateKeyCommand({ Origin: 'EXTERNAL' })))).toEqual(denied);
    expect(await failure(client.send(new CreateKeyCommand({ MultiRegion: true })))).toEqual(denied);
  });

  it("enforces a Deny on CreateKey's and TagResource's request tags and lockout bypass", async () => {
    const { client } = await userClient('tagger', [
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: ['kms:CreateKey', 'kms:TagResource'],
        Resource: '*',
        Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'owner' } },
      },
      {
        Effect: 'Deny',
        Action: ['kms:CreateKey', 'kms:TagResource'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestTag/classification': 'public' } },
      },
      {
        Effect: 'Deny',
        Action: ['kms:CreateKey', 'kms:PutKeyPolicy'],
        Resource: '*',
        Condition: { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' } },
      },
    ]);
    const tag = (TagKey: string, TagValue: string) => [{ TagKey, TagValue }];
    expect(await failure(client.send(new CreateKeyCommand({ Tags: tag('owner', 'me') })))).toEqual(denied);
    expect(
      await failure(client.send(new CreateKeyCommand({ Tags: tag('classification', 'public') }))),
    ).toEqual(denied);
    const key = (await client.send(new CreateKeyCommand({ Tags: tag('classification', 'internal') })))
      .KeyMetadata?.KeyId as string;
    expect(
      await failure(client.send(new TagResourceCommand({ KeyId: key, Tags: tag('owner', 'me') }))),
    ).toEqual(denied);
    await client.send(new TagResourceCommand({ KeyId: key, Tags: tag('team', 'lake') }));
    expect(
      await failure(client.send(new CreateKeyCommand({ BypassPolicyLockoutSafetyCheck: true }))),
    ).toEqual(denied);
    expect(
      await failure(
        client.send(
          new PutKeyPolicyCommand({
            KeyId: key,
            Policy: keyPolicy([]),
            BypassPolicyLockoutSafetyCheck: true,
          }),
        ),
      ),
    ).toEqual(denied);
    await client.send(new PutKeyPolicyCommand({ KeyId: key, Policy: keyPolicy([]) }));
  });
});
