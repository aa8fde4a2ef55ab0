// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are literal ${...} text.
import { describe, expect, it } from 'vitest';
import {
  type Decision,
  evaluate,
  evaluateTrust,
  type PolicySet,
  type PolicyType,
  parsePolicy,
  type RequestContext,
  type RequestPrincipal,
} from './index.js';

const AWS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide';
const EVAL = `${AWS}/reference_policies_evaluation-logic_policy-eval-denyallow.html`;
const BASICS = `${AWS}/reference_policies_evaluation-logic_policy-eval-basics.html`;
const CROSS = `${AWS}/reference_policies_evaluation-logic-cross-account.html`;
const BOUNDARY = `${AWS}/access_policies_boundaries.html`;
const SESSION = `${AWS}/access_policies.html#policies_session`;
const PRINCIPAL = `${AWS}/reference_policies_elements_principal.html`;
const NOTPRINCIPAL = `${AWS}/reference_policies_elements_notprincipal.html`;
const ACTION = `${AWS}/reference_policies_elements_action.html`;
const NOTACTION = `${AWS}/reference_policies_elements_notaction.html`;
const RESOURCE = `${AWS}/reference_policies_elements_resource.html`;
const NOTRESOURCE = `${AWS}/reference_policies_elements_notresource.html`;
const VARS = `${AWS}/reference_policies_variables.html`;
const ROLES = `${AWS}/id_roles_compare-resource-policies.html`;
const ROOT = `${AWS}/id_root-user.html`;
const S3_ANON = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html';

const ACCT = '111122223333';
const OTHER = '444455556666';
const roleArn = `arn:aws:iam::${ACCT}:role/app`;
const sessionArn = `arn:aws:sts::${ACCT}:assumed-role/app/s1`;
const aliceArn = `arn:aws:iam::${ACCT}:user/alice`;

const alice: RequestPrincipal = { arn: aliceArn, accountId: ACCT, type: 'IAMUser', userId: 'AIDAALICE' };
const session: RequestPrincipal = {
  arn: sessionArn,
  accountId: ACCT,
  type: 'AssumedRole',
  roleArn,
  userId: 'AROAAPP:s1',
};
const fed: RequestPrincipal = {
  arn: `arn:aws:sts::${ACCT}:federated-user/bob`,
  accountId: ACCT,
  type: 'FederatedUser',
  roleArn: `arn:aws:iam::${ACCT}:user/bob`,
};
const root: RequestPrincipal = { arn: `arn:aws:iam::${ACCT}:root`, accountId: ACCT, type: 'Root' };
const carol: RequestPrincipal = {
  arn: `arn:aws:iam::${OTHER}:user/carol`,
  accountId: OTHER,
  type: 'IAMUser',
};
const otherSession: RequestPrincipal = {
  arn: `arn:aws:sts::${OTHER}:assumed-role/reader/r1`,
  accountId: OTHER,
  type: 'AssumedRole',
  roleArn: `arn:aws:iam::${OTHER}:role/reader`,
};
const otherRoot: RequestPrincipal = { arn: `arn:aws:iam::${OTHER}:root`, accountId: OTHER, type: 'Root' };
const anon: RequestPrincipal = { arn: '*', accountId: '', type: 'Anonymous' };
const glue: RequestPrincipal = { arn: 'glue.amazonaws.com', accountId: '', type: 'Service' };

const object = 'arn:aws:s3:::b/k';
const req = (principal: RequestPrincipal, extra: Partial<RequestContext> = {}): RequestContext => ({
  principal,
  action: 's3:GetObject',
  resource: object,
  resourceAccountId: ACCT,
  context: {},
  ...extra,
});

