import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  IAMClient,
  ListGroupsCommand,
  ListRolesCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryRaw } from '../src/lib/aws-query.js';
import type { AnyOperation, OperationRequest } from '../src/lib/operation.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let account: string;
let iam: IAMClient;
const clients: { destroy(): void }[] = [];

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

function iamAs(credentials: Credentials): IAMClient {
  const client = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials });
  clients.push(client);
  return client;
}

function stsAs(credentials: Credentials): STSClient {
  const client = new STSClient({ endpoint: t.url, region: t.credentials.region, credentials });
  clients.push(client);
  return client;
}

function fromSession(out: {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };
}): Credentials {
  return {
    accessKeyId: out.Credentials?.AccessKeyId ?? '',
    secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
    sessionToken: out.Credentials?.SessionToken ?? '',
  };
}

/** A role the whole account may assume, with a policy that allows everything. */
async function openRole(name: string): Promise<string> {
  const trust = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
    ],
  };
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }),
  );
  await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ADMIN }));
  return Role?.Arn ?? '';
}

beforeAll(async () => {
  t = await startTestSeawall();
  account = t.seawall.accountId;
  iam = iamAs(t.credentials);
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
  throw new Error('expected the request to fail');
}

/** A user with one inline policy and an access key. */
async function userWith(name: string, statements: unknown[]): Promise<Credentials> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: 'p',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey?.AccessKeyId ?? '', secretAccessKey: AccessKey?.SecretAccessKey ?? '' };
}

/** Decodes a request for a registered IAM operation as the root would send it, and returns its keys. */
async function conditionsOf(op: AnyOperation, params: Record<string, string>) {
  const req = {
    principal: {
      accountId: account,
      arn: `arn:aws:iam::${account}:root`,
      accessKeyId: t.credentials.accessKeyId,
      type: 'Root',
      userId: account,
    },
    facts: { sourceIp: '127.0.0.1', secureTransport: false, time: new Date(), userAgent: 'test' },
  } as unknown as OperationRequest;
  const raw: QueryRaw = { params: new Map(Object.entries(params)) };
  const input = await op.decode(raw, req);
  await op.resources(input, req);
  return op.conditions?.(input, req) ?? {};
}

describe('IAM condition keys', () => {
  it('denies attaching AdministratorAccess under a Deny on iam:PolicyARN', async () => {
    const eve = iamAs(
      await userWith('eve', [
        {
          Effect: 'Allow',
          Action: 'iam:AttachUserPolicy',
          Resource: `arn:aws:iam::${account}:user/\${aws:username}`,
        },
        {
          Effect: 'Deny',
          Action: 'iam:AttachUserPolicy',
          Resource: '*',
          Condition: { ArnEquals: { 'iam:PolicyARN': ADMIN } },
        },
      ]),
    );
    const denied = await failure(
      eve.send(new AttachUserPolicyCommand({ UserName: 'eve', PolicyArn: ADMIN })),
    );
    expect(denied.name).toBe('AccessDenied');
    await eve.send(new AttachUserPolicyCommand({ UserName: 'eve', PolicyArn: READ_ONLY }));
  });

  it('supplies aws:ResourceTag, aws:RequestTag, aws:TagKeys and iam:PermissionsBoundary', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'boss', Tags: [{ Key: 'team', Value: 'admins' }] }));
    const mallory = iamAs(
      await userWith('mallory', [
        { Effect: 'Allow', Action: ['iam:TagUser', 'iam:CreateRole', 'iam:TagRole'], Resource: '*' },
        {
          Effect: 'Deny',
          Action: 'iam:TagUser',
          Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/team': 'admins' } },
        },
        {
          Effect: 'Deny',
          Action: ['iam:CreateRole', 'iam:TagRole'],
          Resource: '*',
          Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'privileged' } },
        },
        {
          Effect: 'Deny',
          Action: 'iam:CreateRole',
          Resource: '*',
          Condition: { StringNotEquals: { 'iam:PermissionsBoundary': READ_ONLY } },
        },
      ]),
    );
    const tag = [{ Key: 'note', Value: 'x' }];
    expect((await failure(mallory.send(new TagUserCommand({ UserName: 'boss', Tags: tag })))).name).toBe(
      'AccessDenied',
    );
    await mallory.send(new TagUserCommand({ UserName: 'mallory', Tags: tag }));
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' }],
    });
    const role = (name: string, extra: object) =>
      mallory.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust, ...extra }));
    expect((await failure(role('unbounded', {}))).name).toBe('AccessDenied');
    expect(
      (
        await failure(
          role('tagged', { PermissionsBoundary: READ_ONLY, Tags: [{ Key: 'privileged', Value: 'y' }] }),
        )
      ).name,
    ).toBe('AccessDenied');
    await role('bounded', { PermissionsBoundary: READ_ONLY });
    const tagRole = (Key: string) =>
      mallory.send(new TagRoleCommand({ RoleName: 'bounded', Tags: [{ Key, Value: 'y' }] }));
    expect((await failure(tagRole('privileged'))).name).toBe('AccessDenied');
    await tagRole('plain');
  });

  it('declares iam:PolicyARN on Attach/Detach*Policy and iam:PermissionsBoundary on CreateUser', async () => {
    const ops = t.seawall.operations.filter((op) => op.service === 'iam');
    const attachments = ops.filter((op) => /^(Attach|Detach)(User|Group|Role)Policy$/.test(op.name));
    expect(attachments).toHaveLength(6);
    for (const op of attachments) {
      const kind = /(User|Group|Role)/.exec(op.name)?.[1] ?? '';
      const keys = await conditionsOf(op, { [`${kind}Name`]: 'nobody', PolicyArn: ADMIN });
      expect(keys['iam:PolicyARN'], op.name).toBe(ADMIN);
    }
    const createUser = ops.find((op) => op.name === 'CreateUser');
    if (!createUser) throw new Error('CreateUser is not registered');
    const keys = await conditionsOf(createUser, { UserName: 'someone', PermissionsBoundary: READ_ONLY });
    expect(keys['iam:PermissionsBoundary']).toBe(READ_ONLY);
  });
});

