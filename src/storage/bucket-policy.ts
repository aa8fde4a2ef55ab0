import { type AppError, badRequest } from '../errors.js';
import {
  ipInRange,
  type Policy,
  PolicyError,
  parsePolicy,
  policyMessages,
  type Statement,
} from '../iam/policy/index.js';
import { s3Arn } from './s3-arn.js';
import { isS3ConditionKey, S3_POLICY_ACTIONS, type S3ActionResource } from './s3-policy-actions.js';

/**
 * S3's rules for a bucket policy on top of the IAM policy language: its size, S3's own MalformedPolicy
 * wording, principals, resources and actions that name this bucket and S3, and what makes a policy public.
 */

/** S3's limit on a bucket policy, in bytes. */
export const MAX_BUCKET_POLICY_BYTES = 20 * 1024;

export function malformedPolicy(message: string): AppError {
  return badRequest('MalformedPolicy', message);
}

const S3_MESSAGES = {
  firstByte: "Policies must be valid JSON and the first byte must be '{'",
  invalidJson: 'This policy contains invalid Json',
  emptyStatement: 'Could not parse the policy: Statement is empty!',
  version: 'The policy must contain a valid version string',
  principal: 'Invalid principal in policy',
  resource: 'Policy has invalid resource',
  action: 'Policy has invalid action',
  mismatch: 'Action does not apply to any resource(s) in statement',
  tooLarge: 'Policy exceeds the maximum allowed document size.',
  conditionKey: 'Policy has an invalid condition key',
  ipAddress: 'Invalid IP address in Conditions',
} as const;

/** A bucket policy naming a principal that does not exist. */
export function invalidPrincipal(): AppError {
  return malformedPolicy(S3_MESSAGES.principal);
}

export function policyTooLarge(): AppError {
  return malformedPolicy(S3_MESSAGES.tooLarge);
}

const RESOURCE_FAULTS: ReadonlySet<string> = new Set([policyMessages.resourceVendor]);
const ACTION_FAULTS: ReadonlySet<string> = new Set([
  policyMessages.actionVendor,
  policyMessages.actionColons,
]);

/** S3 words the faults the policy language finds its own way; IAM's wording where S3's is the same. */
function s3Message(error: PolicyError): string {
  const { message, detail } = error;
  if (message === policyMessages.syntax)
    return detail === 'Statement must not be empty' ? S3_MESSAGES.emptyStatement : detail;
  if (message === policyMessages.legacy) {
    if (detail.startsWith('Version ')) return S3_MESSAGES.version;
    if (detail.startsWith('Resource ')) return S3_MESSAGES.resource;
    return detail;
  }
  if (message === policyMessages.resourceMissing) return 'Missing required field Resource';
  if (RESOURCE_FAULTS.has(message) || /^(Resource|Partition|IAM resource) /.test(message))
    return S3_MESSAGES.resource;
  if (ACTION_FAULTS.has(message) || message.startsWith('Vendor ')) return S3_MESSAGES.action;
  if (message.startsWith('Invalid principal in policy')) return S3_MESSAGES.principal;
  return message;
}

/** The text of a policy body: UTF-8 whose first byte is `{` and that is JSON. */
function policyText(bytes: Buffer): string {
  if (bytes[0] !== 0x7b) throw malformedPolicy(S3_MESSAGES.firstByte);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    JSON.parse(text);
  } catch {
    throw malformedPolicy(S3_MESSAGES.invalidJson);
  }
  return text;
}

const ACCOUNT = /^\d{12}$/;
const IAM_PRINCIPAL = /^arn:aws:iam::\d{12}:(root|user\/.+|role\/.+)$/;
const SESSION_PRINCIPAL = /^arn:aws:sts::\d{12}:assumed-role\/[^/]+\/.+$/;

/** The service principals that act on buckets in Seawall: CloudTrail delivering trails' files. */
const SERVICE_PRINCIPALS: ReadonlySet<string> = new Set(['cloudtrail.amazonaws.com']);

function checkPrincipal(statement: Statement): void {
  const spec = statement.principal?.spec;
  if (spec === undefined || spec === '*') return;
  const services = spec.Service.filter((service) => !SERVICE_PRINCIPALS.has(service));
  const others = [...services, ...spec.Federated, ...spec.CanonicalUser];
  const valid = (p: string) =>
    p === '*' || ACCOUNT.test(p) || IAM_PRINCIPAL.test(p) || SESSION_PRINCIPAL.test(p);
  if (others.length > 0 || !spec.AWS.every(valid)) throw malformedPolicy(S3_MESSAGES.principal);
}

/** The resource types a statement's Resource names: this bucket, its objects, or refused. */
function resourceTypes(statement: Statement, bucket: string): ReadonlySet<S3ActionResource> {
  const arn = s3Arn(bucket);
  const types = new Set<S3ActionResource>();
  for (const pattern of statement.resource?.patterns ?? []) {
    if (pattern === arn) types.add('bucket');
    else if (pattern.startsWith(`${arn}/`)) types.add('object');
    else throw malformedPolicy(S3_MESSAGES.resource);
  }
  return types;
}

function globRegExp(pattern: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i');
}

