import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { KmsAliasTable, KmsKeyTable } from '../db/schema.js';
import { AppError, badRequest } from '../errors.js';
import { type PolicySource, principalContext } from '../iam/index.js';
import { evaluate, type Policy, type PolicyError, parsePolicy } from '../iam/policy/index.js';
import type { Clock } from '../lib/clock.js';
import { uuid } from '../lib/ids.js';
import type { ConditionValues, Principal, RequestFacts } from '../lib/operation.js';
import type { KeyStore } from './key-store.js';
import { type EncryptionContext, invalidCiphertext, open, seal, sealedHeader } from './kms-ciphertext.js';
import {
  checkGrant,
  checkPrincipal,
  type GrantEntry,
  type GrantInput,
  type GrantRow,
  grantEntry,
  grantsPolicy,
  isReissuedToken,
  mayRetire,
  reissuedGrantId,
  reissuedToken,
} from './kms-grants.js';
import { KmsLookups } from './kms-lookups.js';
import { ALIAS_PATTERN, kmsValidation, violation, violations } from './kms-validation.js';

/**
 * KMS's keys (customer managed, symmetric encryption and HMAC), their aliases, policies, tags, states and
 * rotations, and the cryptographic operations on them. Key material is made here, wrapped by the key store and
 * kept only wrapped; a key's deletion deletes its material, so what it sealed can no longer be read.
 */

type KeyRow = Selectable<KmsKeyTable>;

/** The account and region a request is served in: keys and aliases belong to both. */
export interface KmsScope {
  accountId: string;
  region: string;
  /** The KMS operation called (GenerateDataKey…), which KMS names when it refuses a key's usage. */
  operation?: string;
}

export type KeySpec = 'SYMMETRIC_DEFAULT' | 'HMAC_256';
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';

export interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: number;
  Enabled: boolean;
  Description: string;
  KeyUsage: string;
  KeyState: KeyState;
  DeletionDate?: number;
  Origin: 'AWS_KMS';
  KeyManager: 'CUSTOMER' | 'AWS';
  CustomerMasterKeySpec: KeySpec;
  KeySpec: KeySpec;
  EncryptionAlgorithms?: string[];
  MacAlgorithms?: string[];
  MultiRegion: false;
  /** The KeyMaterialId of the key's current material: symmetric encryption keys only, as KMS answers. */
  CurrentKeyMaterialId?: string;
}

export interface Tag {
  TagKey: string;
  TagValue: string;
}

export interface AliasEntry {
  AliasName: string;
  AliasArn: string;
  TargetKeyId: string;
  CreationDate: number;
  LastUpdatedDate: number;
}

/**
 * A version of a key's material as ListKeyRotations lists it: the first has no rotation date or type. The
 * current version encrypts and decrypts; the others only decrypt.
 */
export interface Rotation {
  KeyId: string;
  KeyMaterialId: string;
  KeyMaterialState: 'CURRENT' | 'NON_CURRENT';
  RotationDate?: number;
  RotationType?: RotationType;
}

const DAY_MS = 86_400_000;
/** KMS's developer guide: 25 on-demand rotations per key. */
const MAX_ON_DEMAND_ROTATIONS = 25;
/**
 * KMS's quotas on grants: per key, and per grantee on one key. Each grant is a statement every use of its key
 * evaluates, so they bound that too.
 */
const MAX_GRANTS_PER_KEY = 50_000;
const MAX_GRANTS_PER_GRANTEE = 500;
/** Automatic rotations made at once when the clock has run far ahead; the rest follow on the next use. */
const MAX_CATCH_UP = 64;
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** An alias name as KMS takes it: the model's pattern (ALIAS_PATTERN) after the prefix KMS requires. */
const ALIAS_NAME = new RegExp(`^alias/${ALIAS_PATTERN.source.slice(1)}`);
const MAX_POLICY_BYTES = 32 * 1024;
/** Unwrapped key material kept in memory (see createKmsService). */
const MATERIAL_CACHE = 1024;

export function notFound(message: string): AppError {
  return badRequest('NotFoundException', message);
}

export function unsupported(message: string): AppError {
  return badRequest('UnsupportedOperationException', message);
}

function invalidState(message: string): AppError {
  return badRequest('KMSInvalidStateException', message);
}

function malformedPolicy(message: string): AppError {
  return badRequest('MalformedPolicyDocumentException', message);
}

export function keyArn(scope: KmsScope, keyId: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:key/${keyId}`;
}

/** What a version of a key's material is wrapped bound to: the key's ARN and the material's id. */
export function materialContext(scope: KmsScope, keyId: string, materialId: string): string {
  return `${keyArn(scope, keyId)}#${materialId}`;
}

/** What the material of one of Seawall's own keys (see KmsService.serviceKey) is wrapped bound to. */
export function serviceKeyContext(name: string): string {
  return `seawall:service-key:${name}`;
}

/**
 * The KeyMaterialId KMS answers for a version of a key's material: 64 hexadecimal digits (its API model's
 * BackingKeyIdType), the same for every use of that version.
 */
export function keyMaterialId(materialId: string): string {
  return createHash('sha256').update(`seawall:key-material:${materialId}`).digest('hex');
}

export function aliasArn(scope: KmsScope, name: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:${name}`;
}

/** The key policy a key gets when CreateKey names none: the account may use it through IAM policies. */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
}

/**
 * The key policy of an AWS managed key, as KMS writes it: any principal of the account may use the key through
 * the service (kms:ViaService, kms:CallerAccount), and the account may read its metadata; nothing else, so no
 * one can change, disable or delete it.
 */
export function awsManagedKeyPolicy(scope: KmsScope, service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: `auto-${service}-2`,
    Statement: [
      {
        Sid: `Allow access through ${service.toUpperCase()} for all principals in the account that are authorized to use ${service.toUpperCase()}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:CallerAccount': scope.accountId,
            'kms:ViaService': `${service}.${scope.region}.amazonaws.com`,
          },
        },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${scope.accountId}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
        Resource: '*',
      },
    ],
  });
}

/** A key policy as KMS takes it: a resource policy in IAM's language, at most 32 KiB. */
export function parseKeyPolicy(text: string): Policy {
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES)
    throw violations([violation('policy', undefined, 'Member must have length less than or equal to 32768')]);
  try {
    return parsePolicy(text, 'resource');
  } catch (error) {
    throw malformedPolicy((error as PolicyError).message ?? 'The policy is not valid.');
  }
}

