import {
  type Grant,
  notPrincipalExcludes,
  principalGrant,
  statementMatches,
  strongerGrant,
} from './match-statement.js';
import type { Decision, Effect, Policy, PolicySet, PolicyType, RequestContext } from './policy-types.js';
import { buildEvalContext, type EvalContext } from './request-context.js';

/**
 * AWS's evaluation logic for one request:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html and
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 * Organizations SCPs/RCPs, VPC endpoint policies and ACLs are out of scope.
 */

export interface EvaluateOptions {
  /**
   * Role trust policies and KMS key policies must name the caller (at least its account) even within
   * the account: an identity-based allow alone is not enough.
   */
  readonly resourcePolicyRequired?: boolean;
}

interface Scan {
  readonly request: RequestContext;
  readonly context: EvalContext;
  readonly hasBoundary: boolean;
}

const allow: Decision = Object.freeze({ effect: 'Allow' });

function deny(reason: 'explicit' | 'implicit', policyType: PolicyType): Decision {
  return Object.freeze({ effect: 'Deny', reason, policyType });
}

/** Whether any statement with this effect in these principal-less policies applies. */
function identityMatch(policies: readonly Policy[], effect: Effect, scan: Scan): boolean {
  return policies.some((policy) =>
    policy.statements.some(
      (statement) =>
        statement.effect === effect && statementMatches(statement, policy, scan.request, scan.context),
    ),
  );
}

function statementGrant(policy: Policy, index: number, effect: Effect, scan: Scan): Grant {
  const statement = policy.statements[index];
  if (statement?.effect !== effect || statement.principal === undefined) return 'none';
  const { principal } = scan.request;
  const { negated, spec } = statement.principal;
  // The boundaries page: NotPrincipal with Deny always denies a principal that has a permissions boundary.
  const named = negated
    ? !notPrincipalExcludes(spec, principal) || (effect === 'Deny' && scan.hasBoundary)
      ? 'direct'
      : 'none'
    : principalGrant(spec, principal);
  if (named === 'none') return 'none';
  return statementMatches(statement, policy, scan.request, scan.context) ? named : 'none';
}

/** The strongest way a statement with this effect in the resource-based policies names the caller. */
function resourceMatch(policies: readonly Policy[], effect: Effect, scan: Scan): Grant {
  let grant: Grant = 'none';
  for (const policy of policies) {
    for (let i = 0; i < policy.statements.length; i++)
      grant = strongerGrant(grant, statementGrant(policy, i, effect, scan));
  }
  return grant;
}

function isSession(request: RequestContext): boolean {
  return request.principal.type === 'AssumedRole' || request.principal.type === 'FederatedUser';
}

function hasIdentityPolicies(request: RequestContext): boolean {
  const { type } = request.principal;
  return type === 'IAMUser' || type === 'AssumedRole' || type === 'FederatedUser';
}

/** Step one: an explicit deny in any applicable policy is final. */
function explicitDeny(policies: PolicySet, scan: Scan): Decision | undefined {
  const identityBound = hasIdentityPolicies(scan.request);
  if (identityBound && identityMatch(policies.identity, 'Deny', scan))
    return deny('explicit', 'identity-based');
  if (resourceMatch(policies.resource ?? [], 'Deny', scan) !== 'none')
    return deny('explicit', 'resource-based');
  if (identityBound && policies.boundary !== undefined && identityMatch([policies.boundary], 'Deny', scan)) {
    return deny('explicit', 'permissions boundary');
  }
  if (isSession(scan.request) && identityMatch(policies.session ?? [], 'Deny', scan)) {
    return deny('explicit', 'session');
  }
  return undefined;
}

function isCrossAccount(request: RequestContext): boolean {
  const owner = request.resourceAccountId;
  return owner !== undefined && owner !== request.principal.accountId;
}

/**
 * The root user has full access to its own account, but for a resource whose own policy must allow (a KMS
 * key's); elsewhere a resource-based policy must allow it.
 */
function rootDecision(policies: PolicySet, scan: Scan, options: EvaluateOptions): Decision {
  if (!isCrossAccount(scan.request) && options.resourcePolicyRequired !== true) return allow;
  return resourceMatch(policies.resource ?? [], 'Allow', scan) === 'none'
    ? deny('implicit', 'resource-based')
    : allow;
}

/** Anonymous callers and service principals have no identity policies: only resource policies count. */
function resourceOnlyDecision(policies: PolicySet, scan: Scan): Decision {
  return resourceMatch(policies.resource ?? [], 'Allow', scan) === 'direct'
    ? allow
    : deny('implicit', 'resource-based');
}

interface Limits {
  readonly boundaryAllows: boolean;
  readonly sessionAllows: boolean;
}

function limitsFor(policies: PolicySet, scan: Scan): Limits {
  const boundaryAllows = policies.boundary === undefined || identityMatch([policies.boundary], 'Allow', scan);
  const sessions = policies.session ?? [];
  let sessionAllows = true;
  if (isSession(scan.request)) {
    // The evaluation logic page: without a session policy a role session goes on; a federated user stops.
    sessionAllows =
      sessions.length > 0
        ? identityMatch(sessions, 'Allow', scan)
        : scan.request.principal.type === 'AssumedRole';
  }
  return { boundaryAllows, sessionAllows };
}

function limitDenial(limits: Limits): Decision {
  return deny('implicit', limits.boundaryAllows ? 'session' : 'permissions boundary');
}

function principalDecision(policies: PolicySet, scan: Scan, options: EvaluateOptions): Decision {
  const identityAllows = identityMatch(policies.identity, 'Allow', scan);
  const limits = limitsFor(policies, scan);
  const limited = limits.boundaryAllows && limits.sessionAllows;
  const grant = resourceMatch(policies.resource ?? [], 'Allow', scan);
  if (isCrossAccount(scan.request)) {
    // Both accounts must allow: the caller's identity side, then the resource's policy.
    if (!identityAllows) return deny('implicit', 'identity-based');
    if (!limited) return limitDenial(limits);
    return grant === 'none' ? deny('implicit', 'resource-based') : allow;
  }
  if (grant === 'direct') return allow;
  if (grant === 'role') return limited ? allow : limitDenial(limits);
  if (options.resourcePolicyRequired === true && grant === 'none') return deny('implicit', 'resource-based');
  if (!identityAllows) return deny('implicit', 'identity-based');
  return limited ? allow : limitDenial(limits);
}

/** Decides one request against every policy that applies to it. Pure; never throws on parsed policies. */
export function evaluate(
  request: RequestContext,
  policies: PolicySet,
  options: EvaluateOptions = {},
): Decision {
  const scan: Scan = {
    request,
    context: buildEvalContext(request),
    hasBoundary: policies.boundary !== undefined,
  };
  const denied = explicitDeny(policies, scan);
  if (denied !== undefined) return denied;
  switch (request.principal.type) {
    case 'Root':
      return rootDecision(policies, scan, options);
    case 'Anonymous':
    case 'Service':
      return resourceOnlyDecision(policies, scan);
    default:
      return principalDecision(policies, scan, options);
  }
}

/**
 * sts:AssumeRole and friends: the role's trust policy is the resource-based policy and must name the
 * caller. Naming the caller's user, session or role suffices within the account; naming the account
 * (or a caller in another account) also needs an identity-based allow for the caller.
 */
export function evaluateTrust(
  request: RequestContext,
  trustPolicy: Policy,
  caller: Omit<PolicySet, 'resource'>,
): Decision {
  return evaluate(request, { ...caller, resource: [trustPolicy] }, { resourcePolicyRequired: true });
}