/** The resource types of the S3 actions a pattern names; refused when it names none. */
function actionTypes(pattern: string): ReadonlySet<S3ActionResource> {
  if (pattern === '*') return new Set(['bucket', 'object', 'account']);
  const colon = pattern.indexOf(':');
  if (colon < 0 || pattern.slice(0, colon).toLowerCase() !== 's3') throw malformedPolicy(S3_MESSAGES.action);
  const name = globRegExp(pattern.slice(colon + 1));
  const types = new Set<S3ActionResource>();
  for (const [action, type] of S3_POLICY_ACTIONS) if (name.test(action)) types.add(type);
  if (types.size === 0) throw malformedPolicy(S3_MESSAGES.action);
  return types;
}

function checkActions(statement: Statement, resources: ReadonlySet<S3ActionResource>): void {
  const action = statement.action;
  if (action === undefined) return;
  for (const pattern of action.patterns) {
    const types = actionTypes(pattern);
    // NotAction and NotResource name what a statement leaves out, so they need not meet.
    if (action.negated || statement.resource?.negated) continue;
    if (![...types].some((type) => resources.has(type))) throw malformedPolicy(S3_MESSAGES.mismatch);
  }
}

/** An address or CIDR range as a policy writes it: one that holds its own base address. */
const isIpRange = (value: string) => ipInRange(value.split('/')[0] ?? '', value);

/**
 * S3 refuses a condition key that is neither a global `aws:` key nor one of its own (another service's too),
 * and an IP condition on a value that is no address or range.
 */
function checkConditions(statement: Statement): void {
  for (const { key, operator, values } of statement.conditions) {
    if (!isS3ConditionKey(key)) throw malformedPolicy(S3_MESSAGES.conditionKey);
    if ((operator === 'IpAddress' || operator === 'NotIpAddress') && !values.every(isIpRange))
      throw malformedPolicy(S3_MESSAGES.ipAddress);
  }
}

/**
 * Reads a PutBucketPolicy body as S3 does: UTF-8 JSON beginning with `{`, a valid resource policy, whose
 * principals are `*`, accounts or IAM principals, whose resources are this bucket and its objects, whose
 * actions are S3's and apply to those resources, and whose condition keys are S3's or global ones. Throws
 * MalformedPolicy with S3's message.
 */
export function parseBucketPolicy(bytes: Buffer, bucket: string): { text: string; policy: Policy } {
  if (bytes.length > MAX_BUCKET_POLICY_BYTES) throw policyTooLarge();
  const text = policyText(bytes);
  let policy: Policy;
  try {
    policy = parsePolicy(text, 'resource');
  } catch (error) {
    if (error instanceof PolicyError) throw malformedPolicy(s3Message(error));
    throw error;
  }
  for (const statement of policy.statements) {
    checkPrincipal(statement);
    checkActions(statement, resourceTypes(statement, bucket));
    checkConditions(statement);
  }
  return { text, policy };
}

/** The condition keys whose fixed values make a grant to everyone non-public, with the operators that fix them. */
const STRING_OPERATORS: ReadonlySet<string> = new Set([
  'StringEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'ArnEquals',
  'ArnLike',
]);
const RESTRICTING_KEYS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['aws:sourceip', new Set(['IpAddress'])],
  ...[
    'aws:SourceArn',
    'aws:SourceVpc',
    'aws:SourceVpce',
    'aws:SourceAccount',
    'aws:SourceOwner',
    'aws:userid',
    'aws:PrincipalAccount',
    'aws:PrincipalArn',
    'aws:PrincipalOrgID',
    's3:DataAccessPointArn',
    's3:DataAccessPointAccount',
  ].map((key) => [key.toLowerCase(), STRING_OPERATORS] as const),
]);

/** Narrower ranges than these are a fixed set of addresses; wider ones are as good as everyone. */
const MIN_IPV4_PREFIX = 8;
const MIN_IPV6_PREFIX = 32;

function fixedValue(key: string, value: string): boolean {
  if (/[*?]|\$\{/.test(value)) return false;
  if (key !== 'aws:sourceip') return value !== '';
  const slash = value.indexOf('/');
  if (slash < 0) return true;
  const prefix = Number(value.slice(slash + 1));
  return prefix >= (value.includes(':') ? MIN_IPV6_PREFIX : MIN_IPV4_PREFIX);
}

function restricts(condition: Statement['conditions'][number]): boolean {
  const key = condition.key.toLowerCase();
  const operators = RESTRICTING_KEYS.get(key);
  if (!operators?.has(condition.operator)) return false;
  // IfExists passes when the key is missing, and ForAllValues passes on an empty set: neither restricts.
  if (condition.ifExists || condition.setQualifier === 'ForAllValues') return false;
  return condition.values.length > 0 && condition.values.every((v) => fixedValue(key, v));
}

function grantsEveryone(statement: Statement): boolean {
  const principal = statement.principal;
  if (principal === undefined || principal.negated) return true;
  return principal.spec === '*' || principal.spec.AWS.includes('*');
}

/**
 * Whether S3 calls a policy public ("The meaning of public", S3 Block Public Access): it is, unless every
 * statement that allows a wildcard principal is limited by a fixed value of aws:SourceIp (a range no wider
 * than /8, or /32 for IPv6), aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceAccount,
 * aws:SourceOwner, aws:userid, aws:PrincipalAccount, aws:PrincipalArn, aws:PrincipalOrgID,
 * s3:DataAccessPointArn or s3:DataAccessPointAccount. A fixed value has no wildcard and no policy variable.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
 */
export function isPublicPolicy(policy: Policy): boolean {
  return policy.statements.some(
    (statement) =>
      statement.effect === 'Allow' && grantsEveryone(statement) && !statement.conditions.some(restricts),
  );
}
