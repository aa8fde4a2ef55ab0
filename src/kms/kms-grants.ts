import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GrantOperation } from '@aws-sdk/client-kms';
import type { Selectable } from 'kysely';
import type { KmsGrantTable } from '../db/schema.js';
import { badRequest } from '../errors.js';
import { type Policy, parsePolicy } from '../iam/policy/index.js';
import type { EncryptionContext } from './kms-ciphertext.js';
import { lengthViolations, violation, violations } from './kms-validation.js';

/**
 * KMS grants: a grantee principal allowed some operations on one key, optionally only for requests whose
 * encryption context equals, or includes, the grant's. The authorizer weighs a key's grants as statements of
 * a resource policy beside its key policy, so a grant allows and never overrides an explicit deny.
 */

/**
 * The operations a grant's encryption context constraint applies to: those that take an encryption context.
 * CreateGrant's is the new grant's constraint. DescribeKey and RetireGrant may be in a constrained grant, which
 * does not apply to them (the GrantConstraints reference).
 */
const CONTEXT_OPERATIONS = new Set<string>([
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'CreateGrant',
]);
const UNCONSTRAINED_OPERATIONS = new Set<string>(['DescribeKey', 'RetireGrant']);
/** The operations a grant can allow on a symmetric encryption key, and on an HMAC key. */
const ENCRYPTION_OPERATIONS: readonly string[] = [...CONTEXT_OPERATIONS, ...UNCONSTRAINED_OPERATIONS];
const MAC_OPERATIONS: readonly string[] = [
  'GenerateMac',
  'VerifyMac',
  'CreateGrant',
  ...UNCONSTRAINED_OPERATIONS,
];
/**
 * Every operation name KMS's grants know (GrantOperation in the SDK's model of the API), to tell an unknown name
 * from one the key cannot take.
 */
const KNOWN_OPERATIONS = new Set<string>(Object.values(GrantOperation));
/** AWS's limits on a grant constraint: pairs, and the length of a key or value. */
const MAX_CONSTRAINT_PAIRS = 8;
const MAX_CONSTRAINT_CHARS = 384;

const PRINCIPAL =
  /^arn:aws:(?:iam::\d{12}:(?:root|user\/[\w+=,.@/-]{1,512}|role\/[\w+=,.@/-]{1,512})|sts::\d{12}:assumed-role\/[\w+=,.@/-]{1,512})$/;
/** GrantNameType in KMS's API model: 1 to 256 characters of this pattern. */
const GRANT_NAME = /^[a-zA-Z0-9:/_-]+$/;
const MAX_GRANT_NAME = 256;

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

/**
 * A grant's Name against its model's constraints, in the front end's words: the pattern's violation listed
 * before the length's, as AWS lists them.
 */
export function checkGrantName(name: string): void {
  const found = [
    ...(GRANT_NAME.test(name)
      ? []
      : [violation('name', name, `Member must satisfy regular expression pattern: ${GRANT_NAME.source}`)]),
    ...lengthViolations('name', name, name.length, 1, MAX_GRANT_NAME),
  ];
  if (found.length > 0) throw violations(found);
}

