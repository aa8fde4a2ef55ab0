import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteGroupCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserPermissionsBoundaryCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetGroupCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupsForUserCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  SetDefaultPolicyVersionCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  TagPolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let iam: IAMClient;
let account: string;

beforeAll(async () => {
  t = await startTestSeawall();
  account = t.seawall.accountId;
  iam = new IAMClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
  });
});
afterAll(async () => {
  iam.destroy();
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

const S3_READ = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' }],
});
const trust = (principal: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }],
  });

/** An awsQuery request signed with the root key, exactly as given. */
async function query(service: 'iam' | 'sts', body: string) {
  const headers = await signedHeaders(t, {
    method: 'POST',
    path: '/',
    service,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  return rawRequest(t.url, { method: 'POST', path: '/', headers, body });
}

describe('managed policies', () => {
  it('creates a policy, keeps up to five versions and returns documents URL-encoded', async () => {
    const created = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'S3Read',
        Path: '/team/',
        PolicyDocument: S3_READ,
        Description: 'read',
        Tags: [{ Key: 'owner', Value: 'data' }],
      }),
    );
    const arn = `arn:aws:iam::${account}:policy/team/S3Read`;
    expect(created.Policy).toMatchObject({ Arn: arn, DefaultVersionId: 'v1', AttachmentCount: 0 });
    expect(created.Policy?.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);

    const v1 = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    expect(v1.PolicyVersion?.Document).toBe(encodeURIComponent(S3_READ));
    expect(v1.PolicyVersion?.IsDefaultVersion).toBe(true);

    for (let i = 0; i < 4; i++)
      await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: S3_READ }));
    const sixth = await failure(
      iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: S3_READ })),
    );
    expect(sixth.name).toBe('LimitExceeded');
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' }));
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ['v5', false],
      ['v4', false],
      ['v3', true],
      ['v2', false],
      ['v1', false],
    ]);
    expect(
      (await failure(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' })))).name,
    ).toBe('DeleteConflict');
    expect((await failure(iam.send(new DeletePolicyCommand({ PolicyArn: arn })))).name).toBe(
      'DeleteConflict',
    );
    for (const v of ['v1', 'v2', 'v4', 'v5'])
      await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
    await iam.send(new TagPolicyCommand({ PolicyArn: arn, Tags: [{ Key: 'cost', Value: '1' }] }));
    const tags = await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }));
    expect(tags.Tags).toEqual([
      { Key: 'owner', Value: 'data' },
      { Key: 'cost', Value: '1' },
    ]);
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    expect((await failure(iam.send(new GetPolicyCommand({ PolicyArn: arn })))).name).toBe('NoSuchEntity');
  });

  it('refuses malformed and oversized documents with IAM errors', async () => {
    const bad = await failure(
      iam.send(new CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: '{"Version":' })),
    );
    expect(bad.name).toBe('MalformedPolicyDocument');
    const noAction = await failure(
      iam.send(
        new CreatePolicyCommand({
          PolicyName: 'bad2',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Resource: '*' }],
          }),
        }),
      ),
    );
    expect(noAction.name).toBe('MalformedPolicyDocument');
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(7000)}/*` },
      ],
    });
    const tooBig = await failure(
      iam.send(new CreatePolicyCommand({ PolicyName: 'big', PolicyDocument: big })),
    );
    expect(tooBig).toEqual({ name: 'LimitExceeded', message: 'Cannot exceed quota for PolicySize: 6144' });
    expect(
      (await failure(iam.send(new CreatePolicyCommand({ PolicyName: 'x', PolicyDocument: 'not json' }))))
        .name,
    ).toBe('MalformedPolicyDocument');
  });

  it('lists the AWS managed policies every account has, with their documents', async () => {
    const aws = await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }));
    expect(aws.Policies?.map((p) => p.PolicyName).sort()).toEqual([
      'AWSGlueConsoleFullAccess',
      'AdministratorAccess',
      'AmazonAthenaFullAccess',
      'AmazonS3FullAccess',
      'AmazonS3ReadOnlyAccess',
      'ReadOnlyAccess',
    ]);
    for (const policy of aws.Policies ?? []) {
      const version = await iam.send(
        new GetPolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: policy.DefaultVersionId }),
      );
      const document = JSON.parse(decodeURIComponent(version.PolicyVersion?.Document ?? ''));
      expect(document.Version).toBe('2012-10-17');
    }
    const admin = await iam.send(
      new GetPolicyVersionCommand({
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        VersionId: 'v1',
      }),
    );
    expect(JSON.parse(decodeURIComponent(admin.PolicyVersion?.Document ?? ''))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    });
  });
});

describe('groups, roles, attachments and inline policies', () => {
  it('attaches managed policies to users, groups and roles and counts them', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'ana' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'analysts' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'analysts', UserName: 'ana' }));
    const group = await iam.send(new GetGroupCommand({ GroupName: 'analysts' }));
    expect(group.Users?.map((u) => u.UserName)).toEqual(['ana']);
    expect(group.Group?.GroupId).toMatch(/^AGPA/);
    const groups = await iam.send(new ListGroupsForUserCommand({ UserName: 'ana' }));
    expect(groups.Groups?.map((g) => g.GroupName)).toEqual(['analysts']);

    await iam.send(
      new CreateRoleCommand({
        RoleName: 'etl',
        AssumeRolePolicyDocument: trust(`arn:aws:iam::${account}:root`),
        Description: 'jobs',
        Tags: [{ Key: 'a', Value: '1' }],
      }),
    );
    const s3Read = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
    await iam.send(new AttachUserPolicyCommand({ UserName: 'ana', PolicyArn: s3Read }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'analysts', PolicyArn: s3Read }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'etl', PolicyArn: s3Read }));
    const policy = await iam.send(new GetPolicyCommand({ PolicyArn: s3Read }));
    expect(policy.Policy?.AttachmentCount).toBe(3);
    const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: s3Read }));
    expect(entities.PolicyUsers?.map((u) => u.UserName)).toEqual(['ana']);
    expect(entities.PolicyGroups?.map((g) => g.GroupName)).toEqual(['analysts']);
    expect(entities.PolicyRoles?.map((r) => r.RoleName)).toEqual(['etl']);
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'etl' }));
    expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: s3Read }]);

    const missing = await failure(
      iam.send(
        new AttachUserPolicyCommand({ UserName: 'ana', PolicyArn: `arn:aws:iam::${account}:policy/none` }),
      ),
    );
    expect(missing).toEqual({
      name: 'NoSuchEntity',
      message: `Policy arn:aws:iam::${account}:policy/none does not exist or is not attachable.`,
    });

    expect((await failure(iam.send(new DeleteGroupCommand({ GroupName: 'analysts' })))).name).toBe(
      'DeleteConflict',
    );
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'analysts', UserName: 'ana' }));
    expect((await failure(iam.send(new DeleteGroupCommand({ GroupName: 'analysts' })))).message).toBe(
      'Cannot delete entity, must detach all policies first.',
    );
    await iam.send(new DetachGroupPolicyCommand({ GroupName: 'analysts', PolicyArn: s3Read }));
    await iam.send(new DeleteGroupCommand({ GroupName: 'analysts' }));
    await iam.send(new DetachUserPolicyCommand({ UserName: 'ana', PolicyArn: s3Read }));
    const again = await failure(
      iam.send(new DetachUserPolicyCommand({ UserName: 'ana', PolicyArn: s3Read })),
    );
    expect(again.name).toBe('NoSuchEntity');

    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'etl', PolicyName: 'read', PolicyDocument: S3_READ }),
    );
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: 'etl', PolicyName: 'read' }));
    expect(inline.PolicyDocument).toBe(encodeURIComponent(S3_READ));
    const names = await iam.send(new ListRolePoliciesCommand({ RoleName: 'etl' }));
    expect(names.PolicyNames).toEqual(['read']);
    expect((await failure(iam.send(new DeleteRoleCommand({ RoleName: 'etl' })))).message).toBe(
      'Cannot delete entity, must delete policies first.',
    );
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'etl', PolicyName: 'read' }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'etl', PolicyArn: s3Read }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'etl' }));
  });

  it('keeps roles: trust policy, session duration, tags, boundaries', async () => {
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: 'reader',
        Path: '/svc/',
        AssumeRolePolicyDocument: trust(`arn:aws:iam::${account}:root`),
        MaxSessionDuration: 7200,
      }),
    );
    expect(created.Role?.Arn).toBe(`arn:aws:iam::${account}:role/svc/reader`);
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(decodeURIComponent(created.Role?.AssumeRolePolicyDocument ?? '')).toBe(
      trust(`arn:aws:iam::${account}:root`),
    );
    const badTrust = await failure(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'reader', PolicyDocument: S3_READ })),
    );
    expect(badTrust.name).toBe('MalformedPolicyDocument');
    // A trust policy may name only this account's users and roles that exist (the path is part of the name).
    const nobody = `arn:aws:iam::${account}:user/nobody`;
    const missing = await failure(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'reader', PolicyDocument: trust(nobody) })),
    );
    expect(missing).toEqual({
      name: 'MalformedPolicyDocument',
      message: `Invalid principal in policy: "AWS":"${nobody}"`,
    });
    const wrongPath = await failure(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'misnamed',
          AssumeRolePolicyDocument: trust(`arn:aws:iam::${account}:role/reader`),
        }),
      ),
    );
    expect(wrongPath.name).toBe('MalformedPolicyDocument');
    // Names as the ARN writes them: one in another case names no one (policies match ARNs as written).
    const wrongCase = await failure(
      iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: 'reader',
          PolicyDocument: trust(`arn:aws:iam::${account}:role/svc/READER`),
        }),
      ),
    );
    expect(wrongCase.name).toBe('MalformedPolicyDocument');
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: 'reader',
        PolicyDocument: trust(`arn:aws:iam::${account}:role/svc/reader`),
      }),
    );
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: 'reader',
        PolicyDocument: trust('arn:aws:iam::210987654321:user/x'),
      }),
    );
    await iam.send(
      new UpdateRoleCommand({ RoleName: 'reader', MaxSessionDuration: 43200, Description: 'd' }),
    );
    await iam.send(new TagRoleCommand({ RoleName: 'reader', Tags: [{ Key: 'team', Value: 'x' }] }));
    await iam.send(new TagRoleCommand({ RoleName: 'reader', Tags: [{ Key: 'TEAM', Value: 'y' }] }));
    expect((await iam.send(new ListRoleTagsCommand({ RoleName: 'reader' }))).Tags).toEqual([
      { Key: 'TEAM', Value: 'y' },
    ]);
    await iam.send(new UntagRoleCommand({ RoleName: 'reader', TagKeys: ['team'] }));
    const role = await iam.send(new GetRoleCommand({ RoleName: 'reader' }));
    expect(role.Role).toMatchObject({ MaxSessionDuration: 43200, Description: 'd' });
    expect(role.Role?.Tags).toBeUndefined();
    const tooLong = await failure(
      iam.send(new UpdateRoleCommand({ RoleName: 'reader', MaxSessionDuration: 50000 })),
    );
    expect(tooLong.name).toBe('ValidationError');
    const listed = await iam.send(new ListRolesCommand({ PathPrefix: '/svc/' }));
    expect(listed.Roles?.map((r) => r.RoleName)).toEqual(['reader']);

    await iam.send(new CreateUserCommand({ UserName: 'bounded' }));
    const s3Full = 'arn:aws:iam::aws:policy/AmazonS3FullAccess';
    await iam.send(
      new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: s3Full }),
    );
    const user = await iam.send(new GetUserCommand({ UserName: 'bounded' }));
    expect(user.User?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(s3Full);
    expect(
      (await iam.send(new GetPolicyCommand({ PolicyArn: s3Full }))).Policy?.PermissionsBoundaryUsageCount,
    ).toBe(1);
    await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'bounded' }));
    expect(
      (await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User?.PermissionsBoundary,
    ).toBeUndefined();
  });

  it("limits a user's inline policies to IAM's aggregate size", async () => {
    await iam.send(new CreateUserCommand({ UserName: 'inline' }));
    const statement = (n: number) => ({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::bucket-${n}-${'x'.repeat(900)}/*`,
    });
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'inline',
        PolicyName: 'one',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [statement(1)] }),
      }),
    );
    const over = await failure(
      iam.send(
        new PutUserPolicyCommand({
          UserName: 'inline',
          PolicyName: 'two',
          PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [statement(2), statement(3)] }),
        }),
      ),
    );
    expect(over).toEqual({
      name: 'LimitExceeded',
      message: 'Maximum policy size of 2048 bytes exceeded for user inline',
    });
  });
});

describe('simulation and authorization details', () => {
  it('simulates custom and principal policies with the evaluator', async () => {
    const deny = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::secret/*' }],
    });
    const custom = await iam.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [S3_READ, deny],
        ActionNames: ['s3:GetObject', 's3:PutObject'],
        ResourceArns: ['arn:aws:s3:::open/a', 'arn:aws:s3:::secret/b'],
      }),
    );
    expect(
      custom.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision]),
    ).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::open/a', 'allowed'],
      ['s3:GetObject', 'arn:aws:s3:::secret/b', 'explicitDeny'],
      ['s3:PutObject', 'arn:aws:s3:::open/a', 'implicitDeny'],
      ['s3:PutObject', 'arn:aws:s3:::secret/b', 'implicitDeny'],
    ]);
    const malformed = await failure(
      iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: ['{'], ActionNames: ['s3:GetObject'] })),
    );
    expect(malformed.name).toBe('MalformedPolicyDocument');

    await iam.send(new CreateUserCommand({ UserName: 'sim' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'sim-group' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'sim-group', UserName: 'sim' }));
    await iam.send(
      new AttachGroupPolicyCommand({
        GroupName: 'sim-group',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      }),
    );
    const principal = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${account}:user/sim`,
        ActionNames: ['s3:GetObject', 's3:DeleteObject'],
      }),
    );
    expect(principal.EvaluationResults?.map((r) => r.EvalDecision)).toEqual(['allowed', 'implicitDeny']);
    await iam.send(
      new PutUserPermissionsBoundaryCommand({
        UserName: 'sim',
        PermissionsBoundary: 'arn:aws:iam::aws:policy/AmazonAthenaFullAccess',
      }),
    );
    const bounded = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${account}:user/sim`,
        ActionNames: ['s3:GetObject'],
        ResourceArns: ['arn:aws:s3:::data/x'],
      }),
    );
    expect(bounded.EvaluationResults?.[0]?.EvalDecision).toBe('implicitDeny');
  });

  it('describes the whole account', async () => {
    const details = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    const sim = details.UserDetailList?.find((u) => u.UserName === 'sim');
    expect(sim?.GroupList).toEqual(['sim-group']);
    const group = details.GroupDetailList?.find((g) => g.GroupName === 'sim-group');
    expect(group?.AttachedManagedPolicies?.[0]?.PolicyName).toBe('AmazonS3ReadOnlyAccess');
    const s3Read = details.Policies?.find((p) => p.PolicyName === 'AmazonS3ReadOnlyAccess');
    expect(decodeURIComponent(s3Read?.PolicyVersionList?.[0]?.Document ?? '')).toContain('s3:Get*');
    const onlyRoles = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
    expect(onlyRoles.UserDetailList).toEqual([]);
  });
});

describe('awsQuery wire', () => {
  it('answers IAM XML and refuses unknown actions, versions and parameters', async () => {
    const ok = await query('iam', 'Action=ListUsers&Version=2010-05-08');
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">');
    expect(ok.body).toMatch(/<ResponseMetadata><RequestId>[0-9A-F]+<\/RequestId><\/ResponseMetadata>/);

    const unknown = await query('iam', 'Action=MakeCoffee&Version=2010-05-08');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('<Code>InvalidAction</Code>');
    expect(unknown.body).toContain('<Type>Sender</Type>');
    const version = await query('iam', 'Action=ListUsers&Version=2011-06-15');
    expect(version.body).toContain('<Code>InvalidAction</Code>');
    const missing = await query('iam', 'Version=2010-05-08');
    expect(missing.body).toContain('<Code>MissingAction</Code>');
    const extra = await query('iam', 'Action=ListUsers&Version=2010-05-08&Color=blue');
    expect(extra.status).toBe(400);
    expect(extra.body).toContain('<Code>ValidationError</Code>');
  });

  it('refuses hostile parameters cleanly', async () => {
    const deep = `Action=CreateUser&Version=2010-05-08&UserName=deep&${'Tags.member.1.'.repeat(100)}Key=x`;
    const nested = await query('iam', deep);
    expect(nested.status).toBe(400);
    expect(nested.body).toContain('<Code>ValidationError</Code>');

    const huge = await query(
      'iam',
      'Action=CreateUser&Version=2010-05-08&UserName=h&Tags.member.99999999.Key=x',
    );
    expect(huge.status).toBe(400);
    const sparse = await query(
      'iam',
      'Action=CreateUser&Version=2010-05-08&UserName=h&Tags.member.2.Key=x&Tags.member.2.Value=y',
    );
    expect(sparse.status).toBe(400);

    const proto = await query(
      'iam',
      'Action=CreateUser&Version=2010-05-08&UserName=p&__proto__.x=1&constructor=1',
    );
    expect(proto.status).toBe(400);
    expect(proto.body).toContain('<Code>ValidationError</Code>');
    const protoTag = await query(
      'iam',
      'Action=CreateUser&Version=2010-05-08&UserName=p2&Tags.member.1.__proto__=1',
    );
    expect(protoTag.status).toBe(400);

    const twice = await query('iam', 'Action=CreateUser&Version=2010-05-08&UserName=a1&UserName=a2');
    expect(twice.status).toBe(400);
    expect(twice.body).toContain('given more than once');

    const many = `Action=ListUsers&Version=2010-05-08&${Array.from({ length: 3000 }, (_, i) => `p${i}=1`).join('&')}`;
    expect((await query('iam', many)).status).toBe(400);

    const big = `Action=CreateUser&Version=2010-05-08&UserName=big&Path=/${'a'.repeat(1024 * 1024 + 10)}/`;
    const tooBig = await query('iam', big);
    expect(tooBig.status).toBe(413);

    const badEscape = await query('iam', 'Action=CreateUser&Version=2010-05-08&UserName=%E0%A4%A');
    expect(badEscape.status).toBe(400);
    for (const name of ['deep', 'h', 'p', 'p2', 'a1', 'a2', 'big'])
      expect((await failure(iam.send(new GetUserCommand({ UserName: name })))).name).toBe('NoSuchEntity');
  });
});

describe('aws cli', () => {
  for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
    it(`manages users and reads decoded documents (${cli})`, async () => {
      const name = `cli-${cli === AWS_CLI ? 'v2' : 'path'}`;
      const run = (args: string[]) => awsCli(t.dataDir, t.url, args, undefined, cli);
      const created = await run(['iam', 'create-user', '--user-name', name]);
      expect(created.stderr).toBe('');
      expect(JSON.parse(created.stdout).User.UserName).toBe(name);
      const policy = await run([
        'iam',
        'create-policy',
        '--policy-name',
        `${name}-p`,
        '--policy-document',
        S3_READ,
      ]);
      const arn = JSON.parse(policy.stdout).Policy.Arn as string;
      const version = await run(['iam', 'get-policy-version', '--policy-arn', arn, '--version-id', 'v1']);
      // The CLI decodes the URL-encoded document and parses it.
      expect(JSON.parse(version.stdout).PolicyVersion.Document).toEqual(JSON.parse(S3_READ));
      const missing = await run(['iam', 'get-user', '--user-name', 'nobody-here']);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('NoSuchEntity');
      const me = await run(['sts', 'get-caller-identity']);
      expect(JSON.parse(me.stdout).Arn).toBe(`arn:aws:iam::${account}:root`);
      expect((await run(['iam', 'delete-policy', '--policy-arn', arn])).code).toBe(0);
      expect((await run(['iam', 'delete-user', '--user-name', name])).code).toBe(0);
    });
  }
});