const ALLOW_EVERYTHING = parsePolicy(
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
  'identity',
);

/** Who writes a key policy, and the facts of their request its conditions may test. */
export interface PolicyAuthor {
  principal: Principal;
  facts: RequestFacts;
}

/**
 * KMS's policy lockout safety check: a new key policy must still let its caller put the key policy, through the
 * policy itself or through the account, so that no one is locked out of the key by mistake. It is evaluated with
 * the caller's request as the policy would see it, so a condition on the caller's account, address or time
 * holds as it will for their next PutKeyPolicy.
 */
async function checkLockout(
  identities: Pick<PolicySource, 'identityPolicies'>,
  policy: Policy,
  author: PolicyAuthor,
  resource: string,
): Promise<void> {
  const { principal, keys } = await principalContext(identities, author.principal, author.facts);
  const decision = evaluate(
    {
      principal,
      action: 'kms:PutKeyPolicy',
      resource,
      context: { ...keys, 'kms:CallerAccount': author.principal.accountId },
    },
    { identity: [ALLOW_EVERYTHING], resource: [policy] },
    { resourcePolicyRequired: true },
  );
  if (decision.effect !== 'Allow')
    throw malformedPolicy('The new key policy will not allow you to update the key policy in the future.');
}

/** How a KeyId member names a key: by its id or ARN, or (where the operation takes one) by an alias. */
type KeyRef = { kind: 'key'; id: string } | { kind: 'alias'; name: string };

function parseKeyRef(scope: KmsScope, value: string, aliases: boolean): KeyRef {
  const invalid = () => notFound(`Invalid keyId '${value.slice(0, 256)}'`);
  if (KEY_ID.test(value)) return { kind: 'key', id: value };
  const arn = /^arn:aws:kms:([^:]*):(\d{12}):(key\/.+|alias\/.+)$/.exec(value);
  const local = arn ? (arn[3] as string) : value;
  // An operation that takes only a key id or key ARN refuses an alias by its form, whether it exists or not.
  if (!aliases && local.startsWith('alias/'))
    throw badRequest('InvalidArnException', 'Key Aliases are not supported for this operation.');
  // A key ARN names its region: KMS answers one of another region by that region, not by the key.
  if (arn && local.startsWith('key/') && arn[1] !== scope.region)
    throw notFound(`Invalid arn ${(arn[1] as string).slice(0, 64)}`);
  if (arn && (arn[1] !== scope.region || arn[2] !== scope.accountId)) {
    throw notFound(
      local.startsWith('key/')
        ? `Key '${value.slice(0, 256)}' does not exist`
        : `Alias ${value.slice(0, 256)} is not found.`,
    );
  }
  if (local.startsWith('key/') && arn) {
    const id = local.slice(4);
    if (!KEY_ID.test(id)) throw invalid();
    return { kind: 'key', id };
  }
  if (local.startsWith('alias/') && aliases) {
    if (!ALIAS_NAME.test(local)) throw invalid();
    return { kind: 'alias', name: local };
  }
  throw invalid();
}

/** A key's metadata; `materialId` is its current material's, named for a symmetric encryption key. */
function metadataOf(scope: KmsScope, row: KeyRow, materialId: string | undefined): KeyMetadata {
  const spec = row.key_spec as KeySpec;
  return {
    AWSAccountId: row.account_id,
    KeyId: row.id,
    Arn: keyArn(scope, row.id),
    CreationDate: row.created_at / 1000,
    Enabled: row.state === 'Enabled',
    Description: row.description,
    KeyUsage: row.key_usage,
    KeyState: row.state as KeyState,
    ...(row.deletion_at !== null ? { DeletionDate: row.deletion_at / 1000 } : {}),
    Origin: 'AWS_KMS',
    KeyManager: row.key_manager ?? 'CUSTOMER',
    CustomerMasterKeySpec: spec,
    KeySpec: spec,
    ...(spec === 'HMAC_256'
      ? { MacAlgorithms: ['HMAC_SHA_256'] }
      : { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }),
    MultiRegion: false,
    ...(spec === 'SYMMETRIC_DEFAULT' && materialId !== undefined
      ? { CurrentKeyMaterialId: keyMaterialId(materialId) }
      : {}),
  };
}

/** A key's ARN: its region, account and id. */
const KEY_ARN = /^arn:aws:kms:([^:]+):(\d{12}):key\/(.+)$/;

/**
 * The condition keys of a key as a resource. Seawall's keys are all single-Region keys of KMS-made material, so
 * kms:MultiRegion is false and kms:MultiRegionKeyType (PRIMARY or REPLICA) absent; a key without aliases has no
 * kms:ResourceAliases.
 */
function keyConditionsOf(row: KeyRow, aliases: readonly string[]): ConditionValues {
  const tags = JSON.parse(row.tags) as Tag[];
  return {
    ...Object.fromEntries(tags.map((tag) => [`aws:ResourceTag/${tag.TagKey}`, tag.TagValue])),
    'kms:KeySpec': row.key_spec,
    'kms:KeyUsage': row.key_usage,
    'kms:KeyOrigin': 'AWS_KMS',
    'kms:MultiRegion': 'false',
    ...(aliases.length > 0 ? { 'kms:ResourceAliases': aliases } : {}),
  };
}

/**
 * What each kind of use asks of a key's state and usage: a change of the key (not pending deletion), a grant on
 * it (enabled too, as KMS's key state table has it), or a cryptographic use (enabled, of its usage).
 */
type Use = 'encrypt' | 'mac' | 'manage' | 'grant' | { keyUsage: KeyUsage };

/**
 * The key usages of KMS's API model. Seawall's keys have the first two; an operation that needs another (Sign,
 * DeriveSharedSecret, Encapsulate…) is refused by the key's usage, as KMS refuses it for such a key.
 */
export type KeyUsage =
  | 'ENCRYPT_DECRYPT'
  | 'GENERATE_VERIFY_MAC'
  | 'SIGN_VERIFY'
  | 'KEY_AGREEMENT'
  | 'ENCAPSULATE_DECAPSULATE';

function checkUsable(scope: KmsScope, row: KeyRow, use: Use): void {
  const arn = keyArn(scope, row.id);
  if (row.state === 'PendingDeletion') throw invalidState(`${arn} is pending deletion.`);
  if (use === 'manage') return;
  if (row.state === 'Disabled') throw badRequest('DisabledException', `${arn} is disabled.`);
  if (use === 'grant') return;
  const wanted =
    typeof use === 'object' ? use.keyUsage : use === 'encrypt' ? 'ENCRYPT_DECRYPT' : 'GENERATE_VERIFY_MAC';
  if (row.key_usage !== wanted) {
    throw badRequest(
      'InvalidKeyUsageException',
      `${arn} key usage is ${row.key_usage} which is not valid for ${scope.operation ?? (use === 'encrypt' ? 'Encrypt' : 'GenerateMac')}.`,
    );
  }
}

