/**
 * A refused policy document. `message` is the text IAM answers in MalformedPolicyDocument; IAM's own
 * wording is terse ("Syntax errors in policy."), so `detail` says which element was at fault.
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly detail: string;

  constructor(message: string, detail?: string) {
    super(message);
    this.detail = detail ?? message;
  }
}

/** IAM's wording, as its API answers it. */
export const policyMessages = {
  syntax: 'Syntax errors in policy.',
  legacy: 'The policy failed legacy parsing',
  principalForbidden: 'Policy document should not specify a principal.',
  principalMissing: 'Missing required field Principal',
  actionMissingIdentity: 'Policy statement must contain actions.',
  actionMissingResource: 'Missing required field Action',
  resourceMissing: 'Policy statement must contain resources.',
  sidUnique: 'Statement IDs (SID) in a single policy must be unique.',
  sidAlphanumeric:
    'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
  actionVendor: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  actionColons: 'Actions/Condition can contain only one colon.',
  trustActions: 'AssumeRole policy may only specify STS AssumeRole actions.',
  resourceVendor: 'Resource vendor must be fully qualified and cannot contain regexes.',
  prohibitedField: (field: string) => `Has prohibited field ${field}`,
  vendorInvalid: (vendor: string) => `Vendor ${vendor} is not valid`,
  resourceNotArn: (resource: string) => `Resource ${resource} must be in ARN format or "*".`,
  partitionInvalid: (partition: string, resource: string) =>
    `Partition "${partition}" is not valid for resource "${resource}".`,
  iamRegion: (resource: string) => `IAM resource ${resource} cannot contain region information.`,
  invalidPrincipal: (key: string, value: string) => `Invalid principal in policy: "${key}":"${value}"`,
} as const;

/** Throws the generic syntax refusal with a precise detail. */
export function syntaxError(detail: string): never {
  throw new PolicyError(policyMessages.syntax, detail);
}

/** Throws IAM's legacy-parser refusal (bad Effect, unparseable dates, short ARNs) with a detail. */
export function legacyError(detail: string): never {
  throw new PolicyError(policyMessages.legacy, detail);
}
