import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import { validationError } from '../lib/aws-query.js';
import { accessKeyId, secretAccessKey } from '../lib/ids.js';
import type { Principal, RequestFacts } from '../lib/operation.js';
import { globalKeys } from './global-keys.js';
import type { AuthorizationContext } from './iam-authz.js';
import type { IamContext } from './iam-context.js';
import { now, SECRET_CONTEXT } from './iam-context.js';
import { checkSize, parseDocument } from './iam-documents.js';
import { isSessionPrincipal } from './iam-keys.js';
import { assumedRoleArn, nameKey } from './iam-names.js';
import { roleArn, roleNamed } from './iam-roles.js';
import type { IamSessionTable } from './iam-schema.js';
import { checkDistinctKeys, type Tag } from './iam-tags.js';
import type {
  AssumeRoleResult,
  IamRoles,
  IamSessions,
  SessionCredentials,
  SessionTokenResult,
} from './iam-types.js';
import { type ContextValue, evaluateTrust, policySizeLimits, type RequestContext } from './policy/index.js';

export interface AssumeRoleInput {
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  policy?: string;
  policyArns?: string[];
  tags?: Tag[];
  transitiveTagKeys?: string[];
  externalId?: string;
  sourceIdentity?: string;
  /** The request's facts: the trust decision sees the same global keys as every other decision. */
  facts: RequestFacts;
}

function denied(caller: Principal, action: string, resource: string): AppError {
  return new AppError(
    'AccessDenied',
    403,
    `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource}`,
  );
}