/** Only symmetric encryption keys rotate: KMS refuses rotation calls on HMAC keys as unsupported. */
function checkRotatable(scope: KmsScope, row: KeyRow, kind: 'automatic' | 'on-demand'): void {
  if (row.key_spec !== 'SYMMETRIC_DEFAULT')
    throw unsupported(`${keyArn(scope, row.id)} key type is not supported for ${kind} rotation.`);
}

export interface CreateKeyInput {
  description: string;
  keySpec: KeySpec;
  keyUsage: string;
  policy?: string;
  bypassLockout: boolean;
  tags: Tag[];
}

export interface KmsService {
  /**
   * The policies of the key an ARN names, as the authorizer weighs them: its key policy and its grants; none
   * for other ARNs or a key that does not exist.
   */
  keyPolicies(resource: string): Promise<Policy[] | undefined>;
  /**
   * The condition keys that describe the key an ARN names (aws:ResourceTag/…, kms:KeySpec, kms:KeyUsage,
   * kms:KeyOrigin, kms:MultiRegion, kms:ResourceAliases), as the Service Authorization Reference lists them for
   * the key resource; none for other ARNs (an alias, '*') or a key that does not exist.
   */
  keyConditions(resource: string): Promise<ConditionValues>;
  /** The ARN of the key a KeyId member names (an alias resolved where `aliases`). */
  resolveArn(scope: KmsScope, keyId: string, aliases: boolean): Promise<string>;
  /**
   * The AWS managed key a service encrypts with when asked for KMS without a key (alias/aws/s3), made on first
   * use as KMS makes it: its key policy lets the account's principals use it only through that service.
   */
  awsManagedKey(scope: KmsScope, service: 's3'): Promise<string>;
  /** Key material Seawall owns for its own use (SSE-S3's key), made on first use, sealed under the key store. */
  serviceKey(name: string): Promise<Buffer>;
  createKey(scope: KmsScope, author: PolicyAuthor, input: CreateKeyInput): Promise<KeyMetadata>;
  describeKey(scope: KmsScope, keyId: string): Promise<KeyMetadata>;
  /**
   * Throws what a cryptographic operation needing `usage` (Encrypt's unless said) would for the key as it is now
   * (gone, pending deletion, disabled, of another usage), or with 'manage' what a change of the key would (gone,
   * pending deletion); answers the key's ARN.
   */
  expectUsable(scope: KmsScope, keyId: string, usage?: KeyUsage | 'manage'): Promise<string>;
  listKeys(scope: KmsScope): Promise<{ KeyId: string; KeyArn: string }[]>;
  updateDescription(scope: KmsScope, keyId: string, description: string): Promise<void>;
  setEnabled(scope: KmsScope, keyId: string, enabled: boolean): Promise<void>;
  scheduleDeletion(
    scope: KmsScope,
    keyId: string,
    days: number,
  ): Promise<{ arn: string; deletionAt: number }>;
  cancelDeletion(scope: KmsScope, keyId: string): Promise<string>;
  createAlias(scope: KmsScope, name: string, keyId: string): Promise<void>;
  updateAlias(scope: KmsScope, name: string, keyId: string): Promise<void>;
  deleteAlias(scope: KmsScope, name: string): Promise<void>;
  listAliases(scope: KmsScope, keyId?: string): Promise<AliasEntry[]>;
  encrypt(
    scope: KmsScope,
    keyId: string,
    plaintext: Buffer,
    context: EncryptionContext,
  ): Promise<{ arn: string; blob: Buffer; keyMaterialId: string }>;
  decrypt(
    scope: KmsScope,
    blob: Buffer,
    context: EncryptionContext,
    keyId?: string,
  ): Promise<{ arn: string; plaintext: Buffer; keyMaterialId: string }>;
  generateMac(scope: KmsScope, keyId: string, message: Buffer): Promise<{ arn: string; mac: Buffer }>;
  verifyMac(scope: KmsScope, keyId: string, message: Buffer, mac: Buffer): Promise<string>;
  getPolicy(scope: KmsScope, keyId: string): Promise<string>;
  putPolicy(
    scope: KmsScope,
    author: PolicyAuthor,
    keyId: string,
    policy: string,
    bypassLockout: boolean,
  ): Promise<void>;
  tags(scope: KmsScope, keyId: string): Promise<Tag[]>;
  tag(scope: KmsScope, keyId: string, tags: Tag[]): Promise<void>;
  untag(scope: KmsScope, keyId: string, keys: string[]): Promise<void>;
  setRotation(scope: KmsScope, keyId: string, days: number | undefined): Promise<void>;
  rotationStatus(
    scope: KmsScope,
    keyId: string,
  ): Promise<{ arn: string; days: number | null; nextAt: number | null }>;
  rotateNow(scope: KmsScope, keyId: string): Promise<string>;
  /** The versions of a key's material made by rotations, and with `all` its first one too. */
  rotations(scope: KmsScope, keyId: string, all: boolean): Promise<Rotation[]>;
  createGrant(scope: KmsScope, keyId: string, input: GrantInput): Promise<{ id: string; token: string }>;
  listGrants(
    scope: KmsScope,
    keyId: string,
    filter: { grantId?: string; grantee?: string },
  ): Promise<GrantEntry[]>;
  listRetirableGrants(scope: KmsScope, retiring: string): Promise<GrantEntry[]>;
  /** Retires a grant named by its token, or by its key and id; `caller` must be allowed to (see mayRetire). */
  retireGrant(
    scope: KmsScope,
    caller: Principal,
    by: { token: string } | { keyId: string; grantId: string },
  ): Promise<void>;
  revokeGrant(scope: KmsScope, keyId: string, grantId: string): Promise<void>;
  /** Checks that grant tokens a request carries are tokens of existing grants (InvalidGrantTokenException). */
  checkGrantTokens(scope: KmsScope, tokens: readonly string[]): Promise<void>;
  /** Destroys every key whose waiting period is over (also done whenever such a key is next looked up). */
  purgeDue(): Promise<number>;
}