describe('listings', () => {
  it('authorizes ListUsers, ListGroups and ListRoles on the ARN of the path prefix, as IAM does', async () => {
    const lister = iamAs(
      await userWith('lister', [
        {
          Effect: 'Allow',
          Action: ['iam:ListUsers', 'iam:ListRoles', 'iam:ListGroups'],
          Resource: ['arn:aws:iam::*:user/*', 'arn:aws:iam::*:role/team/*'],
        },
      ]),
    );
    const users = await lister.send(new ListUsersCommand({}));
    expect(users.Users?.map((u) => u.UserName)).toContain('lister');
    await lister.send(new ListRolesCommand({ PathPrefix: '/team/' }));
    const denied = await failure(lister.send(new ListRolesCommand({})));
    expect(denied.message).toBe(
      `User: arn:aws:iam::${account}:user/lister is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::${account}:role/ because no identity-based policy allows the iam:ListRoles action`,
    );
    expect((await failure(lister.send(new ListGroupsCommand({})))).message).toMatch(
      `on resource: arn:aws:iam::${account}:group/ `,
    );
  });
});

describe('GetSessionToken sessions', () => {
  it('cannot mint another session, call IAM without MFA, but may assume roles and ask who they are', async () => {
    const keys = await userWith('grace', [{ Effect: 'Allow', Action: ['iam:*', 'sts:*'], Resource: '*' }]);
    const roleArn = await openRole('grace-target');
    const session = fromSession(await stsAs(keys).send(new GetSessionTokenCommand({ DurationSeconds: 900 })));
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'grace', AccessKeyId: keys.accessKeyId }));

    const again = await failure(stsAs(session).send(new GetSessionTokenCommand({ DurationSeconds: 900 })));
    expect(again).toEqual({
      name: 'AccessDenied',
      message: 'Cannot call GetSessionToken with session credentials',
    });
    const rootSession = fromSession(await stsAs(t.credentials).send(new GetSessionTokenCommand({})));
    expect((await failure(stsAs(rootSession).send(new GetSessionTokenCommand({})))).name).toBe(
      'AccessDenied',
    );

    const listed = await failure(iamAs(session).send(new ListUsersCommand({})));
    expect(listed.name).toBe('InvalidClientTokenId');
    expect((await failure(iamAs(rootSession).send(new ListUsersCommand({})))).name).toBe(
      'InvalidClientTokenId',
    );

    const me = await stsAs(session).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:iam::${account}:user/grace`);
    const assumed = await stsAs(session).send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'grace' }),
    );
    // A role's session is no user session: IAM serves it.
    await iamAs(fromSession(assumed)).send(new ListUsersCommand({}));
  });
});

/** A role whose trust lets anyone in the account assume it (and set a source identity), under `condition`. */
async function trustingRole(name: string, condition?: object): Promise<string> {
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  };
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: 'chain',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: '*' }],
      }),
    }),
  );
  return Role?.Arn ?? '';
}

describe('AssumeRole', () => {
  it("evaluates the caller's policies with the request's global keys", async () => {
    const roleArn = await trustingRole('ip-guarded');
    const keys = await userWith('ivan', [
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
      },
    ]);
    const denied = await failure(
      stsAs(keys).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ivan' })),
    );
    expect(denied.name).toBe('AccessDenied');
    const open = await userWith('judy', [
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'true' } },
      },
    ]);
    await stsAs(open).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'judy' }));
  });

  it('keeps the source identity through role chaining and refuses another', async () => {
    const first = await trustingRole('chain-first');
    const second = await trustingRole('chain-second', {
      StringEquals: { 'sts:SourceIdentity': 'alice' },
    });
    const keys = await userWith('alice', [
      { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: '*' },
    ]);
    const a = fromSession(
      await stsAs(keys).send(
        new AssumeRoleCommand({ RoleArn: first, RoleSessionName: 'alice', SourceIdentity: 'alice' }),
      ),
    );
    const chained = await stsAs(a).send(new AssumeRoleCommand({ RoleArn: second, RoleSessionName: 'again' }));
    expect(chained.SourceIdentity).toBe('alice');
    const twice = await stsAs(fromSession(chained)).send(
      new AssumeRoleCommand({ RoleArn: first, RoleSessionName: 'twice' }),
    );
    expect(twice.SourceIdentity).toBe('alice');
    const changed = await failure(
      stsAs(a).send(
        new AssumeRoleCommand({ RoleArn: first, RoleSessionName: 'x2', SourceIdentity: 'mallory' }),
      ),
    );
    expect(changed.name).toBe('AccessDenied');
  });
});

describe('policy simulation', () => {
  const allowAll = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  });
  const names = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i));

  it('refuses more evaluations than the cap and evaluates only the page asked for', async () => {
    const huge = await failure(
      iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [allowAll],
          ActionNames: names(990, (i) => `s3:Action${i}`),
          ResourceArns: names(990, (i) => `arn:aws:s3:::b/${i}`),
        }),
      ),
    );
    expect(huge.name).toBe('InvalidInput');

    const ask = (Marker?: string) =>
      iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [allowAll],
          ActionNames: names(40, (i) => `s3:Action${i}`),
          ResourceArns: names(25, (i) => `arn:aws:s3:::b/${i}`),
          MaxItems: 30,
          ...(Marker ? { Marker } : {}),
        }),
      );
    const first = await ask();
    expect(first.EvaluationResults).toHaveLength(30);
    expect(first.IsTruncated).toBe(true);
    const second = await ask(first.Marker);
    expect(second.EvaluationResults?.[0]).toMatchObject({
      EvalActionName: 's3:Action1',
      EvalResourceName: 'arn:aws:s3:::b/5',
      EvalDecision: 'allowed',
    });
  });

  it("finds SimulatePrincipalPolicy's principal by its path as well as its name", async () => {
    await iam.send(new CreateUserCommand({ UserName: 'hidden-admin', Path: '/admins/' }));
    const simulate = (PolicySourceArn: string) =>
      iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn, ActionNames: ['s3:GetObject'] }));
    const wrongPath = await failure(simulate(`arn:aws:iam::${account}:user/public/hidden-admin`));
    expect(wrongPath.name).toBe('NoSuchEntity');
    const right = await simulate(`arn:aws:iam::${account}:user/admins/hidden-admin`);
    expect(right.EvaluationResults?.[0]?.EvalDecision).toBe('implicitDeny');
  });
});