/** The token a session is presented with; only its SHA-256 is kept. */
function sessionToken(): string {
  return randomBytes(96).toString('base64');
}

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createSessions(
  ctx: IamContext,
  deps: { roles: IamRoles; contextOf: (principal: Principal) => Promise<AuthorizationContext> },
): IamSessions {
  const { store, secrets } = ctx;
  const { roles } = deps;

  async function issue(
    session: Omit<IamSessionTable, 'access_key_id' | 'sealed_secret' | 'token_sha256'>,
  ): Promise<SessionCredentials> {
    const keyId = accessKeyId('ASIA');
    const secret = secretAccessKey();
    const token = sessionToken();
    await store.insertSession({
      ...session,
      access_key_id: keyId,
      sealed_secret: secrets.seal(secret, SECRET_CONTEXT + keyId),
      token_sha256: tokenSha256(token),
    });
    // Sessions a day past their expiry are forgotten; until then a client using one hears ExpiredToken.
    await store.sweepSessions(session.created_at - 86_400_000);
    return {
      AccessKeyId: keyId,
      SecretAccessKey: secret,
      SessionToken: token,
      Expiration: new Date(session.expires_at),
    };
  }

  /** A session of `role` for `service`, if the role trusts it: its principal and its credentials. */
  async function serviceSession(
    accountId: string,
    role: string,
    service: string,
    sessionName: string,
    durationSeconds: number,
  ): Promise<{ principal: Principal; credentials: SessionCredentials }> {
    const unable = () =>
      new AppError('AccessDenied', 403, `Service is unable to assume provided role ${role.slice(0, 256)}.`);
    const found = await roleNamed(roles, accountId, role);
    if (!found) throw unable();
    const arn = roleArn(found);
    const request: RequestContext = {
      principal: { arn: service, accountId: '', type: 'Service' },
      action: 'sts:AssumeRole',
      resource: arn,
      resourceAccountId: accountId,
      context: { 'aws:PrincipalServiceName': service },
    };
    const trust = parseDocument(found.trust_policy, 'trust');
    if (evaluateTrust(request, trust, { identity: [] }).effect !== 'Allow') throw unable();
    const at = now(ctx);
    const credentials = await issue({
      account_id: accountId,
      kind: 'AssumedRole',
      subject_id: found.id,
      role_arn: arn,
      session_name: sessionName,
      policy: null,
      policy_arns: '[]',
      tags: '[]',
      transitive_tag_keys: '[]',
      source_identity: null,
      service,
      created_at: at,
      expires_at: at + durationSeconds * 1000,
    });
    return {
      credentials,
      principal: {
        accountId,
        arn: assumedRoleArn(accountId, found.name, sessionName),
        accessKeyId: credentials.AccessKeyId,
        type: 'AssumedRole',
        userId: `${found.id}:${sessionName}`,
        service,
      },
    };
  }

  /** The caller's transitive session tags (a role session's), which a chained session keeps. */
  async function transitiveTags(caller: Principal): Promise<Tag[]> {
    if (caller.type !== 'AssumedRole') return [];
    const session = await store.findSession(caller.accessKeyId);
    if (!session) return [];
    const keys = new Set((JSON.parse(session.transitive_tag_keys) as string[]).map((k) => k.toLowerCase()));
    return (JSON.parse(session.tags) as Tag[]).filter((t) => keys.has(t.Key.toLowerCase()));
  }

  function trustRequest(
    caller: Principal,
    identity: AuthorizationContext,
    action: string,
    resource: string,
    input: AssumeRoleInput,
  ): RequestContext {
    const context: Record<string, ContextValue> = {
      ...globalKeys(caller, identity, input.facts),
      'sts:RoleSessionName': input.sessionName,
      'sts:ExternalId': input.externalId,
      'sts:TransitiveTagKeys': input.transitiveTagKeys,
      'aws:TagKeys': input.tags?.map((t) => t.Key),
    };
    // The source identity asked for, or the one a chained session carries (they cannot differ).
    const sourceIdentity = input.sourceIdentity ?? identity.sourceIdentity;
    if (sourceIdentity !== undefined) context['sts:SourceIdentity'] = sourceIdentity;
    for (const t of input.tags ?? []) context[`aws:RequestTag/${t.Key}`] = t.Value;
    return {
      principal: {
        arn: caller.arn,
        accountId: caller.accountId,
        type: caller.type === 'AssumedRole' ? 'AssumedRole' : caller.type === 'IAMUser' ? 'IAMUser' : 'Root',
        userId: caller.userId,
        ...(caller.username !== undefined ? { username: caller.username } : {}),
        ...(identity.roleArn !== undefined ? { roleArn: identity.roleArn } : {}),
      },
      action,
      resource,
      resourceAccountId: caller.accountId,
      context,
    };
  }

  async function findRole(caller: Principal, arn: string) {
    const match = /^arn:aws:iam::(\d{12}):role(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]+)$/.exec(arn);
    if (!match) throw validationError(`${arn.slice(0, 256)} is invalid`);
    const [, account, path, name] = match as unknown as [string, string, string, string];
    const role =
      account === caller.accountId ? await roles.findRole(account, name).catch(() => undefined) : undefined;
    if (!role || role.path !== path || nameKey(role.name) !== nameKey(name))
      throw denied(caller, 'sts:AssumeRole', arn);
    return role;
  }

  return {
    async assumeRole(caller: Principal, region: string, input: AssumeRoleInput): Promise<AssumeRoleResult> {
      if (caller.type === 'Root')
        throw new AppError('AccessDenied', 403, 'Roles may not be assumed by root accounts.');
      const role = await findRole(caller, input.roleArn);
      const duration = input.durationSeconds ?? 3600;
      if (caller.type === 'AssumedRole' && duration > 3600)
        throw validationError(
          'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
        );
      if (duration > role.max_session_duration)
        throw validationError(
          'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        );
      if (input.policy !== undefined) {
        parseDocument(input.policy, 'session');
        checkSize([input.policy], policySizeLimits.sessionPolicy.limit, 'Session policy is too large.');
      }
      const carried = await transitiveTags(caller);
      const tags = [...carried, ...(input.tags ?? [])];
      checkDistinctKeys(tags.map((t) => t.Key));
      const tagKeys = new Set(tags.map((t) => t.Key.toLowerCase()));
      for (const key of input.transitiveTagKeys ?? [])
        if (!tagKeys.has(key.toLowerCase()))
          throw validationError(`The transitive tag key ${key} is not one of the session's tags.`);

      const identity = await deps.contextOf(caller);
      // A chained session keeps its caller's source identity, which cannot be changed (AWS's rule).
      const carriedSource = identity.sourceIdentity;
      if (
        carriedSource !== undefined &&
        input.sourceIdentity !== undefined &&
        input.sourceIdentity !== carriedSource
      )
        throw denied(caller, 'sts:SetSourceIdentity', input.roleArn);
      const sourceIdentity = input.sourceIdentity ?? carriedSource;
      const trust = parseDocument(role.trust_policy, 'trust');
      const arn = roleArn(role);
      const actions = ['sts:AssumeRole'];
      if (input.tags?.length || input.transitiveTagKeys?.length) actions.push('sts:TagSession');
      // Carried through a chain, the source identity is set again: the next role's trust must allow it.
      if (sourceIdentity !== undefined) actions.push('sts:SetSourceIdentity');
      for (const action of actions) {
        const decision = evaluateTrust(trustRequest(caller, identity, action, arn, input), trust, {
          identity: identity.identity,
          ...(identity.boundary ? { boundary: identity.boundary } : {}),
          ...(identity.session ? { session: identity.session } : {}),
        });
        if (decision.effect !== 'Allow') throw denied(caller, action, arn);
      }

      const at = now(ctx);
      const transitive = [...carried.map((t) => t.Key), ...(input.transitiveTagKeys ?? [])];
      const credentials = await issue({
        account_id: caller.accountId,
        kind: 'AssumedRole',
        subject_id: role.id,
        role_arn: arn,
        session_name: input.sessionName,
        policy: input.policy ?? null,
        policy_arns: JSON.stringify(input.policyArns ?? []),
        tags: JSON.stringify(tags),
        transitive_tag_keys: JSON.stringify(transitive),
        source_identity: sourceIdentity ?? null,
        created_at: at,
        expires_at: at + duration * 1000,
      });
      await roles.noteRoleUse(role.id, region);
      return {
        Credentials: credentials,
        AssumedRoleUser: {
          AssumedRoleId: `${role.id}:${input.sessionName}`,
          Arn: assumedRoleArn(caller.accountId, role.name, input.sessionName),
        },
        ...(sourceIdentity !== undefined ? { SourceIdentity: sourceIdentity } : {}),
      };
    },

    async serviceSession(accountId, role, service, sessionName, durationSeconds) {
      return (await serviceSession(accountId, role, service, sessionName, durationSeconds)).principal;
    },

    async serviceCredentials(accountId, role, service, sessionName, durationSeconds) {
      return (await serviceSession(accountId, role, service, sessionName, durationSeconds)).credentials;
    },

    async getSessionToken(
      caller: Principal,
      durationSeconds: number | undefined,
    ): Promise<SessionTokenResult> {
      // Any session, a user's own included: else a session could re-mint itself past its key's deletion.
      if ((caller.type !== 'IAMUser' && caller.type !== 'Root') || isSessionPrincipal(caller))
        throw new AppError('AccessDenied', 403, 'Cannot call GetSessionToken with session credentials');
      // As in AWS, a root session lasts an hour at most, whatever was asked.
      const asked = durationSeconds ?? 43200;
      const duration = caller.type === 'Root' ? Math.min(asked, 3600) : asked;
      const at = now(ctx);
      const credentials = await issue({
        account_id: caller.accountId,
        kind: caller.type,
        subject_id: caller.userId,
        role_arn: null,
        session_name: null,
        policy: null,
        policy_arns: '[]',
        tags: '[]',
        transitive_tag_keys: '[]',
        source_identity: null,
        created_at: at,
        expires_at: at + duration * 1000,
      });
      return { Credentials: credentials };
    },
  };
}