type Stmt = Record<string, unknown>;
const parse = (
  kind: 'identity' | 'resource' | 'boundary' | 'session' | 'trust',
  statements: Stmt[],
  version = '2012-10-17',
) => parsePolicy(JSON.stringify({ Version: version, Statement: statements }), kind);
const id = (...s: Stmt[]) => parse('identity', s);
const rp = (...s: Stmt[]) => parse('resource', s);
const allowGet: Stmt = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
const denyGet: Stmt = { ...allowGet, Effect: 'Deny' };
const grantTo = (AWSPrincipal: unknown, effect = 'Allow'): Stmt => ({
  ...allowGet,
  Effect: effect,
  Principal: { AWS: AWSPrincipal },
});
const bucket = (...s: Stmt[]) => ({ resource: [rp(...s)] });
const boundaryAll = parse('boundary', [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
const boundaryNone = parse('boundary', [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }]);
const sessionAll = parse('session', [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
const sessionNone = parse('session', [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }]);

const ALLOW: Decision = { effect: 'Allow' };
const implicit = (policyType: PolicyType): Decision => ({ effect: 'Deny', reason: 'implicit', policyType });
const explicit = (policyType: PolicyType): Decision => ({ effect: 'Deny', reason: 'explicit', policyType });

interface EvalCase {
  readonly doc: string;
  readonly name: string;
  readonly request: RequestContext;
  readonly policies: PolicySet;
  readonly expected: Decision;
}

const e = (
  doc: string,
  name: string,
  request: RequestContext,
  policies: Partial<PolicySet>,
  expected: Decision,
): EvalCase => ({
  doc,
  name,
  request,
  policies: { identity: [], ...policies },
  expected,
});

const basics: EvalCase[] = [
  e(EVAL, 'no policy at all is an implicit deny', req(alice), {}, implicit('identity-based')),
  e(EVAL, 'an identity-based allow allows', req(alice), { identity: [id(allowGet)] }, ALLOW),
  e(
    ACTION,
    'another action is not allowed',
    req(alice, { action: 's3:PutObject' }),
    { identity: [id(allowGet)] },
    implicit('identity-based'),
  ),
  e(
    ACTION,
    'actions match case-insensitively',
    req(alice, { action: 'S3:GETOBJECT' }),
    { identity: [id(allowGet)] },
    ALLOW,
  ),
  e(
    ACTION,
    'a prefix wildcard in the action',
    req(alice),
    { identity: [id({ ...allowGet, Action: 's3:Get*' })] },
    ALLOW,
  ),
  e(
    ACTION,
    'a wildcard inside the action',
    req(alice),
    { identity: [id({ ...allowGet, Action: 's3:*Object' })] },
    ALLOW,
  ),
  e(
    ACTION,
    'a ? in the action',
    req(alice),
    { identity: [id({ ...allowGet, Action: 's3:?etObject' })] },
    ALLOW,
  ),
  e(
    ACTION,
    'Action * allows everything',
    req(alice, { action: 'ec2:RunInstances' }),
    { identity: [id({ ...allowGet, Action: '*' })] },
    ALLOW,
  ),
  e(
    ACTION,
    'the service prefix must match',
    req(alice, { action: 's3express:GetObject' }),
    { identity: [id(allowGet)] },
    implicit('identity-based'),
  ),
  e(
    RESOURCE,
    'resource ARNs are case-sensitive',
    req(alice, { resource: 'arn:aws:s3:::B/k' }),
    { identity: [id(allowGet)] },
    implicit('identity-based'),
  ),
  e(
    RESOURCE,
    'b/* does not cover the bucket itself',
    req(alice, { resource: 'arn:aws:s3:::b' }),
    { identity: [id(allowGet)] },
    implicit('identity-based'),
  ),
  e(
    RESOURCE,
    'a resource wildcard spans slashes',
    req(alice, { resource: 'arn:aws:s3:::b/a/b/c' }),
    { identity: [id(allowGet)] },
    ALLOW,
  ),
  e(
    RESOURCE,
    'a * request resource needs Resource *',
    req(alice, { action: 's3:ListAllMyBuckets', resource: '*' }),
    { identity: [id({ ...allowGet, Action: 's3:*' })] },
    implicit('identity-based'),
  ),
  e(
    RESOURCE,
    'Resource * covers a * request resource',
    req(alice, { action: 's3:ListAllMyBuckets', resource: '*' }),
    { identity: [id({ ...allowGet, Action: 's3:*', Resource: '*' })] },
    ALLOW,
  ),
  e(
    RESOURCE,
    'wildcards in the region and account components',
    req(alice, { action: 'sns:Publish', resource: 'arn:aws:sns:eu-west-1:111122223333:t' }),
    { identity: [id({ Effect: 'Allow', Action: 'sns:*', Resource: 'arn:aws:sns:*:*:t' })] },
    ALLOW,
  ),
  e(
    RESOURCE,
    'a wildcard does not swallow ARN colons',
    req(alice, {
      action: 'logs:GetLogEvents',
      resource: 'arn:aws:logs:eu-west-1:111122223333:log-group:app',
    }),
    { identity: [id({ Effect: 'Allow', Action: 'logs:*', Resource: 'arn:aws:logs:*:log-group:app' })] },
    implicit('identity-based'),
  ),
  e(
    EVAL,
    'an explicit deny in the same policy wins',
    req(alice),
    { identity: [id(allowGet, denyGet)] },
    explicit('identity-based'),
  ),
  e(
    EVAL,
    'an explicit deny in another identity policy wins',
    req(alice),
    { identity: [id(allowGet), id(denyGet)] },
    explicit('identity-based'),
  ),
  e(
    EVAL,
    'a deny whose condition fails does not apply',
    req(alice, { context: { 'aws:SecureTransport': 'true' } }),
    { identity: [id(allowGet, { ...denyGet, Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    ALLOW,
  ),
  e(
    EVAL,
    'a deny whose condition holds applies',
    req(alice, { context: { 'aws:SecureTransport': 'false' } }),
    { identity: [id(allowGet, { ...denyGet, Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    explicit('identity-based'),
  ),
  e(
    NOTACTION,
    'Allow with NotAction allows other actions',
    req(alice),
    { identity: [id({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })] },
    ALLOW,
  ),
  e(
    NOTACTION,
    'Allow with NotAction does not allow the listed ones',
    req(alice, { action: 'iam:CreateUser' }),
    { identity: [id({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })] },
    implicit('identity-based'),
  ),
  e(
    NOTACTION,
    'Deny with NotAction denies everything else',
    req(alice, { action: 'ec2:RunInstances' }),
    {
      identity: [
        id(
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', NotAction: 's3:*', Resource: '*' },
        ),
      ],
    },
    explicit('identity-based'),
  ),
  e(
    NOTACTION,
    'Deny with NotAction spares the listed actions',
    req(alice),
    {
      identity: [
        id(
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', NotAction: 's3:*', Resource: '*' },
        ),
      ],
    },
    ALLOW,
  ),
  e(
    NOTRESOURCE,
    'Allow with NotResource allows other resources',
    req(alice),
    { identity: [id({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' })] },
    ALLOW,
  ),
  e(
    NOTRESOURCE,
    'Allow with NotResource skips the listed ones',
    req(alice, { resource: 'arn:aws:s3:::secret/x' }),
    { identity: [id({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' })] },
    implicit('identity-based'),
  ),
  e(
    NOTRESOURCE,
    'Deny with NotResource denies everything but the list',
    req(alice, { resource: 'arn:aws:s3:::other/k' }),
    {
      identity: [
        id(
          { Effect: 'Allow', Action: 's3:*', Resource: '*' },
          { Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] },
        ),
      ],
    },
    explicit('identity-based'),
  ),
  e(
    BASICS,
    'Carlos writing to a log bucket is explicitly denied',
    req(alice, { action: 's3:PutObject', resource: 'arn:aws:s3:::carlossalazar-logs/f' }),
    {
      identity: [
        id(
          {
            Effect: 'Allow',
            Action: 's3:*',
            Resource: ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar'],
          },
          { Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::*log*' },
        ),
      ],
      ...bucket({
        Effect: 'Allow',
        Principal: { AWS: aliceArn },
        Action: 's3:*',
        Resource: 'arn:aws:s3:::carlossalazar-logs/*',
      }),
    },
    explicit('identity-based'),
  ),
  e(
    BASICS,
    'Carlos writing to his own bucket is allowed',
    req(alice, { action: 's3:PutObject', resource: 'arn:aws:s3:::carlossalazar/f' }),
    {
      identity: [
        id(
          {
            Effect: 'Allow',
            Action: 's3:*',
            Resource: ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar'],
          },
          { Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::*log*' },
        ),
      ],
    },
    ALLOW,
  ),
];

const sameAccountResource: EvalCase[] = [
  e(
    EVAL,
    'a bucket policy naming the user allows without identity policy',
    req(alice),
    bucket(grantTo(aliceArn)),
    ALLOW,
  ),
  e(
    PRINCIPAL,
    'a bucket policy naming the account delegates to identity policies',
    req(alice),
    bucket(grantTo(ACCT)),
    implicit('identity-based'),
  ),
  e(
    PRINCIPAL,
    'the account root ARN also delegates',
    req(alice),
    bucket(grantTo(`arn:aws:iam::${ACCT}:root`)),
    implicit('identity-based'),
  ),
  e(
    PRINCIPAL,
    'account delegation plus an identity allow',
    req(alice),
    { identity: [id(allowGet)], ...bucket(grantTo(ACCT)) },
    ALLOW,
  ),
  e(
    PRINCIPAL,
    'a bucket policy naming someone else does not allow',
    req(alice),
    bucket(grantTo(`arn:aws:iam::${ACCT}:user/mallory`)),
    implicit('identity-based'),
  ),
  e(
    PRINCIPAL,
    'user names in principals are case-sensitive',
    req(alice),
    bucket(grantTo(`arn:aws:iam::${ACCT}:user/Alice`)),
    implicit('identity-based'),
  ),
  e(
    PRINCIPAL,
    'Principal * allows a user of the account',
    req(alice),
    bucket({ ...allowGet, Principal: '*' }),
    ALLOW,
  ),
  e(PRINCIPAL, 'Principal {AWS: *} allows too', req(alice), bucket(grantTo('*')), ALLOW),
  e(
    EVAL,
    'an explicit deny in the bucket policy beats an identity allow',
    req(alice),
    { identity: [id(allowGet)], ...bucket(grantTo(aliceArn, 'Deny')) },
    explicit('resource-based'),
  ),
  e(
    PRINCIPAL,
    'a deny naming the account denies its users',
    req(alice),
    { identity: [id(allowGet)], ...bucket(grantTo(ACCT, 'Deny')) },
    explicit('resource-based'),
  ),
  e(
    EVAL,
    'a bucket deny for another principal does not apply',
    req(alice),
    { identity: [id(allowGet)], ...bucket(grantTo(`arn:aws:iam::${ACCT}:user/mallory`, 'Deny')) },
    ALLOW,
  ),
  e(
    EVAL,
    'a bucket allow for another action does not apply',
    req(alice, { action: 's3:DeleteObject' }),
    bucket(grantTo(aliceArn)),
    implicit('identity-based'),
  ),
];

const boundaries: EvalCase[] = [
  e(
    BOUNDARY,
    'identity and boundary both allow',
    req(alice),
    { identity: [id(allowGet)], boundary: boundaryAll },
    ALLOW,
  ),
  e(
    BOUNDARY,
    'a boundary that does not allow limits the identity policy',
    req(alice),
    { identity: [id(allowGet)], boundary: boundaryNone },
    implicit('permissions boundary'),
  ),
  e(
    BOUNDARY,
    'a boundary alone grants nothing',
    req(alice),
    { boundary: boundaryAll },
    implicit('identity-based'),
  ),
  e(
    BOUNDARY,
    'an explicit deny in the boundary',
    req(alice),
    {
      identity: [id(allowGet)],
      boundary: parse('boundary', [{ Effect: 'Allow', Action: '*', Resource: '*' }, denyGet]),
    },
    explicit('permissions boundary'),
  ),
  e(
    EVAL,
    'a resource policy naming the user is not limited by the boundary',
    req(alice),
    { boundary: boundaryNone, ...bucket(grantTo(aliceArn)) },
    ALLOW,
  ),
  e(
    EVAL,
    'a resource policy naming the role is limited by the boundary',
    req(session),
    { boundary: boundaryNone, ...bucket(grantTo(roleArn)) },
    implicit('permissions boundary'),
  ),
  e(
    EVAL,
    'a resource policy naming the role, boundary allows, no identity allow',
    req(session),
    { boundary: boundaryAll, ...bucket(grantTo(roleArn)) },
    ALLOW,
  ),
  e(
    EVAL,
    'a resource policy naming the session is not limited by the boundary',
    req(session),
    { boundary: boundaryNone, ...bucket(grantTo(sessionArn)) },
    ALLOW,
  ),
  e(
    EVAL,
    'a resource policy naming the account stays limited by the boundary',
    req(alice),
    { identity: [id(allowGet)], boundary: boundaryNone, ...bucket(grantTo(ACCT)) },
    implicit('permissions boundary'),
  ),
  e(
    BOUNDARY,
    'NotPrincipal with Deny always denies a principal with a boundary',
    req(alice),
    {
      identity: [id(allowGet)],
      boundary: boundaryAll,
      ...bucket({ ...allowGet, Effect: 'Deny', NotPrincipal: { AWS: [aliceArn, ACCT] } }),
    },
    explicit('resource-based'),
  ),
  e(
    NOTPRINCIPAL,
    'the same NotPrincipal spares the listed user without a boundary',
    req(alice),
    {
      identity: [id(allowGet)],
      ...bucket({ ...allowGet, Effect: 'Deny', NotPrincipal: { AWS: [aliceArn, ACCT] } }),
    },
    ALLOW,
  ),
];

const sessions: EvalCase[] = [
  e(
    SESSION,
    'a role session without session policy keeps the role permissions',
    req(session),
    { identity: [id(allowGet)] },
    ALLOW,
  ),
  e(
    SESSION,
    'a session policy that allows',
    req(session),
    { identity: [id(allowGet)], session: [sessionAll] },
    ALLOW,
  ),
  e(
    SESSION,
    'a session policy that does not allow limits the session',
    req(session),
    { identity: [id(allowGet)], session: [sessionNone] },
    implicit('session'),
  ),
  e(
    SESSION,
    'a session policy cannot grant beyond the identity policy',
    req(session),
    { session: [sessionAll] },
    implicit('identity-based'),
  ),
  e(
    SESSION,
    'an explicit deny in a session policy',
    req(session),
    { identity: [id(allowGet)], session: [parse('session', [denyGet])] },
    explicit('session'),
  ),
  e(
    SESSION,
    'several session policies: one allowing is enough',
    req(session),
    { identity: [id(allowGet)], session: [sessionNone, sessionAll] },
    ALLOW,
  ),
  e(
    SESSION,
    'a resource policy naming the role is limited by the session policy',
    req(session),
    { session: [sessionNone], ...bucket(grantTo(roleArn)) },
    implicit('session'),
  ),
  e(
    SESSION,
    'a resource policy naming the session is not limited by the session policy',
    req(session),
    { session: [sessionNone], ...bucket(grantTo(sessionArn)) },
    ALLOW,
  ),
  e(
    EVAL,
    'a federated user without a session policy has no permissions',
    req(fed),
    { identity: [id(allowGet)] },
    implicit('session'),
  ),
  e(
    EVAL,
    'a federated user with an allowing session policy',
    req(fed),
    { identity: [id(allowGet)], session: [sessionAll] },
    ALLOW,
  ),
  e(
    EVAL,
    'a resource policy naming the federated user session grants directly',
    req(fed),
    bucket(grantTo(fed.arn)),
    ALLOW,
  ),
  e(
    EVAL,
    'a resource policy naming the user who federated is limited by the session policy',
    req(fed),
    { session: [sessionNone], ...bucket(grantTo(fed.roleArn)) },
    implicit('session'),
  ),
  e(
    SESSION,
    'session policies do not apply to IAM users',
    req(alice),
    { identity: [id(allowGet)], session: [sessionNone] },
    ALLOW,
  ),
  e(
    SESSION,
    'boundary and session policy both apply to a session',
    req(session),
    { identity: [id(allowGet)], boundary: boundaryNone, session: [sessionAll] },
    implicit('permissions boundary'),
  ),
];

const crossAccount: EvalCase[] = [
  e(
    CROSS,
    'an identity allow alone does not reach another account',
    req(carol),
    { identity: [id(allowGet)] },
    implicit('resource-based'),
  ),
  e(
    CROSS,
    'the resource policy names the account and the identity allows',
    req(carol),
    { identity: [id(allowGet)], ...bucket(grantTo(OTHER)) },
    ALLOW,
  ),
  e(
    CROSS,
    'the resource policy names the account but no identity allow',
    req(carol),
    bucket(grantTo(OTHER)),
    implicit('identity-based'),
  ),
  e(
    CROSS,
    'the resource policy names the user and the identity allows',
    req(carol),
    { identity: [id(allowGet)], ...bucket(grantTo(carol.arn)) },
    ALLOW,
  ),
  e(
    CROSS,
    'naming the user directly still needs its identity allow',
    req(carol),
    bucket(grantTo(carol.arn)),
    implicit('identity-based'),
  ),
  e(
    CROSS,
    'the trusted account boundary still limits',
    req(carol),
    { identity: [id(allowGet)], boundary: boundaryNone, ...bucket(grantTo(OTHER)) },
    implicit('permissions boundary'),
  ),
  e(
    CROSS,
    'a deny in the resource policy',
    req(carol),
    { identity: [id(allowGet)], ...bucket(grantTo(OTHER), grantTo(carol.arn, 'Deny')) },
    explicit('resource-based'),
  ),
  e(
    CROSS,
    'a role ARN principal admits its sessions from another account',
    req(otherSession),
    { identity: [id(allowGet)], ...bucket(grantTo(otherSession.roleArn)) },
    ALLOW,
  ),
  e(
    CROSS,
    'Principal * admits another account when its identity allows',
    req(carol),
    { identity: [id(allowGet)], ...bucket({ ...allowGet, Principal: '*' }) },
    ALLOW,
  ),
  e(
    CROSS,
    'an unknown resource owner is taken to be the caller account',
    req(carol, { resourceAccountId: undefined }),
    { identity: [id(allowGet)] },
    ALLOW,
  ),
];

const rootAndAnonymous: EvalCase[] = [
  e(ROOT, 'the root user has full access to its account', req(root), {}, ALLOW),
  e(
    ROOT,
    'identity-based policies do not apply to the root user',
    req(root),
    { identity: [id(denyGet)] },
    ALLOW,
  ),
  e(
    ROOT,
    'a bucket policy deny naming the account denies the root user',
    req(root),
    bucket(grantTo(ACCT, 'Deny')),
    explicit('resource-based'),
  ),
  e(
    ROOT,
    'a bucket policy deny for everyone denies the root user',
    req(root),
    bucket({ ...denyGet, Principal: '*' }),
    explicit('resource-based'),
  ),
  e(CROSS, 'another account root needs the resource policy', req(otherRoot), {}, implicit('resource-based')),
  e(CROSS, 'another account root named by account id', req(otherRoot), bucket(grantTo(OTHER)), ALLOW),
  e(S3_ANON, 'anonymous with no bucket policy', req(anon), {}, implicit('resource-based')),
  e(
    S3_ANON,
    'anonymous with a public-read bucket policy',
    req(anon),
    bucket({ ...allowGet, Principal: '*' }),
    ALLOW,
  ),
  e(PRINCIPAL, 'anonymous with {AWS: *}', req(anon), bucket(grantTo('*')), ALLOW),
  e(
    PRINCIPAL,
    'anonymous is not in any account',
    req(anon),
    bucket(grantTo(ACCT)),
    implicit('resource-based'),
  ),
  e(
    EVAL,
    'identity policies do not apply to anonymous',
    req(anon),
    { identity: [id(allowGet)] },
    implicit('resource-based'),
  ),
  e(
    S3_ANON,
    'a public deny without TLS beats the public allow',
    req(anon, { context: { 'aws:SecureTransport': 'false' } }),
    bucket(
      { ...allowGet, Principal: '*' },
      { ...denyGet, Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ),
    explicit('resource-based'),
  ),
  e(
    VARS,
    'anonymous resolves ${aws:userid} to anonymous',
    req(anon, { resource: 'arn:aws:s3:::b/anonymous/k' }),
    bucket({ ...allowGet, Principal: '*', Resource: 'arn:aws:s3:::b/${aws:userid}/*' }),
    ALLOW,
  ),
];

const principalForms: EvalCase[] = [
  e(
    PRINCIPAL,
    'a role ARN principal matches sessions of that role',
    req(session),
    bucket(grantTo(roleArn)),
    ALLOW,
  ),
  e(
    PRINCIPAL,
    'a role ARN principal does not match another role',
    req(session),
    bucket(grantTo(`arn:aws:iam::${ACCT}:role/other`)),
    implicit('identity-based'),
  ),
  e(
    PRINCIPAL,
    'a session ARN principal matches that session',
    req(session),
    bucket(grantTo(sessionArn)),
    ALLOW,
  ),
  e(
    PRINCIPAL,
    'a session ARN principal does not match another session',
    req({ ...session, arn: `arn:aws:sts::${ACCT}:assumed-role/app/s2` }),
    bucket(grantTo(sessionArn)),
    implicit('identity-based'),
  ),
  e(
    PRINCIPAL,
    'a service principal',
    req(glue),
    bucket({ ...allowGet, Principal: { Service: 'glue.amazonaws.com' } }),
    ALLOW,
  ),
  e(
    PRINCIPAL,
    'another service principal',
    req(glue),
    bucket({ ...allowGet, Principal: { Service: 'athena.amazonaws.com' } }),
    implicit('resource-based'),
  ),
  e(PRINCIPAL, 'Principal * includes services', req(glue), bucket({ ...allowGet, Principal: '*' }), ALLOW),
  e(
    NOTPRINCIPAL,
    'NotPrincipal Deny denies everyone not listed',
    req(alice),
    {
      identity: [id(allowGet)],
      ...bucket({ ...denyGet, NotPrincipal: { AWS: [`arn:aws:iam::${ACCT}:user/admin`, ACCT] } }),
    },
    explicit('resource-based'),
  ),
  e(
    NOTPRINCIPAL,
    'NotPrincipal listing only the session still denies it',
    req(session),
    { identity: [id(allowGet)], ...bucket({ ...denyGet, NotPrincipal: { AWS: [sessionArn] } }) },
    explicit('resource-based'),
  ),
  e(
    NOTPRINCIPAL,
    'NotPrincipal listing session, role and account spares it',
    req(session),
    {
      identity: [id(allowGet)],
      ...bucket({ ...denyGet, NotPrincipal: { AWS: [sessionArn, roleArn, ACCT] } }),
    },
    ALLOW,
  ),
  e(
    NOTPRINCIPAL,
    'NotPrincipal listing the user and account spares it',
    req(alice),
    {
      identity: [id(allowGet)],
      ...bucket({ ...denyGet, NotPrincipal: { AWS: [aliceArn, `arn:aws:iam::${ACCT}:root`] } }),
    },
    ALLOW,
  ),
];

const variables: EvalCase[] = [
  e(
    VARS,
    '${aws:username} gives each user a home',
    req(alice, { resource: 'arn:aws:s3:::b/home/alice/x' }),
    { identity: [id({ ...allowGet, Resource: 'arn:aws:s3:::b/home/${aws:username}/*' })] },
    ALLOW,
  ),
  e(
    VARS,
    'and keeps users out of other homes',
    req(alice, { resource: 'arn:aws:s3:::b/home/bob/x' }),
    { identity: [id({ ...allowGet, Resource: 'arn:aws:s3:::b/home/${aws:username}/*' })] },
    implicit('identity-based'),
  ),
  e(
    VARS,
    'a principal tag in the resource',
    req(alice, { resource: 'arn:aws:s3:::b/blue/x', context: { 'aws:PrincipalTag/team': 'blue' } }),
    { identity: [id({ ...allowGet, Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/team}/*' })] },
    ALLOW,
  ),
  e(
    VARS,
    'a missing variable makes the resource entry not match',
    req(alice, { resource: 'arn:aws:s3:::b//x' }),
    { identity: [id({ ...allowGet, Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/team}/*' })] },
    implicit('identity-based'),
  ),
  e(
    VARS,
    'a role session has no aws:username',
    req(session, { resource: 'arn:aws:s3:::b/home/app/x' }),
    { identity: [id({ ...allowGet, Resource: 'arn:aws:s3:::b/home/${aws:username}/*' })] },
    implicit('identity-based'),
  ),
  e(
    VARS,
    '${aws:userid} of a role session',
    req(session, { resource: 'arn:aws:s3:::b/AROAAPP:s1/x' }),
    { identity: [id({ ...allowGet, Resource: 'arn:aws:s3:::b/${aws:userid}/*' })] },
    ALLOW,
  ),
  e(
    VARS,
    'variables are literal in Version 2008-10-17',
    req(alice, { resource: 'arn:aws:s3:::b/home/alice/x' }),
    {
      identity: [
        parse('identity', [{ ...allowGet, Resource: 'arn:aws:s3:::b/home/${aws:username}/*' }], '2008-10-17'),
      ],
    },
    implicit('identity-based'),
  ),
  e(
    VARS,
    'a default value in the resource',
    req(alice, { resource: 'arn:aws:s3:::b/none/x' }),
    { identity: [id({ ...allowGet, Resource: "arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*" })] },
    ALLOW,
  ),
];

const allCases = [
  ...basics,
  ...sameAccountResource,
  ...boundaries,
  ...sessions,
  ...crossAccount,
  ...rootAndAnonymous,
  ...principalForms,
  ...variables,
];

describe('evaluate', () => {
  it.each(allCases)('$name', ({ request, policies, expected }) => {
    expect(evaluate(request, policies)).toEqual(expected);
  });

  it('names a documentation page for every case', () => {
    for (const entry of allCases) expect(entry.doc).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });
});

const trustDoc = ROLES;
const assume = (principal: RequestPrincipal, context = {}) =>
  req(principal, { action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCT}:role/target`, context });
const trust = (principal: unknown, extra: Stmt = {}) =>
  parse('trust', [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra }]);
const canAssume = id({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });

const trustCases = [
  {
    doc: trustDoc,
    name: 'a same-account user named in the trust policy needs no identity allow',
    request: assume(alice),
    trust: trust({ AWS: aliceArn }),
    caller: {},
    expected: ALLOW,
  },
  {
    doc: trustDoc,
    name: 'trusting the account needs an identity allow',
    request: assume(alice),
    trust: trust({ AWS: ACCT }),
    caller: {},
    expected: implicit('identity-based'),
  },
  {
    doc: trustDoc,
    name: 'trusting the account with an identity allow',
    request: assume(alice),
    trust: trust({ AWS: ACCT }),
    caller: { identity: [canAssume] },
    expected: ALLOW,
  },
  {
    doc: EVAL,
    name: 'an identity allow alone is not enough for a trust policy',
    request: assume(alice),
    trust: trust({ AWS: `arn:aws:iam::${ACCT}:user/other` }),
    caller: { identity: [canAssume] },
    expected: implicit('resource-based'),
  },
  {
    doc: CROSS,
    name: 'another account trusted, with an identity allow',
    request: assume(carol),
    trust: trust({ AWS: OTHER }),
    caller: { identity: [canAssume] },
    expected: ALLOW,
  },
  {
    doc: CROSS,
    name: 'another account trusted, without an identity allow',
    request: assume(carol),
    trust: trust({ AWS: OTHER }),
    caller: {},
    expected: implicit('identity-based'),
  },
  {
    doc: PRINCIPAL,
    name: 'a service trusted to assume the role',
    request: assume(glue),
    trust: trust({ Service: 'glue.amazonaws.com' }),
    caller: {},
    expected: ALLOW,
  },
  {
    doc: PRINCIPAL,
    name: 'a service not trusted',
    request: assume(glue),
    trust: trust({ Service: 'databrew.amazonaws.com' }),
    caller: {},
    expected: implicit('resource-based'),
  },
  {
    doc: `${AWS}/id_roles_create_for-user_externalid.html`,
    name: 'an external id condition that holds',
    request: assume(carol, { 'sts:ExternalId': 'x-1' }),
    trust: trust({ AWS: OTHER }, { Condition: { StringEquals: { 'sts:ExternalId': 'x-1' } } }),
    caller: { identity: [canAssume] },
    expected: ALLOW,
  },
  {
    doc: `${AWS}/id_roles_create_for-user_externalid.html`,
    name: 'an external id condition that fails',
    request: assume(carol),
    trust: trust({ AWS: OTHER }, { Condition: { StringEquals: { 'sts:ExternalId': 'x-1' } } }),
    caller: { identity: [canAssume] },
    expected: implicit('resource-based'),
  },
  {
    doc: trustDoc,
    name: 'a deny in the trust policy',
    request: assume(alice),
    trust: parse('trust', [
      { Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' },
      { Effect: 'Deny', Principal: { AWS: aliceArn }, Action: 'sts:AssumeRole' },
    ]),
    caller: { identity: [canAssume] },
    expected: explicit('resource-based'),
  },
  {
    doc: EVAL,
    name: 'a role session named by its role ARN, limited by its session policy',
    request: assume(session),
    trust: trust({ AWS: roleArn }),
    caller: { session: [sessionNone] },
    expected: implicit('session'),
  },
];

describe('evaluateTrust', () => {
  it.each(trustCases)('$name', ({ request, trust: policy, caller, expected }) => {
    expect(evaluateTrust(request, policy, { identity: [], ...caller })).toEqual(expected);
  });
});
