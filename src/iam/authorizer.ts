import { AppError } from '../errors.js';
import type { Authorizer, AuthzCheck, ConditionValues, Principal, RequestFacts } from '../lib/operation.js';
import { globalKeys } from './global-keys.js';
import {
  type ContextValue,
  type Decision,
  denialReason,
  evaluate,
  type Policy,
  type PolicySet,
  type RequestContext,
  type RequestPrincipal,
} from './policy/index.js';

/** The account an ARN names (its fifth field), if it names one: S3's bucket and object ARNs do not. */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account === undefined || account === '' ? undefined : account;
}

/**
 * The AccessDenied every protocol answers, with AWS's message naming the caller, action and resource. An
 * anonymous caller is told only "Access Denied": AWS gives the context (which kind of policy denied) to callers
 * of the account alone (https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html).
 */
export function accessDenied(principal: Principal, action: string, resource: string, why: string): AppError {
  const shown = action.startsWith('s3:') ? `"${resource}"` : resource;
  return new AppError(
    'AccessDenied',
    403,
    principal.type === 'Anonymous'
      ? 'Access Denied'
      : `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${shown} ${why}`,
    // SNS, alone of the query-protocol services, names it AuthorizationError.
    {
      protocolCodes: {
        json: 'AccessDeniedException',
        query: action.toLowerCase().startsWith('sns:') ? 'AuthorizationError' : 'AccessDenied',
      },
      // The awsJson services (KMS, Glue, Athena) answer it with 400; DataBrew's restJson with 403.
      awsJsonStatus: 400,
    },
  );
}

/** What a principal's identity brings to a decision: its policies and the keys that describe it. */
export interface IdentityPolicies {
  readonly identity: readonly Policy[];
  readonly boundary?: Policy;
  readonly session?: readonly Policy[];
  /** aws:PrincipalTag/<key> values (a user's or role's tags, and a session's tags over them). */
  readonly principalTags?: Readonly<Record<string, string>>;
  /** For a role session: the role's ARN (aws:PrincipalArn), which its policies name. */
  readonly roleArn?: string;
  /** For a role session that carries one: its source identity (aws:SourceIdentity, sts:SourceIdentity). */
  readonly sourceIdentity?: string;
}

/** Where the authorizer finds policies: the principal's, and the resource's own (a bucket policy). */
export interface PolicySource {
  identityPolicies(principal: Principal): Promise<IdentityPolicies>;
  /** The resource-based policies of a resource, undefined when it has none (or does not exist). */
  resourcePolicies(
    resource: string,
    principal: Principal,
    /** The check's condition keys: an object's ACL is the one of the version `s3:versionid` names. */
    conditions?: ConditionValues,
  ): Promise<readonly Policy[] | undefined>;
  /**
   * Whether the resource's own policy must allow the caller, even its account's root, before identity
   * policies count (a KMS key's policy); by default either side may allow within the account.
   */
  resourcePolicyRequired?(resource: string): boolean;
}

const NO_POLICIES: IdentityPolicies = { identity: [] };

/** A request's principal as policies see it: its identity's policies, and the keys that describe it and the request. */
export interface PrincipalContext {
  identity: IdentityPolicies;
  principal: RequestPrincipal;
  keys: Record<string, ContextValue>;
}

/**
 * Who a principal is to a policy: its identity's policies (none for an account's root or an anonymous caller),
 * its ARNs (a role session's role by its full ARN, path included), and the global keys of it and its request
 * (its tags, a session's source identity). Every decision starts from it, and so does KMS's lockout check of a
 * new key policy.
 */
export async function principalContext(
  source: Pick<PolicySource, 'identityPolicies'>,
  principal: Principal,
  facts: RequestFacts,
): Promise<PrincipalContext> {
  const identity =
    principal.type === 'Root' || principal.type === 'Anonymous'
      ? NO_POLICIES
      : await source.identityPolicies(principal);
  return {
    identity,
    principal: {
      arn: principal.arn,
      accountId: principal.accountId,
      type: principal.type,
      userId: principal.userId,
      ...(principal.username !== undefined ? { username: principal.username } : {}),
      ...(identity.roleArn !== undefined ? { roleArn: identity.roleArn } : {}),
    },
    keys: globalKeys(principal, identity, facts),
  };
}

