import { AppError } from '../errors.js';
import type { Authorizer, AuthzCheck, Principal, RequestFacts } from '../lib/operation.js';

/** The account an ARN names (its fifth field), if it names one: S3's bucket and object ARNs do not. */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account === undefined || account === '' ? undefined : account;
}

/** The AccessDenied every protocol answers, with AWS's message naming the caller, action and resource. */
export function accessDenied(principal: Principal, action: string, resource: string, why: string): AppError {
  const shown = action.startsWith('s3:') ? `"${resource}"` : resource;
  return new AppError(
    'AccessDenied',
    403,
    `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${shown} ${why}`,
    { protocolCodes: { json: 'AccessDeniedException', query: 'AccessDenied' } },
  );
}

/** Decides one action on one resource for a principal that is not its account's root. */
export type PolicyDecider = (
  principal: Principal,
  action: string,
  resource: string,
  check: AuthzCheck,
  facts: RequestFacts,
) => Promise<{ allowed: true } | { allowed: false; why: string }>;

/**
 * The authorizer of every request. An account's root may do anything to its own account's resources (no
 * identity policy can limit it); any other principal is decided by its policies, through `decide`.
 */
export function createAuthorizer(deps: { decide: PolicyDecider }): Authorizer {
  return {
    async authorize(principal, check, facts) {
      for (const resource of check.resources) {
        const owner = accountOfArn(resource);
        if (principal.type === 'Root') {
          if (owner === undefined || owner === principal.accountId || owner === 'aws') continue;
          throw accessDenied(
            principal,
            check.action,
            resource,
            'because no resource-based policy allows the ' + `${check.action} action`,
          );
        }
        const decision = await deps.decide(principal, check.action, resource, check, facts);
        if (!decision.allowed) throw accessDenied(principal, check.action, resource, decision.why);
      }
    },
  };
}

/** Until a principal's policies can be read, nobody but an account's root is allowed anything. */
export const denyAllButRoot: PolicyDecider = async (_principal, action) => ({
  allowed: false,
  why: `because no identity-based policy allows the ${action} action`,
});
