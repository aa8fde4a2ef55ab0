import { conditionHolds } from './evaluate-conditions.js';
import { globMatch, matchArn } from './patterns.js';
import type {
  MatchBlock,
  Policy,
  PrincipalSpec,
  RequestContext,
  RequestPrincipal,
  Statement,
} from './policy-types.js';
import type { EvalContext } from './request-context.js';

/**
 * How a resource-based statement names the caller. The evaluation logic page treats these differently:
 * a grant `direct` to the user or session (or to everyone) stands alone; one to the `role` behind a
 * session is still limited by boundaries and session policies; one to the `account` delegates to the
 * account's identity-based policies.
 */
export type Grant = 'none' | 'account' | 'role' | 'direct';

const rank: Readonly<Record<Grant, number>> = { none: 0, account: 1, role: 2, direct: 3 };

export function strongerGrant(a: Grant, b: Grant): Grant {
  return rank[a] >= rank[b] ? a : b;
}

const accountRootPattern = /^arn:[^:]+:iam::(\d{12}):root$/;

function namesAccount(value: string, accountId: string): boolean {
  return value === accountId || accountRootPattern.exec(value)?.[1] === accountId;
}

function awsGrant(value: string, principal: RequestPrincipal): Grant {
  if (principal.type === 'Service') return 'none';
  if (value === '*') return 'direct';
  if (principal.type === 'Anonymous') return 'none';
  if (namesAccount(value, principal.accountId)) return principal.type === 'Root' ? 'direct' : 'account';
  if (value === principal.arn) return 'direct';
  if (principal.roleArn !== undefined && value === principal.roleArn) return 'role';
  return 'none';
}

/** The strongest way a Principal element names the caller. */
export function principalGrant(spec: PrincipalSpec, principal: RequestPrincipal): Grant {
  if (spec === '*') return 'direct';
  let grant: Grant = 'none';
  for (const value of spec.AWS) grant = strongerGrant(grant, awsGrant(value, principal));
  const named = (values: readonly string[]) => values.includes(principal.arn);
  if (principal.type === 'Service' && named(spec.Service)) grant = 'direct';
  if (principal.type !== 'Service' && principal.type !== 'Anonymous' && named(spec.Federated))
    grant = 'direct';
  return grant;
}

/**
 * NotPrincipal excludes a caller only when it lists every identity the request carries: the session,
 * the role or user behind it, and the account, as the NotPrincipal page requires.
 */
export function notPrincipalExcludes(spec: PrincipalSpec, principal: RequestPrincipal): boolean {
  if (spec === '*' || spec.AWS.includes('*')) return true;
  if (principal.type === 'Service') return spec.Service.includes(principal.arn);
  if (principal.type === 'Anonymous') return false;
  const arns = [principal.arn];
  if (principal.roleArn !== undefined) arns.push(principal.roleArn);
  const listsAccount = spec.AWS.some((value) => namesAccount(value, principal.accountId));
  const listsArns = arns.every((arn) => spec.AWS.includes(arn) || spec.Federated.includes(arn));
  return principal.type === 'Root' ? listsAccount || listsArns : listsAccount && listsArns;
}

function blockMatches(block: MatchBlock | undefined, matches: (pattern: string) => boolean): boolean {
  if (block === undefined) return true;
  return block.patterns.some(matches) !== block.negated;
}

/** Action, Resource and Condition: everything in a statement except who it names. */
export function statementMatches(
  statement: Statement,
  policy: Policy,
  request: RequestContext,
  context: EvalContext,
): boolean {
  const variables = policy.version === '2012-10-17';
  const resolver = variables ? context.resolve : undefined;
  return (
    blockMatches(statement.action, (pattern) => globMatch(pattern, request.action, true)) &&
    blockMatches(statement.resource, (pattern) => matchArn(pattern, request.resource, resolver)) &&
    statement.conditions.every((condition) => conditionHolds(condition, context, variables))
  );
}