/** The condition keys a policy tests, lowercased; computed once per parsed policy. */
const policyKeys = new WeakMap<Policy, ReadonlySet<string>>();

function keysOf(policy: Policy): ReadonlySet<string> {
  let keys = policyKeys.get(policy);
  if (!keys) {
    keys = new Set(
      policy.statements.flatMap((statement) => statement.conditions.map((c) => c.key.toLowerCase())),
    );
    policyKeys.set(policy, keys);
  }
  return keys;
}

/** Whether some policy of the set tests a condition key that `context` does not hold. */
function namesOtherKeys(policies: PolicySet, context: Readonly<Record<string, unknown>>): boolean {
  const held = new Set(Object.keys(context).map((key) => key.toLowerCase()));
  const all = [...policies.identity, ...(policies.resource ?? []), ...(policies.session ?? [])];
  if (policies.boundary) all.push(policies.boundary);
  return all.some((policy) => [...keysOf(policy)].some((key) => !held.has(key)));
}

/** S3's owner may always manage its bucket's policy, even past a policy that denies everyone (S3 docs). */
const ROOT_ALWAYS = new Set(['s3:getbucketpolicy', 's3:putbucketpolicy', 's3:deletebucketpolicy']);

/**
 * The authorizer of every request: AWS's evaluation (explicit deny, then an allow from an identity-based or
 * resource-based policy, narrowed by boundaries and session policies, else deny) for each resource a check
 * names. An account's root with no resource policy in the way is allowed without evaluating anything.
 */
export function createAuthorizer(source: PolicySource): Authorizer {
  async function decide(
    principal: Principal,
    check: AuthzCheck,
    resource: string,
    facts: RequestFacts,
    lookedUp: () => Promise<ConditionValues>,
  ): Promise<Decision> {
    const resourcePolicies = await source.resourcePolicies(resource, principal, check.conditions);
    const owner = accountOfArn(resource);
    const foreign = owner !== undefined && owner !== 'aws' && owner !== principal.accountId;
    // Required only of a resource that has one: using a key that does not exist is the handler's NotFound.
    const resourcePolicyRequired =
      resourcePolicies !== undefined && source.resourcePolicyRequired?.(resource) === true;
    if (principal.type === 'Root') {
      if (ROOT_ALWAYS.has(check.action.toLowerCase())) return { effect: 'Allow' };
      if (!resourcePolicies && !foreign) return { effect: 'Allow' };
    }
    const { identity, principal: requester, keys } = await principalContext(source, principal, facts);
    const policies: PolicySet = {
      identity: identity.identity,
      ...(resourcePolicies ? { resource: resourcePolicies } : {}),
      ...(identity.boundary ? { boundary: identity.boundary } : {}),
      ...(identity.session ? { session: identity.session } : {}),
    };
    const known = { ...keys, ...check.conditions };
    const request: RequestContext = {
      principal: requester,
      action: check.action,
      resource,
      ...(owner !== undefined && owner !== 'aws' ? { resourceAccountId: owner } : {}),
      // What costs a lookup is looked up only when a policy tests a key the request has not supplied.
      context: namesOtherKeys(policies, known) ? { ...known, ...(await lookedUp()) } : known,
    };
    return evaluate(request, policies, { resourcePolicyRequired });
  }

  return {
    async authorize(principal, check, facts) {
      // A check that names nothing would allow by default; an operation that names no resource says '*'.
      if (check.resources.length === 0) throw new Error(`${check.action} was checked on no resource`);
      // Looked up once for each resource, and only when its policies are evaluated.
      const found = new Map<string, Promise<ConditionValues>>();
      const lookedUp = (resource: string) => () => {
        let values = found.get(resource);
        if (!values) {
          values = check.lookedUpConditions?.(resource) ?? Promise.resolve({});
          found.set(resource, values);
        }
        return values;
      };
      for (const resource of check.resources) {
        const decision = await decide(principal, check, resource, facts, lookedUp(resource));
        if (decision.effect === 'Deny')
          throw accessDenied(principal, check.action, resource, denialReason(decision, check.action));
      }
    },
  };
}
