import type { Selectable } from 'kysely';
import type { KmsGrantTable } from '../db/schema.js';
import { badRequest } from '../errors.js';
import { type Policy, parsePolicy } from '../iam/policy/index.js';
import type { EncryptionContext } from './kms-ciphertext.js';

/**
 * KMS grants: a grantee principal allowed some operations on one key, optionally only for requests whose
 * encryption context equals, or includes, the grant's. The authorizer weighs a key's grants as statements of
 * a resource policy beside its key policy, so a grant allows and never overrides an explicit deny.
 */

/** The operations a grant can allow on a symmetric encryption key, and on an HMAC key. */
const ENCRYPTION_OPERATIONS = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
] as const;
const MAC_OPERATIONS = ['GenerateMac', 'VerifyMac', 'CreateGrant', 'RetireGrant', 'DescribeKey'] as const;
/** Every operation name KMS's grants know, to tell an unknown name from one the key cannot take. */
const KNOWN_OPERATIONS = new Set<string>([
  ...ENCRYPTION_OPERATIONS,
  ...MAC_OPERATIONS,
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GetPublicKey',
  'Sign',
  'Verify',
  'DeriveSharedSecret',
]);
/** The operations an encryption context constraint can apply to (cryptographic operations that take one). */
const CONTEXT_OPERATIONS = new Set<string>([
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'CreateGrant',
  'RetireGrant',
]);

const PRINCIPAL =
  /^arn:aws:(?:iam::\d{12}:(?:root|user\/[\w+=,.@/-]{1,512}|role\/[\w+=,.@/-]{1,512})|sts::\d{12}:assumed-role\/[\w+=,.@/-]{1,512})$/;
const GRANT_NAME = /^[a-zA-Z0-9:/_-]{1,256}$/;

export type GrantConstraints =
  | { EncryptionContextEquals: EncryptionContext }
  | { EncryptionContextSubset: EncryptionContext };

export interface GrantInput {
  grantee: string;
  retiring?: string;
  operations: string[];
  constraints?: GrantConstraints;
  name?: string;
}

export type GrantRow = Selectable<KmsGrantTable>;

export interface GrantEntry {
  KeyId: string;
  GrantId: string;
  Name: string;
  CreationDate: number;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  IssuingAccount: string;
  Operations: string[];
  Constraints?: GrantConstraints;
}

function validation(message: string): Error {
  return badRequest('ValidationException', message);
}

/** A grantee or retiring principal: an account, IAM user, role or role session of AWS's ARN forms. */
export function checkPrincipal(value: string, member: string): void {
  if (!PRINCIPAL.test(value)) throw validation(`${member} ${value.slice(0, 256)} is not a valid principal.`);
}

/** Checks a grant's operations and constraints against the key it is for. */
export function checkGrant(input: GrantInput, keySpec: string): void {
  checkPrincipal(input.grantee, 'GranteePrincipal');
  if (input.retiring !== undefined) checkPrincipal(input.retiring, 'RetiringPrincipal');
  if (input.name !== undefined && !GRANT_NAME.test(input.name))
    throw validation('Name must be 1 to 256 characters of [a-zA-Z0-9:/_-].');
  if (input.operations.length === 0) throw validation('Operations must name at least one operation.');
  const allowed: readonly string[] = keySpec === 'HMAC_256' ? MAC_OPERATIONS : ENCRYPTION_OPERATIONS;
  for (const operation of input.operations) {
    if (!KNOWN_OPERATIONS.has(operation))
      throw validation(
        `1 validation error detected: Value '${operation.slice(0, 64)}' at 'operations' failed to satisfy constraint: Member must satisfy enum value set`,
      );
    if (!allowed.includes(operation))
      throw validation(`Grant operation ${operation} is not valid for a ${keySpec} key.`);
  }
  if (input.constraints && input.operations.some((operation) => !CONTEXT_OPERATIONS.has(operation)))
    throw validation(
      'Encryption context constraints are only valid for operations that take an encryption context.',
    );
}

export function grantEntry(keyArn: string, accountId: string, row: GrantRow): GrantEntry {
  return {
    KeyId: keyArn,
    GrantId: row.id,
    Name: row.name,
    CreationDate: row.created_at / 1000,
    GranteePrincipal: row.grantee,
    ...(row.retiring !== null ? { RetiringPrincipal: row.retiring } : {}),
    IssuingAccount: `arn:aws:iam::${accountId}:root`,
    Operations: JSON.parse(row.operations) as string[],
    ...(row.constraints !== null ? { Constraints: JSON.parse(row.constraints) as GrantConstraints } : {}),
  };
}

/** The conditions a constraint puts on the request's encryption context (kms:EncryptionContext:… keys). */
function constraintConditions(
  constraints: GrantConstraints | undefined,
): Record<string, unknown> | undefined {
  if (!constraints) return undefined;
  const exact = 'EncryptionContextEquals' in constraints;
  const context = exact ? constraints.EncryptionContextEquals : constraints.EncryptionContextSubset;
  const pairs = Object.entries(context);
  const conditions: Record<string, Record<string, unknown>> = {};
  if (pairs.length > 0)
    conditions.StringEquals = Object.fromEntries(
      pairs.map(([key, value]) => [`kms:EncryptionContext:${key}`, value]),
    );
  // Equals: no key beyond the grant's; with an empty context, none at all.
  if (exact && pairs.length > 0)
    conditions['ForAllValues:StringEquals'] = { 'kms:EncryptionContextKeys': pairs.map(([key]) => key) };
  if (exact && pairs.length === 0) conditions.Null = { 'kms:EncryptionContextKeys': 'true' };
  return conditions;
}

/** A key's grants as one resource policy the authorizer weighs beside the key policy; none without grants. */
export function grantsPolicy(rows: readonly GrantRow[]): Policy | undefined {
  if (rows.length === 0) return undefined;
  const Statement = rows.map((row) => {
    const conditions = constraintConditions(
      row.constraints === null ? undefined : (JSON.parse(row.constraints) as GrantConstraints),
    );
    return {
      Effect: 'Allow',
      Principal: { AWS: row.grantee },
      Action: (JSON.parse(row.operations) as string[])
        .filter((operation) => operation !== 'RetireGrant')
        .map((operation) => `kms:${operation}`),
      Resource: '*',
      ...(conditions ? { Condition: conditions } : {}),
    };
  });
  const effective = Statement.filter((statement) => statement.Action.length > 0);
  if (effective.length === 0) return undefined;
  return parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: effective }), 'resource');
}

/** The role a role session's ARN names (`arn:aws:sts::…:assumed-role/r/s` → `arn:aws:iam::…:role/r`). */
function roleOfSession(arn: string): string | undefined {
  const match = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return match ? `arn:aws:iam::${match[1]}:role/${match[2]}` : undefined;
}

/**
 * Whether a caller may retire a grant: the account that owns the key (its root), the grant's retiring
 * principal, or its grantee where the grant allows RetireGrant.
 */
export function mayRetire(
  row: GrantRow,
  caller: { arn: string; accountId: string; type: string },
  keyAccount: string,
): boolean {
  const role = roleOfSession(caller.arn);
  const names = (value: string | null) => value !== null && (value === caller.arn || value === role);
  if (caller.type === 'Root' && caller.accountId === keyAccount) return true;
  if (names(row.retiring)) return true;
  return names(row.grantee) && (JSON.parse(row.operations) as string[]).includes('RetireGrant');
}
