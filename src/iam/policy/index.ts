/** The IAM policy language: parse and validate documents, evaluate requests, explain denials. */

/** Decides a request against identity, resource, boundary and session policies; and role trust. */
export { type EvaluateOptions, evaluate, evaluateTrust } from './evaluate.js';
/** The AccessDenied wording AWS uses for a denial. */
export { denialReason, explainDenial } from './explain-denial.js';
/** Whether an address lies in a CIDR range (or is the address) a policy's IP condition names. */
export { ipInRange } from './ip-address.js';
/** Parses and validates a policy for where it is attached, returning a frozen tree. */
export { parsePolicy } from './parse-policy.js';
/** Thrown for a refused document; `message` is IAM's MalformedPolicyDocument text, `detail` says why. */
export { PolicyError, policyMessages } from './policy-error.js';
/** Policy size quotas and the measure IAM applies (characters without white space, or S3's bytes). */
export {
  checkPolicySize,
  type PolicySizeCheck,
  type PolicySizeLimit,
  type PolicySizeMeasure,
  policySize,
  policySizeLimits,
} from './policy-size.js';
/** The policy tree and the request shapes. */
export type {
  Condition,
  ConditionOperator,
  ContextValue,
  Decision,
  DenyDecision,
  Effect,
  MatchBlock,
  Policy,
  PolicyKind,
  PolicySet,
  PolicyType,
  PolicyVersion,
  PrincipalBlock,
  PrincipalMap,
  PrincipalSpec,
  PrincipalType,
  RequestContext,
  RequestPrincipal,
  SetQualifier,
  Statement,
} from './policy-types.js';
