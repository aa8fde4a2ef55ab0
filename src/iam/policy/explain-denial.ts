import type { DenyDecision, PolicyType, RequestContext } from './policy-types.js';

/**
 * AccessDenied wording from https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html:
 * "with an explicit deny in a <type> policy" or "because no <type> policy allows the <action> action".
 */

const explicitPhrases: Readonly<Record<PolicyType, string>> = {
  'identity-based': 'with an explicit deny in an identity-based policy',
  'resource-based': 'with an explicit deny in a resource-based policy',
  'permissions boundary': 'with an explicit deny in a permissions boundary',
  session: 'with an explicit deny in a session policy',
};

const implicitSubjects: Readonly<Record<PolicyType, string>> = {
  'identity-based': 'identity-based policy',
  'resource-based': 'resource-based policy',
  'permissions boundary': 'permissions boundary',
  session: 'session policy',
};

/** The context phrase AWS appends to an AccessDenied message, e.g. "because no session policy allows the s3:GetObject action". */
export function denialReason(decision: DenyDecision, action: string): string {
  const type = decision.policyType ?? 'identity-based';
  if (decision.reason === 'explicit') return explicitPhrases[type];
  return `because no ${implicitSubjects[type]} allows the ${action} action`;
}

/** The whole AccessDenied message: "User: <arn> is not authorized to perform: <action> on resource: <arn> <reason>". */
export function explainDenial(
  decision: DenyDecision,
  request: Pick<RequestContext, 'action' | 'resource'> & { readonly principal: { readonly arn: string } },
): string {
  const onResource = request.resource === '*' ? '' : ` on resource: ${request.resource}`;
  const reason = denialReason(decision, request.action);
  return `User: ${request.principal.arn} is not authorized to perform: ${request.action}${onResource} ${reason}`;
}
