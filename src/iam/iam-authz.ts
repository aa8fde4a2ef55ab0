import type { Principal } from '../lib/operation.js';
import type { IamContext } from './iam-context.js';
import { roleArn } from './iam-roles.js';
import type { IamAuthorizationContexts, IamGroups, IamPolicies, IamRoles, IamTags } from './iam-types.js';
import { type Policy, type PolicyKind, parsePolicy } from './policy/index.js';

/** What a principal's identity brings to an authorization decision. */
export interface AuthorizationContext {
  /** Identity-based policies: inline and attached, the user's and its groups', or the role's. */
  readonly identity: readonly Policy[];
  readonly boundary?: Policy;
  /** A role session's session policies (inline and managed), which narrow what the role allows. */
  readonly session?: readonly Policy[];
  /** aws:PrincipalTag values: the user's or role's tags, a session's tags over the role's. */
  readonly principalTags: Readonly<Record<string, string>>;
  /** For a role session: the role's ARN (aws:PrincipalArn). */
  readonly roleArn?: string;
  /** For a role session: sts:SourceIdentity. */
  readonly sourceIdentity?: string;
}

const EMPTY: AuthorizationContext = Object.freeze({ identity: [], principalTags: {} });

/**
 * Gathers the policies that decide what a principal may do, parsed once and cached until the next IAM
 * write. A principal whose user, role or session no longer exists gets no policies (so is denied).
 */
export function createAuthorizationContexts(
  ctx: IamContext,
  parts: { groups: IamGroups; roles: IamRoles; policies: IamPolicies; tags: IamTags },
): IamAuthorizationContexts {
  const { groups, roles, policies, tags } = parts;
  let cache = new Map<string, AuthorizationContext>();
  let cachedAt = ctx.generation();

  async function documents(account: string, entityId: string): Promise<string[]> {
    const inline = (await policies.inlinePolicies({ id: entityId })).map((p) => p.document);
    const attached: string[] = [];
    for (const { PolicyArn } of await policies.attachedPolicies({ id: entityId })) {
      const document = await policies.defaultDocument(account, PolicyArn);
      if (document !== undefined) attached.push(document);
    }
    return [...inline, ...attached];
  }

  async function boundaryOf(account: string, arn: string | null): Promise<Policy | undefined> {
    if (arn === null) return undefined;
    const document = await policies.defaultDocument(account, arn);
    return document === undefined ? undefined : parsed(document, 'boundary');
  }

  // Documents parsed once, by their text: a write elsewhere in IAM empties the contexts, not the trees.
  const trees = new Map<string, Policy>();
  function parsed(text: string, kind: PolicyKind): Policy {
    const key = `${kind}\n${text}`;
    let tree = trees.get(key);
    if (!tree) {
      tree = parsePolicy(text, kind);
      if (trees.size >= 2_000) trees.clear();
      trees.set(key, tree);
    }
    return tree;
  }
  const parseAll = (texts: readonly string[], kind: PolicyKind) => texts.map((text) => parsed(text, kind));

  async function forUser(principal: Principal, userId: string): Promise<AuthorizationContext> {
    const user = await ctx.db.selectFrom('iam_users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!user) return EMPTY;
    const texts = await documents(principal.accountId, user.id);
    for (const group of await groups.groupsOfUser(user.id))
      texts.push(...(await documents(principal.accountId, group.id)));
    const boundary = await boundaryOf(principal.accountId, user.permissions_boundary);
    return {
      identity: parseAll(texts, 'identity'),
      ...(boundary ? { boundary } : {}),
      principalTags: Object.fromEntries((await tags.tagsOf(user.id)).map((t) => [t.Key, t.Value])),
    };
  }

  async function forRoleSession(principal: Principal): Promise<AuthorizationContext> {
    const session = await ctx.store.findSession(principal.accessKeyId);
    if (session?.kind !== 'AssumedRole') return EMPTY;
    const role = await roles.findRoleById(session.subject_id);
    if (!role) return EMPTY;
    const boundary = await boundaryOf(principal.accountId, role.permissions_boundary);
    const sessionTexts: string[] = session.policy === null ? [] : [session.policy];
    const policyArns = JSON.parse(session.policy_arns) as string[];
    for (const arn of policyArns) {
      const document = await policies.defaultDocument(principal.accountId, arn);
      if (document !== undefined) sessionTexts.push(document);
    }
    const principalTags = Object.fromEntries((await tags.tagsOf(role.id)).map((t) => [t.Key, t.Value]));
    for (const t of JSON.parse(session.tags) as { Key: string; Value: string }[])
      principalTags[t.Key] = t.Value;
    // Any session policy given, even one gone since, limits the session to what they allow together.
    const hasSessionPolicies = session.policy !== null || policyArns.length > 0;
    return {
      identity: parseAll(await documents(principal.accountId, role.id), 'identity'),
      ...(boundary ? { boundary } : {}),
      ...(hasSessionPolicies ? { session: parseAll(sessionTexts, 'session') } : {}),
      principalTags,
      roleArn: roleArn(role),
      ...(session.source_identity !== null ? { sourceIdentity: session.source_identity } : {}),
    };
  }

  async function build(principal: Principal): Promise<AuthorizationContext> {
    switch (principal.type) {
      case 'IAMUser':
        return forUser(principal, principal.userId);
      case 'AssumedRole':
        return forRoleSession(principal);
      default:
        return EMPTY;
    }
  }

  return {
    async authorizationContext(principal: Principal): Promise<AuthorizationContext> {
      if (cachedAt !== ctx.generation()) {
        cache = new Map();
        cachedAt = ctx.generation();
      }
      const key = `${principal.accessKeyId}\n${principal.arn}`;
      const cached = cache.get(key);
      if (cached) return cached;
      const generation = ctx.generation();
      const built = await build(principal);
      if (generation === ctx.generation()) {
        if (cache.size > 10_000) cache.clear();
        cache.set(key, built);
      }
      return built;
    },
  };
}