/** Checks a grant's operations and constraints against the key it is for. */
export function checkGrant(input: GrantInput, keySpec: string): void {
  checkPrincipal(input.grantee, 'GranteePrincipal');
  if (input.retiring !== undefined) checkPrincipal(input.retiring, 'RetiringPrincipal');
  if (input.name !== undefined) checkGrantName(input.name);
  if (input.operations.length === 0) throw validation('Operations must name at least one operation.');
  const allowed: readonly string[] = keySpec === 'HMAC_256' ? MAC_OPERATIONS : ENCRYPTION_OPERATIONS;
  for (const operation of input.operations) {
    if (!KNOWN_OPERATIONS.has(operation))
      throw violations([
        violation('operations', operation.slice(0, 64), 'Member must satisfy enum value set'),
      ]);
    if (!allowed.includes(operation))
      throw validation(`Grant operation ${operation} is not valid for a ${keySpec} key.`);
  }
  // A grant that only lets its grantee make more grants gives nothing to use (KMS's own rule, in its words).
  if (input.operations.every((operation) => operation === 'CreateGrant'))
    throw validation('Grants must not contain only the CreateGrant operation.');
  if (!input.constraints) return;
  if (input.operations.some((op) => !CONTEXT_OPERATIONS.has(op) && !UNCONSTRAINED_OPERATIONS.has(op)))
    throw validation(
      'Encryption context constraints are only valid for operations that take an encryption context.',
    );
  const pairs = Object.entries(constraintContext(input.constraints));
  if (pairs.length > MAX_CONSTRAINT_PAIRS)
    throw validation(`A grant constraint can have at most ${MAX_CONSTRAINT_PAIRS} encryption context pairs.`);
  if (pairs.some(([key, value]) => key.length > MAX_CONSTRAINT_CHARS || value.length > MAX_CONSTRAINT_CHARS))
    throw validation(
      `Encryption context keys and values in a grant constraint are at most ${MAX_CONSTRAINT_CHARS} characters.`,
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

function constraintContext(constraints: GrantConstraints): EncryptionContext {
  return 'EncryptionContextEquals' in constraints
    ? constraints.EncryptionContextEquals
    : constraints.EncryptionContextSubset;
}

/**
 * The conditions a constraint puts on the request's encryption context (kms:EncryptionContext:… keys; for
 * CreateGrant, the new grant's constraint, which is so at least as strict as this one).
 */
function constraintConditions(constraints: GrantConstraints): Record<string, Record<string, unknown>> {
  const exact = 'EncryptionContextEquals' in constraints;
  const pairs = Object.entries(constraintContext(constraints));
  const conditions: Record<string, Record<string, unknown>> = {};
  // Values are literal: a `$` is written `${$}`, so `${aws:username}` in a constraint is never a policy variable.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: IAM's escape for a literal dollar.
  const literal = (value: string) => value.replaceAll('$', '${$}');
  if (pairs.length > 0)
    conditions.StringEquals = Object.fromEntries(
      pairs.map(([key, value]) => [`kms:EncryptionContext:${key}`, literal(value)]),
    );
  // Equals: no key beyond the grant's; with an empty context, none at all.
  if (exact && pairs.length > 0)
    conditions['ForAllValues:StringEquals'] = { 'kms:EncryptionContextKeys': pairs.map(([key]) => key) };
  if (exact && pairs.length === 0) conditions.Null = { 'kms:EncryptionContextKeys': 'true' };
  return conditions;
}

interface GrantStatement {
  Effect: 'Allow';
  Principal: { AWS: string };
  Action: string[];
  Resource: '*';
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * One grant as policy statements: its operations that take an encryption context under its constraint; the
 * others (DescribeKey, the MAC operations) without; and CreateGrant only for grants of no more operations and
 * (when constrained) a constraint at least as strict, as KMS lets a grantee pass a grant on.
 */
function grantStatements(row: GrantRow): GrantStatement[] {
  const operations = JSON.parse(row.operations) as string[];
  const constraints =
    row.constraints === null ? undefined : (JSON.parse(row.constraints) as GrantConstraints);
  const statement = (
    names: string[],
    Condition?: Record<string, Record<string, unknown>>,
  ): GrantStatement[] =>
    names.length === 0
      ? []
      : [
          {
            Effect: 'Allow',
            Principal: { AWS: row.grantee },
            Action: names.map((name) => `kms:${name}`),
            Resource: '*',
            ...(Condition && Object.keys(Condition).length > 0 ? { Condition } : {}),
          },
        ];
  const used = operations.filter((op) => op !== 'RetireGrant' && op !== 'CreateGrant');
  const constrained = constraints ? used.filter((op) => CONTEXT_OPERATIONS.has(op)) : [];
  const free = used.filter((op) => !constrained.includes(op));
  const passOn: Record<string, Record<string, unknown>> = {
    'ForAllValues:StringEquals': { 'kms:GrantOperations': operations },
  };
  if (constraints) {
    // Merged operator by operator: the constraint's ForAllValues block must not replace kms:GrantOperations.
    for (const [operator, block] of Object.entries(constraintConditions(constraints)))
      passOn[operator] = { ...passOn[operator], ...block };
    passOn.StringEquals = {
      ...passOn.StringEquals,
      'kms:GrantConstraintType':
        'EncryptionContextEquals' in constraints
          ? ['EncryptionContextEquals']
          : ['EncryptionContextEquals', 'EncryptionContextSubset'],
    };
    // Equals with an empty context: the new grant's constraint must be empty too (Null above), and present.
  }
  return [
    ...statement(constrained, constraints ? constraintConditions(constraints) : undefined),
    ...statement(free),
    ...(operations.includes('CreateGrant') ? statement(['CreateGrant'], passOn) : []),
  ];
}

/** A key's grants as one resource policy the authorizer weighs beside the key policy; none without grants. */
export function grantsPolicy(rows: readonly GrantRow[]): Policy | undefined {
  const Statement = rows.flatMap(grantStatements);
  if (Statement.length === 0) return undefined;
  return parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement }), 'resource');
}

/** A reissued token's parts: the grant's id (32 bytes), a nonce (16), and a MAC keyed by its first token (16). */
const REISSUED_BYTES = 64;

function tokenMac(firstToken: string, id: Buffer, nonce: Buffer): Buffer {
  return createHmac('sha256', firstToken).update(id).update(nonce).digest().subarray(0, 16);
}

/**
 * A new token for an existing grant, as KMS answers a CreateGrant retried under the grant's name: "the returned
 * grant token is unique with every CreateGrant request, even when a duplicate GrantId is returned. All grant
 * tokens for the same grant ID can be used interchangeably" (CreateGrant's Name in KMS's API reference). It
 * names the grant and is bound to the grant's first token, so no one can make one from a grant id alone.
 */
export function reissuedToken(row: Pick<GrantRow, 'id' | 'token'>): string {
  const id = Buffer.from(row.id, 'hex');
  const nonce = randomBytes(16);
  return Buffer.concat([id, nonce, tokenMac(row.token, id, nonce)]).toString('base64url');
}

/** The grant id a reissued token names, if the token has that form (first tokens are 48 bytes). */
export function reissuedGrantId(token: string): string | undefined {
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== REISSUED_BYTES || bytes.toString('base64url') !== token) return undefined;
  return bytes.subarray(0, 32).toString('hex');
}

/** Whether a reissued token is one of this grant's. */
export function isReissuedToken(row: Pick<GrantRow, 'id' | 'token'>, token: string): boolean {
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== REISSUED_BYTES) return false;
  const id = bytes.subarray(0, 32);
  if (id.toString('hex') !== row.id) return false;
  return timingSafeEqual(bytes.subarray(48), tokenMac(row.token, id, bytes.subarray(32, 48)));
}

/** The role a role session's ARN names (`arn:aws:sts::…:assumed-role/r/s` → `arn:aws:iam::…:role/r`). */
export function roleOfSession(arn: string): string | undefined {
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
