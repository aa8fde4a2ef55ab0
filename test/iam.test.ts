import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  UpdateAccessKeyCommand,
  UpdateLoginProfileCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let iam: IAMClient;

function clientConfig(credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  return {
    endpoint: t.url,
    region: t.credentials.region,
    credentials: credentials ?? {
      accessKeyId: t.credentials.accessKeyId,
      secretAccessKey: t.credentials.secretAccessKey,
    },
  };
}

beforeAll(async () => {
  t = await startTestSeawall();
  iam = new IAMClient(clientConfig());
});
afterAll(async () => {
  iam.destroy();
  await t.close();
});

/** The error a client call fails with: its wire code and message. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    // The SDK names the exception class (NoSuchEntityException); `Code` is the code IAM put on the wire.
    const { Code, name, message } = error as Error & { Code?: string };
    return { name: Code ?? name, message };
  }
  throw new Error('expected a failure');
}

describe('IAM users', () => {
  it('creates, reads, lists, renames and deletes a user', async () => {
    const created = await iam.send(
      new CreateUserCommand({
        UserName: 'alice',
        Path: '/analysts/',
        Tags: [{ Key: 'team', Value: 'data' }],
      }),
    );
    expect(created.User?.UserName).toBe('alice');
    expect(created.User?.Arn).toBe(`arn:aws:iam::${t.seawall.accountId}:user/analysts/alice`);
    expect(created.User?.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(created.User?.CreateDate).toBeInstanceOf(Date);

    const got = await iam.send(new GetUserCommand({ UserName: 'ALICE' }));
    expect(got.User?.UserId).toBe(created.User?.UserId);
    expect(got.User?.Tags).toEqual([{ Key: 'team', Value: 'data' }]);

    const listed = await iam.send(new ListUsersCommand({ PathPrefix: '/analysts/' }));
    expect(listed.Users?.map((u) => u.UserName)).toEqual(['alice']);
    expect(listed.IsTruncated).toBe(false);

    await iam.send(new UpdateUserCommand({ UserName: 'alice', NewUserName: 'alice2', NewPath: '/' }));
    const renamed = await iam.send(new GetUserCommand({ UserName: 'alice2' }));
    expect(renamed.User?.Arn).toBe(`arn:aws:iam::${t.seawall.accountId}:user/alice2`);
    expect(renamed.User?.UserId).toBe(created.User?.UserId);

    await iam.send(new DeleteUserCommand({ UserName: 'alice2' }));
    const gone = await failure(iam.send(new GetUserCommand({ UserName: 'alice2' })));
    expect(gone).toEqual({ name: 'NoSuchEntity', message: 'The user with name alice2 cannot be found.' });
  });

  it('refuses duplicates, bad names and missing members as IAM does', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    expect((await failure(iam.send(new CreateUserCommand({ UserName: 'BOB' })))).name).toBe(
      'EntityAlreadyExists',
    );
    const bad = await failure(iam.send(new CreateUserCommand({ UserName: 'bad name' })));
    expect(bad.name).toBe('ValidationError');
    expect(bad.message).toContain("at 'userName' failed to satisfy constraint");
    const long = await failure(iam.send(new CreateUserCommand({ UserName: 'x'.repeat(65) })));
    expect(long.name).toBe('ValidationError');
    const path = await failure(iam.send(new CreateUserCommand({ UserName: 'p', Path: 'nopath' })));
    expect(path.name).toBe('ValidationError');
  });

  it('gets the root user when no name is given', async () => {
    const root = await iam.send(new GetUserCommand({}));
    expect(root.User?.Arn).toBe(`arn:aws:iam::${t.seawall.accountId}:root`);
    expect(root.User?.UserId).toBe(t.seawall.accountId);
  });
});

describe('IAM access keys', () => {
  it('gives a user at most two keys that authenticate as the user', async () => {
    const user = await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const first = await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }));
    expect(first.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(first.AccessKey?.SecretAccessKey).toHaveLength(40);
    expect(first.AccessKey?.Status).toBe('Active');
    await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }));
    const third = await failure(iam.send(new CreateAccessKeyCommand({ UserName: 'carol' })));
    expect(third).toEqual({ name: 'LimitExceeded', message: 'Cannot exceed quota for AccessKeysPerUser: 2' });

    const keys = await iam.send(new ListAccessKeysCommand({ UserName: 'carol' }));
    expect(keys.AccessKeyMetadata).toHaveLength(2);
    expect(JSON.stringify(keys)).not.toContain(first.AccessKey?.SecretAccessKey);

    const sts = new STSClient(
      clientConfig({
        accessKeyId: first.AccessKey?.AccessKeyId ?? '',
        secretAccessKey: first.AccessKey?.SecretAccessKey ?? '',
      }),
    );
    try {
      const me = await sts.send(new GetCallerIdentityCommand({}));
      expect(me).toMatchObject({
        Arn: user.User?.Arn,
        UserId: user.User?.UserId,
        Account: t.seawall.accountId,
      });
      const lastUsed = await iam.send(
        new GetAccessKeyLastUsedCommand({ AccessKeyId: first.AccessKey?.AccessKeyId }),
      );
      expect(lastUsed.UserName).toBe('carol');

      await iam.send(
        new UpdateAccessKeyCommand({
          UserName: 'carol',
          AccessKeyId: first.AccessKey?.AccessKeyId,
          Status: 'Inactive',
        }),
      );
      expect((await failure(sts.send(new GetCallerIdentityCommand({})))).name).toBe('InvalidClientTokenId');
    } finally {
      sts.destroy();
    }

    const conflict = await failure(iam.send(new DeleteUserCommand({ UserName: 'carol' })));
    expect(conflict).toEqual({
      name: 'DeleteConflict',
      message: 'Cannot delete entity, must delete access keys first.',
    });
    for (const key of keys.AccessKeyMetadata ?? [])
      await iam.send(new DeleteAccessKeyCommand({ UserName: 'carol', AccessKeyId: key.AccessKeyId }));
    const missing = await failure(
      iam.send(new DeleteAccessKeyCommand({ UserName: 'carol', AccessKeyId: first.AccessKey?.AccessKeyId })),
    );
    expect(missing.name).toBe('NoSuchEntity');
    await iam.send(new DeleteUserCommand({ UserName: 'carol' }));
  });
});

describe('IAM login profiles', () => {
  it('keeps a hashed password and never returns it', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'dave' }));
    const weak = await failure(
      iam.send(new CreateLoginProfileCommand({ UserName: 'dave', Password: 'short' })),
    );
    expect(weak.name).toBe('PasswordPolicyViolation');
    const control = await failure(
      iam.send(new CreateLoginProfileCommand({ UserName: 'dave', Password: 'Secret-\u0001-Pass9' })),
    );
    expect(control.name).toBe('ValidationError');
    expect(control.message).not.toContain('Secret');
    const created = await iam.send(
      new CreateLoginProfileCommand({
        UserName: 'dave',
        Password: 'Correct-Horse-9',
        PasswordResetRequired: true,
      }),
    );
    expect(created.LoginProfile).toMatchObject({ UserName: 'dave', PasswordResetRequired: true });
    expect(JSON.stringify(created)).not.toContain('Correct-Horse-9');
    await iam.send(new UpdateLoginProfileCommand({ UserName: 'dave', PasswordResetRequired: false }));
    const got = await iam.send(new GetLoginProfileCommand({ UserName: 'dave' }));
    expect(got.LoginProfile?.PasswordResetRequired).toBe(false);
    const conflict = await failure(iam.send(new DeleteUserCommand({ UserName: 'dave' })));
    expect(conflict.message).toBe('Cannot delete entity, must delete login profile first.');
    await iam.send(new DeleteLoginProfileCommand({ UserName: 'dave' }));
    const gone = await failure(iam.send(new GetLoginProfileCommand({ UserName: 'dave' })));
    expect(gone).toEqual({ name: 'NoSuchEntity', message: 'Login Profile for User dave cannot be found.' });
    await iam.send(new DeleteUserCommand({ UserName: 'dave' }));
  });
});
