import { execFile } from 'node:child_process';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH } from './helpers/aws-cli.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/** The server's clock runs `offset` ms ahead of the real one, so tests can move past a session's expiry. */
let offset = 0;
let t: TestSeawall;
let account: string;
let iam: IAMClient;
const clients: { destroy(): void }[] = [];

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function config(credentials: Credentials) {
  // The SDK's clock is moved as the server's is, so requests stay within the signature's time window.
  return { endpoint: t.url, region: t.credentials.region, credentials, systemClockOffset: offset };
}
function sts(credentials: Credentials): STSClient {
  const client = new STSClient(config(credentials));
  clients.push(client);
  return client;
}

const root = () => ({
  accessKeyId: t.credentials.accessKeyId,
  secretAccessKey: t.credentials.secretAccessKey,
});

beforeAll(async () => {
  t = await startTestSeawall({ clock: { now: () => new Date(Date.now() + offset) } });
  account = t.seawall.accountId;
  iam = new IAMClient(config(root()));
  clients.push(iam);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await t.close();
});

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { Code, name, message } = error as Error & { Code?: string };
    return { name: Code ?? name, message };
  }
  throw new Error('expected a failure');
}

const trust = (principal: string, condition?: Record<string, unknown>) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });

/** A user with a key; `allowAssume` gives it an identity policy allowing sts:AssumeRole on every role. */
async function userWithKey(name: string, allowAssume: boolean): Promise<Credentials & { arn: string }> {
  const user = await iam.send(new CreateUserCommand({ UserName: name }));
  if (allowAssume)
    await iam.send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: 'assume',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
              Resource: '*',
            },
          ],
        }),
      }),
    );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return {
    accessKeyId: key.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
    arn: user.User?.Arn ?? '',
  };
}

function sessionCredentials(result: {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };
}): Credentials {
  return {
    accessKeyId: result.Credentials?.AccessKeyId ?? '',
    secretAccessKey: result.Credentials?.SecretAccessKey ?? '',
    sessionToken: result.Credentials?.SessionToken ?? '',
  };
}

describe('GetCallerIdentity', () => {
  it('names the root user', async () => {
    const me = await sts(root()).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: account, Arn: `arn:aws:iam::${account}:root`, UserId: account });
  });
});