export function createKmsService(deps: {
  db: Kysely<Database>;
  keyStore: KeyStore;
  clock: Clock;
  /**
   * How long unwrapped material is kept in memory: with an external key store, how soon a key disabled there
   * stops every use here. Kept until the process ends if not given (the root key cannot be disabled).
   */
  materialTtlMs?: number;
  /** Where the lockout check finds a policy writer's identity (their role, tags and source identity). */
  identities: Pick<PolicySource, 'identityPolicies'>;
  /** The first user or role of the account a key policy names that does not exist (IAM's unknownPrincipal). */
  unknownPrincipal?: (account: string, policy: Policy) => Promise<string | undefined>;
}): KmsService {
  const { keyStore, clock } = deps;
  /** Key rows, aliases, newest material and parsed policies as last read, forgotten at every write. */
  const lookups = new KmsLookups();
  const db = deps.db.withPlugin(lookups.forgetOnWrite);
  const now = () => clock.now().getTime();
  /** KMS refuses a key policy naming a principal that does not exist. */
  async function checkPrincipals(scope: KmsScope, policy: Policy): Promise<void> {
    if ((await deps.unknownPrincipal?.(scope.accountId, policy)) !== undefined)
      throw malformedPolicy('Policy contains a statement with one or more invalid principals.');
  }
  const ttl = deps.materialTtlMs ?? Number.POSITIVE_INFINITY;
  /**
   * Unwrapped material by its id, so that each use is not a round trip to the key store (an external KMS);
   * bounded, kept for `ttl`, and emptied when a key is destroyed.
   */
  const unwrapped = new Map<string, { bytes: Buffer; at: number; keyId: string }>();
  /** Seawall's own keys (see serviceKey), unwrapped once. */
  const serviceKeys = new Map<string, Promise<Buffer>>();

  /** Destroys a key whose waiting period is over: its row, aliases and every version of its material. */
  async function destroy(id: string): Promise<void> {
    unwrapped.clear();
    await lookups.transaction(db, async (trx) => {
      await trx.deleteFrom('kms_grants').where('key_id', '=', id).execute();
      await trx.deleteFrom('kms_aliases').where('key_id', '=', id).execute();
      await trx.deleteFrom('kms_key_materials').where('key_id', '=', id).execute();
      await trx.deleteFrom('kms_keys').where('id', '=', id).execute();
    });
  }

  /**
   * Moves a key's next rotation date to `next`, only while it is still the date `row` read; answers whether it
   * moved, so that of two requests making the same rotation only one does.
   */
  async function moveRotationDate(trx: Transaction<Database>, row: KeyRow, next: number): Promise<boolean> {
    const moved = await trx
      .updateTable('kms_keys')
      .set({ next_rotation_at: next })
      .where('id', '=', row.id)
      .where('next_rotation_at', '=', row.next_rotation_at)
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  /** Makes the automatic rotations that fell due, each dated when it did. */
  async function catchUpRotations(row: KeyRow): Promise<KeyRow> {
    const days = row.rotation_days;
    let next = row.next_rotation_at;
    if (days === null || next === null || next > now() || row.state !== 'Enabled') return row;
    const due: number[] = [];
    while (next <= now() && due.length < MAX_CATCH_UP) {
      due.push(next);
      next += days * DAY_MS;
    }
    const materials = await Promise.all(due.map(() => newMaterial(row.id, row.account_id, row.region)));
    await lookups.transaction(db, async (trx) => {
      // Another request may have made them already: only the one that moves the date makes them.
      if (!(await moveRotationDate(trx, row, next))) return;
      await trx
        .insertInto('kms_key_materials')
        .values(
          materials.map((m, i) => ({
            id: m.id,
            key_id: row.id,
            wrapped: m.wrapped,
            origin: 'AUTOMATIC',
            created_at: due[i] as number,
          })),
        )
        .execute();
    });
    return (await db.selectFrom('kms_keys').selectAll().where('id', '=', row.id).executeTakeFirst()) ?? row;
  }

  /**
   * A key of the scope by id, after what fell due: its deletion, and (`maintain`) its rotations, which are
   * made only for a request already authorized; undefined if there is none.
   */
  async function keyRow(scope: KmsScope, id: string, maintain = true): Promise<KeyRow | undefined> {
    const row = await lookups.get(`key ${scope.accountId} ${scope.region} ${id}`, () =>
      db
        .selectFrom('kms_keys')
        .selectAll()
        .where('id', '=', id)
        .where('account_id', '=', scope.accountId)
        .where('region', '=', scope.region)
        .executeTakeFirst(),
    );
    if (!row) return undefined;
    if (row.deletion_at !== null && row.deletion_at <= now()) {
      await destroy(row.id);
      return undefined;
    }
    return maintain ? catchUpRotations(row) : row;
  }

  async function aliasRow(scope: KmsScope, name: string): Promise<Selectable<KmsAliasTable> | undefined> {
    return lookups.get(`alias ${scope.accountId} ${scope.region} ${name}`, () =>
      db
        .selectFrom('kms_aliases')
        .selectAll()
        .where('account_id', '=', scope.accountId)
        .where('region', '=', scope.region)
        .where('name', '=', name)
        .executeTakeFirst(),
    );
  }

  async function findKey(scope: KmsScope, keyId: string, aliases: boolean, maintain = true): Promise<KeyRow> {
    const ref = parseKeyRef(scope, keyId, aliases);
    let id: string;
    if (ref.kind === 'alias') {
      const alias = await aliasRow(scope, ref.name);
      if (!alias) throw notFound(`Alias ${aliasArn(scope, ref.name)} is not found.`);
      id = alias.key_id;
    } else {
      id = ref.id;
    }
    const row = await keyRow(scope, id, maintain);
    if (!row) throw notFound(`Key '${keyArn(scope, id)}' does not exist`);
    return row;
  }

  async function newMaterial(keyId: string, accountId: string, region: string) {
    const id = uuid();
    const wrapped = await keyStore.wrap(randomBytes(32), materialContext({ accountId, region }, keyId, id));
    return { id, wrapped };
  }

  /** The version of a key's material that encrypts now: its newest. */
  function newestMaterial(keyId: string) {
    return lookups.get(`newest material ${keyId}`, () =>
      db
        .selectFrom('kms_key_materials')
        .selectAll()
        .where('key_id', '=', keyId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),
    );
  }

  /** A key's metadata, with its current material's id. */
  async function describe(scope: KmsScope, row: KeyRow): Promise<KeyMetadata> {
    return metadataOf(scope, row, (await newestMaterial(row.id))?.id);
  }

  async function material(scope: KmsScope, row: KeyRow, materialId?: string) {
    // A version of material never changes once made: one already unwrapped needs no lookup (the newest, which
    // a rotation may change, always does).
    const known = materialId === undefined ? undefined : unwrapped.get(materialId);
    if (known && known.keyId === row.id && now() - known.at < ttl)
      return { id: materialId as string, bytes: known.bytes };
    const found = materialId
      ? await db
          .selectFrom('kms_key_materials')
          .selectAll()
          .where('key_id', '=', row.id)
          .where('id', '=', materialId)
          .executeTakeFirst()
      : await newestMaterial(row.id);
    if (!found) throw invalidCiphertext();
    const cached = unwrapped.get(found.id);
    if (cached && now() - cached.at < ttl) return { id: found.id, bytes: cached.bytes };
    const bytes = await keyStore.unwrap(found.wrapped, materialContext(scope, row.id, found.id));
    unwrapped.delete(found.id);
    if (unwrapped.size >= MATERIAL_CACHE) unwrapped.delete(unwrapped.keys().next().value as string);
    unwrapped.set(found.id, { bytes, at: now(), keyId: row.id });
    return { id: found.id, bytes };
  }

  /** A key named by id or ARN, for an operation that changes it: not one pending deletion. */
  async function manage(scope: KmsScope, keyId: string): Promise<KeyRow> {
    const row = await findKey(scope, keyId, false);
    checkUsable(scope, row, 'manage');
    return row;
  }

  function checkAliasName(name: string): void {
    // KMS's input constraints first, in its validation wording, then its own rule for the prefix.
    const invalid = (constraint: string) => violations([violation('aliasName', name, constraint)]);
    if (name.length > 256) throw invalid('Member must have length less than or equal to 256');
    if (!ALIAS_PATTERN.test(name))
      throw invalid(`Member must satisfy regular expression pattern: ${ALIAS_PATTERN.source}`);
    if (!ALIAS_NAME.test(name))
      throw badRequest(
        'ValidationException',
        `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`,
      );
    if (name.startsWith('alias/aws/'))
      throw badRequest('NotAuthorizedException', "Cannot create alias with prefix 'alias/aws/'");
  }

  function grantRows(keyId: string): Promise<GrantRow[]> {
    return db
      .selectFrom('kms_grants')
      .selectAll()
      .where('key_id', '=', keyId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async function removeGrant(row: GrantRow): Promise<void> {
    await db.deleteFrom('kms_grants').where('id', '=', row.id).execute();
  }

  async function saveTags(id: string, tags: Tag[]): Promise<void> {
    await db
      .updateTable('kms_keys')
      .set({ tags: JSON.stringify(tags) })
      .where('id', '=', id)
      .execute();
  }

  function grantNotFound(grantId: string): AppError {
    return notFound(`Grant ID ${grantId.slice(0, 128)} not found`);
  }

  /** The grant a token is one of: its first token, or one CreateGrant reissued (see reissuedToken). */
  async function grantOfToken(token: string): Promise<GrantRow | undefined> {
    const first = await db.selectFrom('kms_grants').selectAll().where('token', '=', token).executeTakeFirst();
    if (first) return first;
    const id = reissuedGrantId(token);
    if (id === undefined) return undefined;
    const row = await db.selectFrom('kms_grants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && isReissuedToken(row, token) ? row : undefined;
  }

  /** A grant's row with the scope's key it belongs to; NotFoundException for a grant of no key of the scope. */
  async function grantOf(scope: KmsScope, where: { token: string } | { keyId: string; grantId: string }) {
    const row =
      'token' in where
        ? await grantOfToken(where.token)
        : await db
            .selectFrom('kms_grants')
            .selectAll()
            .where('id', '=', where.grantId)
            .where('key_id', '=', (await findKey(scope, where.keyId, false)).id)
            .executeTakeFirst();
    const key = row && (await keyRow(scope, row.key_id, false));
    if (!row || !key) {
      if ('token' in where) throw badRequest('InvalidGrantTokenException', 'The grant token is not valid.');
      throw grantNotFound(where.grantId);
    }
    return { row, key };
  }

  return {
    async keyPolicies(resource) {
      const match = KEY_ARN.exec(resource);
      if (!match) return undefined;
      const scope = { region: match[1] as string, accountId: match[2] as string };
      const id = match[3] as string;
      // Marked before the row is read: policies parsed from a row a write has since changed are not kept.
      const since = lookups.mark();
      const row = await keyRow(scope, id, false);
      if (!row) return undefined;
      return lookups.get(
        `policies ${row.id}`,
        async () => {
          const grants = grantsPolicy(await grantRows(row.id));
          return [parsePolicy(row.policy, 'resource'), ...(grants ? [grants] : [])];
        },
        since,
      );
    },

    async keyConditions(resource) {
      const match = KEY_ARN.exec(resource);
      if (!match) return {};
      const scope = { region: match[1] as string, accountId: match[2] as string };
      // The row is the one keyPolicies has just read for the same decision; the aliases are one query.
      const row = await keyRow(scope, match[3] as string, false);
      if (!row) return {};
      const aliases = await lookups.get(`aliases of ${row.id}`, async () =>
        (
          await db
            .selectFrom('kms_aliases')
            .select('name')
            .where('key_id', '=', row.id)
            .orderBy('name')
            .execute()
        ).map((alias) => alias.name),
      );
      return keyConditionsOf(row, aliases ?? []);
    },

    async resolveArn(scope, keyId, aliases) {
      return keyArn(scope, (await findKey(scope, keyId, aliases, false)).id);
    },

    async awsManagedKey(scope, service) {
      const alias = `alias/aws/${service}`;
      const found = await aliasRow(scope, alias);
      if (found) return keyArn(scope, found.key_id);
      const id = uuid();
      const first = await newMaterial(id, scope.accountId, scope.region);
      const at = now();
      try {
        await lookups.transaction(db, async (trx) => {
          await trx
            .insertInto('kms_keys')
            .values({
              id,
              account_id: scope.accountId,
              region: scope.region,
              description: `Default key that protects my ${service.toUpperCase()} objects when no other key is defined`,
              key_usage: 'ENCRYPT_DECRYPT',
              key_spec: 'SYMMETRIC_DEFAULT',
              state: 'Enabled',
              policy: awsManagedKeyPolicy(scope, service),
              tags: '[]',
              deletion_at: null,
              // AWS managed keys rotate every year.
              rotation_days: 365,
              next_rotation_at: at + 365 * DAY_MS,
              created_at: at,
              key_manager: 'AWS',
            })
            .execute();
          await trx
            .insertInto('kms_key_materials')
            .values({ id: first.id, key_id: id, wrapped: first.wrapped, origin: 'CREATE', created_at: at })
            .execute();
          await trx
            .insertInto('kms_aliases')
            .values({
              account_id: scope.accountId,
              region: scope.region,
              name: alias,
              key_id: id,
              created_at: at,
              updated_at: at,
            })
            .execute();
        });
      } catch (error) {
        // Made meanwhile by another write (the alias is the key): use that one.
        const made = await aliasRow(scope, alias);
        if (made) return keyArn(scope, made.key_id);
        throw error;
      }
      return keyArn(scope, id);
    },

    async serviceKey(name) {
      let made = serviceKeys.get(name);
      if (!made) {
        made = (async () => {
          const context = serviceKeyContext(name);
          await db
            .insertInto('kms_service_keys')
            .values({ name, wrapped: await keyStore.wrap(randomBytes(32), context), created_at: now() })
            .onConflict((oc) => oc.column('name').doNothing())
            .execute();
          const row = await db
            .selectFrom('kms_service_keys')
            .select('wrapped')
            .where('name', '=', name)
            .executeTakeFirstOrThrow();
          return keyStore.unwrap(row.wrapped, context);
        })();
        serviceKeys.set(name, made);
        made.catch(() => serviceKeys.delete(name));
      }
      return made;
    },

    async createKey(scope, author, input) {
      const id = uuid();
      const arn = keyArn(scope, id);
      const policyText = input.policy ?? defaultKeyPolicy(scope.accountId);
      const policy = parseKeyPolicy(policyText);
      await checkPrincipals(scope, policy);
      if (!input.bypassLockout) await checkLockout(deps.identities, policy, author, arn);
      const first = await newMaterial(id, scope.accountId, scope.region);
      const at = now();
      const row: KeyRow = {
        id,
        account_id: scope.accountId,
        region: scope.region,
        description: input.description,
        key_usage: input.keyUsage,
        key_spec: input.keySpec,
        state: 'Enabled',
        policy: policyText,
        tags: JSON.stringify(input.tags),
        deletion_at: null,
        rotation_days: null,
        next_rotation_at: null,
        created_at: at,
        key_manager: null,
      };
      await lookups.transaction(db, async (trx) => {
        await trx.insertInto('kms_keys').values(row).execute();
        await trx
          .insertInto('kms_key_materials')
          .values({ id: first.id, key_id: id, wrapped: first.wrapped, origin: 'CREATE', created_at: at })
          .execute();
      });
      return metadataOf(scope, row, first.id);
    },

    async describeKey(scope, keyId) {
      return describe(scope, await findKey(scope, keyId, true));
    },

    async expectUsable(scope, keyId, usage = 'ENCRYPT_DECRYPT') {
      const row = await findKey(scope, keyId, true);
      checkUsable(
        scope,
        row,
        usage === 'ENCRYPT_DECRYPT' ? 'encrypt' : usage === 'manage' ? 'manage' : { keyUsage: usage },
      );
      return keyArn(scope, row.id);
    },

    async purgeDue() {
      const due = await db
        .selectFrom('kms_keys')
        .select('id')
        .where('deletion_at', 'is not', null)
        .where('deletion_at', '<=', now())
        .execute();
      for (const row of due) await destroy(row.id);
      return due.length;
    },

    async listKeys(scope) {
      const rows = await db
        .selectFrom('kms_keys')
        .select(['id', 'deletion_at'])
        .where('account_id', '=', scope.accountId)
        .where('region', '=', scope.region)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const kept = [];
      for (const row of rows) {
        if (row.deletion_at !== null && row.deletion_at <= now()) await destroy(row.id);
        else kept.push({ KeyId: row.id, KeyArn: keyArn(scope, row.id) });
      }
      return kept;
    },

    async updateDescription(scope, keyId, description) {
      const row = await manage(scope, keyId);
      await db.updateTable('kms_keys').set({ description }).where('id', '=', row.id).execute();
    },

    async setEnabled(scope, keyId, enabled) {
      const row = await manage(scope, keyId);
      // A disabled key is not rotated; enabled again past its date, it rotates once, then (as in KMS).
      const due =
        enabled && row.state === 'Disabled' && row.next_rotation_at !== null && row.next_rotation_at <= now();
      const next = due ? await newMaterial(row.id, scope.accountId, scope.region) : undefined;
      await lookups.transaction(db, async (trx) => {
        // Never over a deletion scheduled meanwhile.
        const changed = await trx
          .updateTable('kms_keys')
          .set({ state: enabled ? 'Enabled' : 'Disabled' })
          .where('id', '=', row.id)
          .where('state', '!=', 'PendingDeletion')
          .executeTakeFirst();
        if (Number(changed.numUpdatedRows) !== 1)
          throw invalidState(`${keyArn(scope, row.id)} is pending deletion.`);
        if (!next || row.rotation_days === null) return;
        // Only the request that moves the date makes the rotation (two EnableKey calls make one).
        if (!(await moveRotationDate(trx, row, now() + row.rotation_days * DAY_MS))) return;
        await trx
          .insertInto('kms_key_materials')
          .values({
            id: next.id,
            key_id: row.id,
            wrapped: next.wrapped,
            origin: 'AUTOMATIC',
            created_at: now(),
          })
          .execute();
      });
    },

    async scheduleDeletion(scope, keyId, days) {
      const row = await manage(scope, keyId);
      const deletionAt = now() + days * DAY_MS;
      await db
        .updateTable('kms_keys')
        .set({ state: 'PendingDeletion', deletion_at: deletionAt })
        .where('id', '=', row.id)
        .execute();
      return { arn: keyArn(scope, row.id), deletionAt };
    },

    async cancelDeletion(scope, keyId) {
      const row = await findKey(scope, keyId, false);
      if (row.state !== 'PendingDeletion')
        throw invalidState(`${keyArn(scope, row.id)} is not pending deletion.`);
      // A key whose deletion is cancelled comes back disabled, as in KMS.
      await db
        .updateTable('kms_keys')
        .set({ state: 'Disabled', deletion_at: null })
        .where('id', '=', row.id)
        .execute();
      return keyArn(scope, row.id);
    },

    async createAlias(scope, name, keyId) {
      checkAliasName(name);
      const row = await manage(scope, keyId);
      const at = now();
      try {
        await db
          .insertInto('kms_aliases')
          .values({
            account_id: scope.accountId,
            region: scope.region,
            name,
            key_id: row.id,
            created_at: at,
            updated_at: at,
          })
          .execute();
      } catch (error) {
        // The primary key refuses a name already taken (also by a request running at the same time).
        if (await aliasRow(scope, name))
          throw badRequest(
            'AlreadyExistsException',
            `An alias with the name ${aliasArn(scope, name)} already exists`,
          );
        throw error;
      }
    },

    async updateAlias(scope, name, keyId) {
      if (!ALIAS_NAME.test(name))
        throw notFound(`Alias ${aliasArn(scope, name.slice(0, 256))} is not found.`);
      const alias = await aliasRow(scope, name);
      if (!alias) throw notFound(`Alias ${aliasArn(scope, name)} is not found.`);
      const row = await manage(scope, keyId);
      const current = await keyRow(scope, alias.key_id, false);
      if (current && (current.key_spec !== row.key_spec || current.key_usage !== row.key_usage)) {
        throw kmsValidation(
          `${keyArn(scope, row.id)} is not the same key type or key usage as the key the alias points to.`,
        );
      }
      await db
        .updateTable('kms_aliases')
        .set({ key_id: row.id, updated_at: now() })
        .where('account_id', '=', scope.accountId)
        .where('region', '=', scope.region)
        .where('name', '=', name)
        .execute();
    },

    async deleteAlias(scope, name) {
      const alias = ALIAS_NAME.test(name) ? await aliasRow(scope, name) : undefined;
      if (!alias) throw notFound(`Alias ${aliasArn(scope, name.slice(0, 256))} is not found.`);
      await db
        .deleteFrom('kms_aliases')
        .where('account_id', '=', scope.accountId)
        .where('region', '=', scope.region)
        .where('name', '=', name)
        .execute();
    },

    async listAliases(scope, keyId) {
      const target = keyId === undefined ? undefined : await findKey(scope, keyId, false);
      let query = db
        .selectFrom('kms_aliases')
        .selectAll()
        .where('account_id', '=', scope.accountId)
        .where('region', '=', scope.region);
      if (target) query = query.where('key_id', '=', target.id);
      const rows = await query.orderBy('name').execute();
      return rows.map((row) => ({
        AliasName: row.name,
        AliasArn: aliasArn(scope, row.name),
        TargetKeyId: row.key_id,
        CreationDate: row.created_at / 1000,
        LastUpdatedDate: row.updated_at / 1000,
      }));
    },

    async encrypt(scope, keyId, plaintext, context) {
      const row = await findKey(scope, keyId, true);
      checkUsable(scope, row, 'encrypt');
      const { id, bytes } = await material(scope, row);
      return {
        arn: keyArn(scope, row.id),
        blob: seal(bytes, { keyId: row.id, materialId: id }, plaintext, context),
        keyMaterialId: keyMaterialId(id),
      };
    },

    async decrypt(scope, blob, context, keyId) {
      const header = sealedHeader(blob);
      const row = await keyRow(scope, header.keyId);
      // KMS's answer for a ciphertext whose key is gone (or was never this account's and region's).
      if (!row)
        throw badRequest(
          'AccessDeniedException',
          'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
        );
      if (keyId !== undefined && (await findKey(scope, keyId, true, false)).id !== row.id) {
        throw badRequest(
          'IncorrectKeyException',
          'The key ID in the request does not identify a CMK that can perform this operation.',
        );
      }
      checkUsable(scope, row, 'encrypt');
      const { bytes } = await material(scope, row, header.materialId);
      return {
        arn: keyArn(scope, row.id),
        plaintext: open(bytes, blob, context),
        keyMaterialId: keyMaterialId(header.materialId),
      };
    },

    async generateMac(scope, keyId, message) {
      const row = await findKey(scope, keyId, true);
      checkUsable(scope, row, 'mac');
      const { bytes } = await material(scope, row);
      return { arn: keyArn(scope, row.id), mac: createHmac('sha256', bytes).update(message).digest() };
    },

    async verifyMac(scope, keyId, message, mac) {
      const row = await findKey(scope, keyId, true);
      checkUsable(scope, row, 'mac');
      const { bytes } = await material(scope, row);
      const expected = createHmac('sha256', bytes).update(message).digest();
      if (mac.length !== expected.length || !timingSafeEqual(mac, expected))
        throw badRequest('KMSInvalidMacException', 'The MAC is not valid.');
      return keyArn(scope, row.id);
    },

    async getPolicy(scope, keyId) {
      return (await findKey(scope, keyId, false)).policy;
    },

    async putPolicy(scope, author, keyId, policyText, bypassLockout) {
      const row = await findKey(scope, keyId, false);
      const policy = parseKeyPolicy(policyText);
      await checkPrincipals(scope, policy);
      if (!bypassLockout) await checkLockout(deps.identities, policy, author, keyArn(scope, row.id));
      await db.updateTable('kms_keys').set({ policy: policyText }).where('id', '=', row.id).execute();
    },

    async tags(scope, keyId) {
      return JSON.parse((await findKey(scope, keyId, false)).tags) as Tag[];
    },

    async tag(scope, keyId, tags) {
      const row = await manage(scope, keyId);
      const merged = new Map((JSON.parse(row.tags) as Tag[]).map((t) => [t.TagKey, t.TagValue]));
      for (const t of tags) merged.set(t.TagKey, t.TagValue);
      if (merged.size > 50) throw badRequest('TagException', 'A key can have at most 50 tags.');
      await saveTags(
        row.id,
        [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      );
    },

    async untag(scope, keyId, keys) {
      const row = await manage(scope, keyId);
      await saveTags(
        row.id,
        (JSON.parse(row.tags) as Tag[]).filter((t) => !keys.includes(t.TagKey)),
      );
    },

    async setRotation(scope, keyId, days) {
      // Rotations already due are made first (dated when they fell due), so the schedule below starts from the
      // last of them.
      const row = await findKey(scope, keyId, false, true);
      checkRotatable(scope, row, 'automatic');
      checkUsable(scope, row, 'encrypt');
      // Enabled again, the schedule keeps its anchor (the last rotation, or when rotation was enabled), so a
      // tool that re-applies the setting does not postpone rotation for ever. A shorter period whose date from
      // that anchor has passed rotates once, at the next use, not once for each period it would have had.
      const anchor =
        row.rotation_days !== null && row.next_rotation_at !== null
          ? row.next_rotation_at - row.rotation_days * DAY_MS
          : now();
      await db
        .updateTable('kms_keys')
        .set(
          days === undefined
            ? { rotation_days: null, next_rotation_at: null }
            : { rotation_days: days, next_rotation_at: Math.max(anchor + days * DAY_MS, now()) },
        )
        .where('id', '=', row.id)
        .execute();
    },

    async rotationStatus(scope, keyId) {
      const row = await findKey(scope, keyId, false);
      checkRotatable(scope, row, 'automatic');
      return { arn: keyArn(scope, row.id), days: row.rotation_days, nextAt: row.next_rotation_at };
    },

    async rotateNow(scope, keyId) {
      const row = await findKey(scope, keyId, false);
      checkRotatable(scope, row, 'on-demand');
      checkUsable(scope, row, 'encrypt');
      const made = await db
        .selectFrom('kms_key_materials')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('key_id', '=', row.id)
        .where('origin', '=', 'ON_DEMAND')
        .executeTakeFirstOrThrow();
      if (Number(made.n) >= MAX_ON_DEMAND_ROTATIONS)
        throw badRequest(
          'LimitExceededException',
          `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${keyArn(scope, row.id)}`,
        );
      const next = await newMaterial(row.id, scope.accountId, scope.region);
      await db
        .insertInto('kms_key_materials')
        .values({
          id: next.id,
          key_id: row.id,
          wrapped: next.wrapped,
          origin: 'ON_DEMAND',
          created_at: now(),
        })
        .execute();
      return keyArn(scope, row.id);
    },

    async createGrant(scope, keyId, input) {
      const key = await findKey(scope, keyId, false);
      checkUsable(scope, key, 'grant');
      checkGrant(input, key.key_spec);
      const operations = JSON.stringify([...new Set(input.operations)].sort());
      const constraints = input.constraints ? JSON.stringify(input.constraints) : null;
      // A grant made again under the same name with the same terms is the same grant, with a new token.
      if (input.name !== undefined) {
        const same = (await grantRows(key.id)).find(
          (row) =>
            row.name === input.name &&
            row.grantee === input.grantee &&
            row.retiring === (input.retiring ?? null) &&
            row.operations === operations &&
            row.constraints === constraints,
        );
        if (same) return { id: same.id, token: reissuedToken(same) };
      }
      const id = randomBytes(32).toString('hex');
      const token = randomBytes(48).toString('base64url');
      // Counted and made in one transaction, so grants made at once cannot pass the quotas together.
      await lookups.transaction(db, async (trx) => {
        const counts = await trx
          .selectFrom('kms_grants')
          .select((eb) => [
            eb.fn.countAll<number>().as('all'),
            eb.fn
              .sum<number>(eb.case().when('grantee', '=', input.grantee).then(1).else(0).end())
              .as('grantee'),
          ])
          .where('key_id', '=', key.id)
          .executeTakeFirstOrThrow();
        if (Number(counts.all) >= MAX_GRANTS_PER_KEY)
          throw badRequest(
            'LimitExceededException',
            `${keyArn(scope, key.id)} has reached the limit of ${MAX_GRANTS_PER_KEY} grants.`,
          );
        if (Number(counts.grantee ?? 0) >= MAX_GRANTS_PER_GRANTEE)
          throw badRequest(
            'LimitExceededException',
            `${keyArn(scope, key.id)} has reached the limit of ${MAX_GRANTS_PER_GRANTEE} grants for one grantee principal.`,
          );
        await trx
          .insertInto('kms_grants')
          .values({
            id,
            key_id: key.id,
            name: input.name ?? '',
            grantee: input.grantee,
            retiring: input.retiring ?? null,
            operations,
            constraints,
            token,
            created_at: now(),
          })
          .execute();
      });
      return { id, token };
    },

    async listGrants(scope, keyId, filter) {
      const key = await findKey(scope, keyId, false);
      return (await grantRows(key.id))
        .filter((row) => filter.grantId === undefined || row.id === filter.grantId)
        .filter((row) => filter.grantee === undefined || row.grantee === filter.grantee)
        .map((row) => grantEntry(keyArn(scope, key.id), scope.accountId, row));
    },

    async listRetirableGrants(scope, retiring) {
      checkPrincipal(retiring, 'RetiringPrincipal');
      const rows = await db
        .selectFrom('kms_grants')
        .innerJoin('kms_keys', 'kms_keys.id', 'kms_grants.key_id')
        .selectAll('kms_grants')
        .where('kms_grants.retiring', '=', retiring)
        .where('kms_keys.account_id', '=', scope.accountId)
        .where('kms_keys.region', '=', scope.region)
        .orderBy('kms_grants.created_at')
        .orderBy('kms_grants.id')
        .execute();
      return rows.map((row) => grantEntry(keyArn(scope, row.key_id), scope.accountId, row));
    },

    async retireGrant(scope, caller, by) {
      const { row, key } = await grantOf(scope, by);
      if (!mayRetire(row, caller, key.account_id)) {
        throw new AppError(
          'AccessDeniedException',
          400,
          `User: ${caller.arn} is not authorized to perform: kms:RetireGrant on resource: ${keyArn(scope, key.id)}`,
        );
      }
      await removeGrant(row);
    },

    async revokeGrant(scope, keyId, grantId) {
      await removeGrant((await grantOf(scope, { keyId, grantId })).row);
    },

    async checkGrantTokens(scope, tokens) {
      for (const token of tokens) {
        const grant = await grantOfToken(token);
        if (!grant || !(await keyRow(scope, grant.key_id, false)))
          throw badRequest('InvalidGrantTokenException', 'The grant token is not valid.');
      }
    },

    async rotations(scope, keyId, all) {
      const row = await findKey(scope, keyId, false);
      checkRotatable(scope, row, 'automatic');
      const rows = await db
        .selectFrom('kms_key_materials')
        .select(['id', 'origin', 'created_at'])
        .where('key_id', '=', row.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const current = rows.at(-1)?.id;
      return rows
        .filter((m) => all || m.origin !== 'CREATE')
        .map((m) => ({
          KeyId: keyArn(scope, row.id),
          KeyMaterialId: keyMaterialId(m.id),
          KeyMaterialState: m.id === current ? 'CURRENT' : 'NON_CURRENT',
          ...(m.origin !== 'CREATE'
            ? { RotationDate: m.created_at / 1000, RotationType: m.origin as RotationType }
            : {}),
        }));
    },
  };
}
