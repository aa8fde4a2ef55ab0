import type { Principal, RequestFacts } from '../lib/operation.js';
import type { ContextValue } from './policy/index.js';

/** What a principal's identity adds to the global keys (an AuthorizationContext has all of it). */
export interface IdentityKeys {
  /** aws:PrincipalTag/<key> values. */
  readonly principalTags?: Readonly<Record<string, string>>;
  /** For a role session: the role's ARN (aws:PrincipalArn). */
  readonly roleArn?: string;
  /** For a role session that carries one: aws:SourceIdentity (and sts:SourceIdentity). */
  readonly sourceIdentity?: string;
}

const PRINCIPAL_TYPES: Record<Principal['type'], string> = {
  Root: 'Account',
  IAMUser: 'User',
  AssumedRole: 'AssumedRole',
  Anonymous: 'Anonymous',
};

/**
 * The global condition keys of a request (docs: "AWS global condition context keys"), for every decision
 * made on a request's behalf: the authorizer's, and the trust evaluation of AssumeRole.
 */
export function globalKeys(
  principal: Principal,
  identity: IdentityKeys,
  facts: RequestFacts,
): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = {
    'aws:CurrentTime': facts.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(facts.time.getTime() / 1000)),
    'aws:SourceIp': facts.sourceIp.replace(/^::ffff:/, ''),
    'aws:SecureTransport': String(facts.secureTransport),
    'aws:UserAgent': facts.userAgent,
  };
  if (principal.type === 'Anonymous') return keys;
  keys['aws:PrincipalAccount'] = principal.accountId;
  keys['aws:PrincipalArn'] = identity.roleArn ?? principal.arn;
  keys['aws:PrincipalType'] = PRINCIPAL_TYPES[principal.type];
  keys['aws:userid'] = principal.userId;
  if (principal.username !== undefined) keys['aws:username'] = principal.username;
  // Temporary credentials (ASIA…: role sessions, GetSessionToken and console sessions) say whether MFA was
  // used, and Seawall has no MFA; long-term keys leave the key absent.
  if (principal.type === 'AssumedRole' || principal.accessKeyId.startsWith('ASIA'))
    keys['aws:MultiFactorAuthPresent'] = 'false';
  for (const [key, value] of Object.entries(identity.principalTags ?? {}))
    keys[`aws:PrincipalTag/${key}`] = value;
  if (identity.sourceIdentity !== undefined) {
    keys['aws:SourceIdentity'] = identity.sourceIdentity;
    keys['sts:SourceIdentity'] = identity.sourceIdentity;
  }
  return keys;
}