describe('AssumeRole', () => {
  let eve: Credentials & { arn: string };
  beforeAll(async () => {
    eve = await userWithKey('eve', true);
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'analyst',
        AssumeRolePolicyDocument: trust(`arn:aws:iam::${account}:root`),
        MaxSessionDuration: 7200,
      }),
    );
  });

  it('gives a user allowed by the trust and its own policy a session that acts as the role', async () => {
    const assumed = await sts(eve).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/analyst`,
        RoleSessionName: 'eve-session',
        DurationSeconds: 900,
        Tags: [{ Key: 'project', Value: 'parking' }],
        TransitiveTagKeys: ['project'],
        SourceIdentity: 'eve',
      }),
    );
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(assumed.Credentials?.SessionToken?.length).toBeGreaterThan(100);
    expect(assumed.Credentials?.Expiration).toBeInstanceOf(Date);
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${account}:assumed-role/analyst/eve-session`);
    expect(assumed.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:eve-session$/);
    expect(assumed.SourceIdentity).toBe('eve');

    const session = sessionCredentials(assumed);
    const me = await sts(session).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({
      Arn: `arn:aws:sts::${account}:assumed-role/analyst/eve-session`,
      UserId: assumed.AssumedRoleUser?.AssumedRoleId,
      Account: account,
    });

    const noToken = await failure(
      sts({ ...session, sessionToken: undefined }).send(new GetCallerIdentityCommand({})),
    );
    expect(noToken.name).toBe('InvalidClientTokenId');
    const wrongToken = await failure(
      sts({ ...session, sessionToken: `${session.sessionToken}x` }).send(new GetCallerIdentityCommand({})),
    );
    expect(wrongToken.name).toBe('InvalidClientTokenId');
    for (const refused of [noToken, wrongToken])
      expect(refused.message).toBe('The security token included in the request is invalid.');
    const s3 = new S3Client({ ...config({ ...session, sessionToken: 'wrong' }), forcePathStyle: true });
    clients.push(s3);
    expect((await failure(s3.send(new ListBucketsCommand({})))).name).toBe('InvalidToken');

    const chained = await failure(sts(session).send(new GetSessionTokenCommand({})));
    expect(chained.name).toBe('AccessDenied');
    const tooLong = await failure(
      sts(session).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${account}:role/analyst`,
          RoleSessionName: 'chain',
          DurationSeconds: 7200,
        }),
      ),
    );
    expect(tooLong.name).toBe('ValidationError');
  });

  it('refuses root, unknown roles, untrusted callers and bad inputs', async () => {
    const rootTry = await failure(
      sts(root()).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/analyst`, RoleSessionName: 'root' }),
      ),
    );
    expect(rootTry).toEqual({ name: 'AccessDenied', message: 'Roles may not be assumed by root accounts.' });
    const unknown = await failure(
      sts(eve).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/none`, RoleSessionName: 'x1' }),
      ),
    );
    expect(unknown.name).toBe('AccessDenied');
    expect(unknown.message).toBe(
      `User: ${eve.arn} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${account}:role/none`,
    );
    const badName = await failure(
      sts(eve).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${account}:role/analyst`,
          RoleSessionName: 'bad name',
        }),
      ),
    );
    expect(badName.name).toBe('ValidationError');
    const tooLong = await failure(
      sts(eve).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${account}:role/analyst`,
          RoleSessionName: 'long',
          DurationSeconds: 7201,
        }),
      ),
    );
    expect(tooLong).toEqual({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
    const badPolicy = await failure(
      sts(eve).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${account}:role/analyst`,
          RoleSessionName: 'policy',
          Policy: '{"Statement":',
        }),
      ),
    );
    expect(badPolicy.name).toBe('MalformedPolicyDocument');

    // The trust policy names the account: a user without an identity policy allowing it is refused.
    const plain = await userWithKey('plain', false);
    const denied = await failure(
      sts(plain).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/analyst`, RoleSessionName: 'pp' }),
      ),
    );
    expect(denied.name).toBe('AccessDenied');
  });

  it('lets a trust policy naming the user alone allow it, and checks sts:ExternalId', async () => {
    const direct = await userWithKey('direct', false);
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'partner',
        AssumeRolePolicyDocument: trust(direct.arn, { StringEquals: { 'sts:ExternalId': 'secret-ext-1' } }),
      }),
    );
    const arn = `arn:aws:iam::${account}:role/partner`;
    expect(
      (await failure(sts(direct).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'd1' })))).name,
    ).toBe('AccessDenied');
    expect(
      (
        await failure(
          sts(direct).send(
            new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'd2', ExternalId: 'wrong-ext' }),
          ),
        )
      ).name,
    ).toBe('AccessDenied');
    const ok = await sts(direct).send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'd3', ExternalId: 'secret-ext-1' }),
    );
    expect(ok.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${account}:assumed-role/partner/d3`);
  });

  it('names sts:TagSession in the denial when the trust allows assuming but not tagging', async () => {
    const tagger = await userWithKey('tagger', false);
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'untagged',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: tagger.arn }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const RoleArn = `arn:aws:iam::${account}:role/untagged`;
    const refused = await failure(
      sts(tagger).send(
        new AssumeRoleCommand({ RoleArn, RoleSessionName: 't1', Tags: [{ Key: 'team', Value: 'parks' }] }),
      ),
    );
    expect(refused).toEqual({
      name: 'AccessDenied',
      message: `User: ${tagger.arn} is not authorized to perform: sts:TagSession on resource: ${RoleArn}`,
    });
    await sts(tagger).send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 't2' }));
  });

  it('refuses expired session credentials with ExpiredToken', async () => {
    const assumed = await sts(eve).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/analyst`,
        RoleSessionName: 'short',
        DurationSeconds: 900,
      }),
    );
    const session = sessionCredentials(assumed);
    await sts(session).send(new GetCallerIdentityCommand({}));
    offset = 16 * 60_000;
    try {
      const expired = await failure(sts(session).send(new GetCallerIdentityCommand({})));
      expect(expired.name).toBe('ExpiredToken');
      const s3 = new S3Client({ ...config(session), forcePathStyle: true });
      clients.push(s3);
      const s3Expired = await failure(s3.send(new ListBucketsCommand({})));
      expect(s3Expired).toEqual({ name: 'ExpiredToken', message: 'The provided token has expired.' });
    } finally {
      offset = 0;
    }
  });
});

describe('GetSessionToken', () => {
  it("gives a user session credentials that act as the user, and the root an hour's", async () => {
    const frank = await userWithKey('frank', false);
    const session = await sts(frank).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    expect(session.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const me = await sts(sessionCredentials(session)).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(frank.arn);

    const before = Date.now();
    const rootSession = await sts(root()).send(new GetSessionTokenCommand({ DurationSeconds: 7200 }));
    const lasts = (rootSession.Credentials?.Expiration?.getTime() ?? 0) - before;
    expect(lasts).toBeLessThanOrEqual(3600_000 + 5000);
    const rootMe = await sts(sessionCredentials(rootSession)).send(new GetCallerIdentityCommand({}));
    expect(rootMe.Arn).toBe(`arn:aws:iam::${account}:root`);
    const tooShort = await failure(sts(frank).send(new GetSessionTokenCommand({ DurationSeconds: 60 })));
    expect(tooShort.name).toBe('ValidationError');
  });
});

describe('aws cli', () => {
  /** Runs the aws cli with the given credentials in its environment (no profile). */
  function cli(bin: string, credentials: Credentials, args: string[]) {
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        bin,
        ['--endpoint-url', t.url, '--region', t.credentials.region, '--output', 'json', ...args],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: process.env.HOME ?? '/tmp',
            AWS_ACCESS_KEY_ID: credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
            ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_PAGER: '',
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  for (const bin of [AWS_CLI, AWS_CLI_ON_PATH]) {
    it(`assumes a role and uses the session (${bin})`, async () => {
      const user = await userWithKey(`cli-${bin === AWS_CLI ? 'v2' : 'path'}`, true);
      const assumed = await cli(bin, user, [
        'sts',
        'assume-role',
        '--role-arn',
        `arn:aws:iam::${account}:role/analyst`,
        '--role-session-name',
        'cli',
      ]);
      expect(assumed.stderr).toBe('');
      const credentials = JSON.parse(assumed.stdout).Credentials;
      const me = await cli(
        bin,
        {
          accessKeyId: credentials.AccessKeyId,
          secretAccessKey: credentials.SecretAccessKey,
          sessionToken: credentials.SessionToken,
        },
        ['sts', 'get-caller-identity'],
      );
      expect(JSON.parse(me.stdout).Arn).toBe(`arn:aws:sts::${account}:assumed-role/analyst/cli`);
      const userMe = await cli(bin, user, ['sts', 'get-caller-identity']);
      expect(JSON.parse(userMe.stdout).Arn).toBe(user.arn);
    });
  }
});
