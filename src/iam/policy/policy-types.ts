/**
 * The parsed, immutable tree of an IAM policy document and the shapes that evaluation takes.
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */

/** Where a policy is attached; decides which elements are required or forbidden. */
export type PolicyKind = 'identity' | 'resource' | 'trust' | 'boundary' | 'session';

export type PolicyVersion = '2012-10-17' | '2008-10-17';

export type Effect = 'Allow' | 'Deny';

/** A principal map with every key present, each a list (possibly empty). */
export interface PrincipalMap {
  readonly AWS: readonly string[];
  readonly Service: readonly string[];
  readonly Federated: readonly string[];
  readonly CanonicalUser: readonly string[];
}

export type PrincipalSpec = '*' | PrincipalMap;

/** `Principal` or `NotPrincipal`: `negated` is true for the latter. */
export interface PrincipalBlock {
  readonly negated: boolean;
  readonly spec: PrincipalSpec;
}

/** `Action`/`NotAction` or `Resource`/`NotResource`, always as a list of patterns. */
export interface MatchBlock {
  readonly negated: boolean;
  readonly patterns: readonly string[];
}

export type SetQualifier = 'ForAllValues' | 'ForAnyValue';

export type ConditionOperator =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike'
  | 'NumericEquals'
  | 'NumericNotEquals'
  | 'NumericLessThan'
  | 'NumericLessThanEquals'
  | 'NumericGreaterThan'
  | 'NumericGreaterThanEquals'
  | 'DateEquals'
  | 'DateNotEquals'
  | 'DateLessThan'
  | 'DateLessThanEquals'
  | 'DateGreaterThan'
  | 'DateGreaterThanEquals'
  | 'Bool'
  | 'BinaryEquals'
  | 'IpAddress'
  | 'NotIpAddress'
  | 'ArnEquals'
  | 'ArnLike'
  | 'ArnNotEquals'
  | 'ArnNotLike'
  | 'Null';

/** One `operator: { key: values }` pair; a statement's conditions are all ANDed. */
export interface Condition {
  readonly operator: ConditionOperator;
  readonly ifExists: boolean;
  readonly setQualifier?: SetQualifier;
  /** As written in the policy; matched case-insensitively. */
  readonly key: string;
  /** JSON numbers and booleans keep their literal text, as AWS stores them. */
  readonly values: readonly string[];
}

export interface Statement {
  readonly sid?: string;
  readonly effect: Effect;
  readonly principal?: PrincipalBlock;
  readonly action?: MatchBlock;
  readonly resource?: MatchBlock;
  readonly conditions: readonly Condition[];
}

export interface Policy {
  readonly kind: PolicyKind;
  /** `2008-10-17` when the document names none, as AWS defaults. */
  readonly version: PolicyVersion;
  readonly id?: string;
  readonly statements: readonly Statement[];
}

export type PrincipalType = 'Root' | 'IAMUser' | 'AssumedRole' | 'FederatedUser' | 'Anonymous' | 'Service';

export interface RequestPrincipal {
  /** The caller's ARN; for `Service`, the service principal name such as `glue.amazonaws.com`. */
  readonly arn: string;
  readonly accountId: string;
  readonly type: PrincipalType;
  readonly userId?: string;
  readonly username?: string;
  /** For `AssumedRole`, the role's ARN; for `FederatedUser`, the ARN of the IAM user who federated. */
  readonly roleArn?: string;
}

export type ContextValue = string | readonly string[] | undefined;

/** What is being asked. */
export interface RequestContext {
  readonly principal: RequestPrincipal;
  /** `service:Action`, matched case-insensitively. */
  readonly action: string;
  /** One ARN, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** The account owning the resource, when known; otherwise taken to be the caller's. */
  readonly resourceAccountId?: string;
  /** Condition keys; names are case-insensitive. */
  readonly context: Readonly<Record<string, ContextValue>>;
}

export interface PolicySet {
  readonly identity: readonly Policy[];
  readonly resource?: readonly Policy[];
  readonly boundary?: Policy | undefined;
  readonly session?: readonly Policy[];
}

export type PolicyType = 'identity-based' | 'resource-based' | 'permissions boundary' | 'session';

export type DenyDecision = {
  readonly effect: 'Deny';
  readonly reason: 'explicit' | 'implicit';
  readonly policyType?: PolicyType;
};

export type Decision = { readonly effect: 'Allow' } | DenyDecision;
