import type { VariableResolver } from './patterns.js';
import type { PrincipalType, RequestContext } from './policy-types.js';

/** The request's condition keys, lower-cased (key names are case-insensitive), each as a list of values. */
export interface EvalContext {
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly resolve: VariableResolver;
}

const principalTypeValues: Readonly<Record<PrincipalType, string>> = {
  Root: 'Account',
  IAMUser: 'User',
  AssumedRole: 'AssumedRole',
  FederatedUser: 'FederatedUser',
  Anonymous: 'Anonymous',
  Service: 'Service',
};

/** The global keys AWS puts in every request context for this principal, unless the caller gave them. */
function principalKeys(request: RequestContext): [string, string | undefined][] {
  const { principal } = request;
  const named = principal.type !== 'Anonymous' && principal.type !== 'Service';
  const username =
    principal.type === 'IAMUser'
      ? (principal.username ?? principal.arn.slice(principal.arn.lastIndexOf('/') + 1))
      : undefined;
  return [
    ['aws:principaltype', principalTypeValues[principal.type]],
    ['aws:principalaccount', named ? principal.accountId : undefined],
    [
      'aws:principalarn',
      named ? (principal.type === 'AssumedRole' ? principal.roleArn : principal.arn) : undefined,
    ],
    ['aws:username', username],
    ['aws:userid', principal.type === 'Anonymous' ? 'anonymous' : principal.userId],
    ['aws:principalservicename', principal.type === 'Service' ? principal.arn : undefined],
  ];
}

/** Normalizes the context once per request so every condition and variable reads the same view. */
export function buildEvalContext(request: RequestContext): EvalContext {
  const values = new Map<string, readonly string[]>();
  for (const [key, value] of Object.entries(request.context)) {
    if (value === undefined) continue;
    values.set(key.toLowerCase(), typeof value === 'string' ? [value] : [...value]);
  }
  for (const [key, value] of principalKeys(request)) {
    if (value !== undefined && !values.has(key)) values.set(key, [value]);
  }
  const resolve: VariableResolver = (key) => {
    const found = values.get(key.toLowerCase());
    // A list cannot stand in for one variable; treat it as unresolved.
    return found?.length === 1 ? found[0] : undefined;
  };
  return { values, resolve };
}
