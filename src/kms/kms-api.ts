import { randomBytes } from 'node:crypto';
import {
  CustomerMasterKeySpec,
  IncludeKeyMaterial,
  KeyUsageType,
  KeySpec as KmsKeySpecs,
  OriginType,
} from '@aws-sdk/client-kms';
import { badRequest } from '../errors.js';
import {
  type JsonInput,
  type JsonOperation,
  jsonService,
  memberRefusal,
  jsonOperation as op,
  optionalString,
} from '../lib/aws-json.js';
import type { ConditionValues, OperationRequest, ServiceEndpoint } from '../lib/operation.js';
import { decodeOffset, encodeOffset } from '../lib/page-token.js';
import type { EncryptionContext } from './kms-ciphertext.js';
import { sealedHeader } from './kms-ciphertext.js';
import type { GrantConstraints, GrantInput } from './kms-grants.js';
import { dataKeyPairSpec, generateDataKeyPair } from './kms-key-pairs.js';
import { refusedOperations } from './kms-refusals.js';
import {
  aliasArn,
  type KeySpec,
  type KmsScope,
  type KmsService,
  keyArn,
  unsupported,
} from './kms-service.js';
import {
  ALIAS_PATTERN,
  description as describedAs,
  enumViolations,
  integer,
  keyUsageOf,
  kmsValidation,
  lengthViolations,
  lowerFirst,
  missing,
  notInEnum,
  required,
  tagsOf,
  violation,
  violations,
} from './kms-validation.js';

/**
 * KMS's API (awsJson1_1, X-Amz-Target TrentService.*): keys, aliases, key policies, tags, rotation, and the
 * cryptographic operations, and grants. Blobs travel as base64; dates as epoch seconds. What KMS offers and
 * Seawall does not (asymmetric keys, imported material, custom key stores, multi-Region keys) is refused.
 */

const MAX_PLAINTEXT = 4096;
/**
 * The largest request body: a 32 KiB key policy escaped in JSON, or a 6 KiB blob in base64, fit well within;
 * it bounds the encryption context, whose pairs are weighed by the authorizer.
 */
const MAX_BODY_BYTES = 128 * 1024;
const MAX_CIPHERTEXT = 6144;
/** KeyIdType's longest value in KMS's API model. */
const MAX_KEY_ID = 2048;
/** The model's patterns, as AWS quotes them when an empty value breaks them. */
const PRINCIPAL_PATTERN = '^[\\w+=,.@:/-]+$';
const POLICY_PATTERN = '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * KMS's KeySpec values, as the SDK's model of the API lists them: any other is a ValidationException; one
 * Seawall does not make is refused (UnsupportedOperationException).
 */
const KEY_SPECS: readonly string[] = Object.values(KmsKeySpecs);
/** The deprecated CustomerMasterKeySpec's values, fewer than KeySpec's. */
const MASTER_KEY_SPECS: readonly string[] = Object.values(CustomerMasterKeySpec);
/** CreateKey's KeyUsage and Origin values in the model (Seawall makes keys of two usages, of AWS_KMS). */
const KEY_USAGES: readonly string[] = Object.values(KeyUsageType);
const ORIGINS: readonly string[] = Object.values(OriginType);
/** ListKeyRotations' IncludeKeyMaterial: ALL_KEY_MATERIAL adds the first material to the rotations. */
const INCLUDE_KEY_MATERIAL: readonly string[] = Object.values(IncludeKeyMaterial);

const scopeOf = (req: OperationRequest): KmsScope => {
  const operation = req.headers['x-amz-target']?.split('.')[1];
  return { accountId: req.principal.accountId, region: req.region, ...(operation ? { operation } : {}) };
};

function text(input: JsonInput<string>, name: string): string | undefined {
  return optionalString(input, name, 'ValidationException');
}

/** A blob member: base64 of 1 to `max` bytes. Its value is never repeated (a plaintext is sensitive). */
function blob(input: JsonInput<string>, name: string, max: number): Buffer {
  const value = input[name];
  if (typeof value !== 'string') throw missing(name);
  if (!BASE64.test(value)) throw badRequest('SerializationException', `${name} is not valid base64.`);
  const bytes = Buffer.from(value, 'base64');
  const found = lengthViolations(lowerFirst(name), undefined, bytes.length, 1, max);
  if (found.length > 0) throw violations(found);
  return bytes;
}

function flag(input: JsonInput<string>, name: string): boolean {
  const value = input[name];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw badRequest('SerializationException', `${name} must be a boolean.`);
  return value;
}

function context(input: JsonInput<string>, name: string): EncryptionContext {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw badRequest('SerializationException', `${name} must be a map of strings.`);
  const entries = Object.entries(value as Record<string, unknown>);
  const folded = new Set<string>();
  for (const [key, v] of entries) {
    if (typeof v !== 'string')
      throw badRequest('SerializationException', `${name} must be a map of strings.`);
    if (key === '') throw kmsValidation(`${name} keys must not be empty.`);
    // Policy condition keys ignore case, so two such keys would be one to a policy or grant: refused, never
    // decided by whichever came last.
    if (folded.has(key.toLowerCase()))
      throw unsupported(`${name} keys that differ only in case are not supported by Seawall.`);
    folded.add(key.toLowerCase());
  }
  return Object.fromEntries(entries) as EncryptionContext;
}

/** The encryption context as the kms:EncryptionContext condition keys see it. */
function contextConditions(ctx: EncryptionContext): ConditionValues {
  const keys = Object.keys(ctx);
  return {
    ...Object.fromEntries(keys.map((key) => [`kms:EncryptionContext:${key}`, ctx[key]])),
    ...(keys.length > 0 ? { 'kms:EncryptionContextKeys': keys } : {}),
  };
}

function algorithm(input: JsonInput<string>, name: string): void {
  const value = text(input, name);
  if (value === undefined || value === 'SYMMETRIC_DEFAULT') return;
  if (value.startsWith('RSAES_') || value === 'SM2PKE')
    throw badRequest('InvalidKeyUsageException', `${value} is not valid for a symmetric encryption KMS key.`);
  throw notInEnum(lowerFirst(name), value, [
    'SYMMETRIC_DEFAULT',
    'RSAES_OAEP_SHA_1',
    'RSAES_OAEP_SHA_256',
    'SM2PKE',
  ]);
}

/** kms:RequestAlias for a member naming a key by alias (name or ARN), as the key's policy may test it. */
function requestAlias(keyId: unknown): ConditionValues {
  const alias =
    typeof keyId === 'string' ? /^(?:arn:aws:kms:[^:]*:\d{12}:)?(alias\/.+)$/.exec(keyId)?.[1] : undefined;
  return alias !== undefined ? { 'kms:RequestAlias': alias } : {};
}

/** kms:CallerAccount, which every KMS request supplies. */
const callerAccount = (req: OperationRequest) => ({ 'kms:CallerAccount': req.principal.accountId });

/**
 * The condition keys every KMS request supplies: kms:CallerAccount, kms:RequestAlias when the KeyId names an
 * alias, and, looked up only when a policy tests them, those of each key it acts on (KmsService.keyConditions).
 * (kms:ViaService is absent: no AWS service calls on the caller's behalf here.)
 */
function withCallerConditions<M extends string>(
  operation: JsonOperation<M>,
  kms: Pick<KmsService, 'keyConditions'>,
): JsonOperation<M> {
  return {
    ...operation,
    conditions: (input, req) => ({
      ...(operation.conditions?.(input, req) ?? {}),
      ...callerAccount(req),
      ...requestAlias((input as JsonInput<string>).KeyId),
    }),
    lookedUpConditions: (_input, _req, resource) => kms.keyConditions(resource),
  };
}

/**
 * aws:RequestTag/… and aws:TagKeys for the tags a request sets (CreateKey's, TagResource's), nothing when it sets
 * none; read as sent, since the handler checks the tags only once the request is authorized.
 */
function requestTags(value: unknown): ConditionValues {
  const tags = (Array.isArray(value) ? value : []).filter(
    (tag): tag is { TagKey: string; TagValue?: unknown } =>
      tag !== null && typeof tag === 'object' && typeof (tag as { TagKey?: unknown }).TagKey === 'string',
  );
  if (tags.length === 0) return {};
  return {
    'aws:TagKeys': tags.map((tag) => tag.TagKey),
    ...Object.fromEntries(tags.map((tag) => [`aws:RequestTag/${tag.TagKey}`, String(tag.TagValue ?? '')])),
  };
}

/** kms:BypassPolicyLockoutSafetyCheck of CreateKey and PutKeyPolicy: false when the request leaves it out. */
function bypassCondition(input: JsonInput<string>): ConditionValues {
  return { 'kms:BypassPolicyLockoutSafetyCheck': String(flag(input, 'BypassPolicyLockoutSafetyCheck')) };
}

/**
 * The properties of the key CreateKey is asked to make, as kms:KeySpec, kms:KeyUsage, kms:KeyOrigin,
 * kms:MultiRegion and kms:MultiRegionKeyType see them: a member left out counts as its default (AWS KMS condition
 * keys: such a condition "allows requests that have the KeySpec parameter with the SYMMETRIC_DEFAULT value and
 * requests that have no KeySpec parameter"). Its tags and lockout bypass too.
 */
function createKeyConditions(input: JsonInput<string>): ConditionValues {
  const multiRegion = flag(input, 'MultiRegion');
  return {
    'kms:KeySpec': text(input, 'KeySpec') ?? text(input, 'CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT',
    'kms:KeyUsage': text(input, 'KeyUsage') ?? 'ENCRYPT_DECRYPT',
    'kms:KeyOrigin': text(input, 'Origin') ?? 'AWS_KMS',
    'kms:MultiRegion': String(multiRegion),
    ...(multiRegion ? { 'kms:MultiRegionKeyType': 'PRIMARY' } : {}),
    ...bypassCondition(input),
    ...requestTags(input.Tags),
  };
}

/** A page of a listing by KMS's Limit and Marker. */
function page<T>(items: readonly T[], input: JsonInput<string>, max: number, fallback: number) {
  // The model allows 1 to 1000; some listings take fewer, said in the same words.
  const limit = integer(input, 'Limit', 1, max) ?? fallback;
  const marker = text(input, 'Marker');
  const invalid = () => badRequest('InvalidMarkerException', 'The marker is not valid.');
  const start = decodeOffset(marker, invalid);
  // Only a marker Seawall gave: one that decodes to an offset by accident ('x' reads as 0) is not one.
  if (marker !== undefined && encodeOffset(start) !== marker) throw invalid();
  const end = start + limit;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { NextMarker: encodeOffset(end), Truncated: true } : { Truncated: false }),
  };
}

const b64 = (bytes: Buffer) => bytes.toString('base64');

/** A list of strings member (GrantTokens, Operations), of at most `max`. */
function stringList(input: JsonInput<string>, name: string, max: number): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === ''))
    throw badRequest('SerializationException', `${name} must be a list of strings.`);
  if (value.length > max)
    throw violations([
      violation(lowerFirst(name), undefined, `Member must have length less than or equal to ${max}`),
    ]);
  return value as string[];
}

/** CreateGrant's Constraints: one of EncryptionContextEquals and EncryptionContextSubset. */
function constraintsOf(input: JsonInput<string>): GrantConstraints | undefined {
  const value = input.Constraints;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw badRequest('SerializationException', 'Constraints must be an object.');
  const members = value as Record<string, unknown>;
  const names = Object.keys(members).filter((name) => members[name] !== null);
  // A grant for what an AWS service does on a resource's behalf: no service acts through Seawall's grants.
  if (names.includes('SourceArn'))
    throw unsupported('The SourceArn constraint of CreateGrant is not implemented by Seawall.');
  // Both kinds at once is refused in KMS's own words (quoted from AWS in aws/aws-sdk-java#328).
  if (names.length > 1) throw kmsValidation('More than one constraint supplied');
  if (
    names.length !== 1 ||
    !['EncryptionContextEquals', 'EncryptionContextSubset'].includes(names[0] as string)
  )
    throw kmsValidation(
      'Constraints must have exactly one of EncryptionContextEquals and EncryptionContextSubset.',
    );
  const name = names[0] as 'EncryptionContextEquals' | 'EncryptionContextSubset';
  const ctx = context(members, name);
  return name === 'EncryptionContextEquals'
    ? { EncryptionContextEquals: ctx }
    : { EncryptionContextSubset: ctx };
}

/**
 * A DryRun member: the operation runs all the way (its checks, its key's state, its ciphertext) and then answers
 * KMS's DryRunOperationException instead of its result, worded as recorded from AWS (LocalStack's
 * test_kms.snapshot.json, test_generate_data_key_pair_dry_run).
 */
function dryRunnable<M extends string>(operation: JsonOperation<M>): JsonOperation<M | 'DryRun'> {
  return {
    ...operation,
    members: [...operation.members, 'DryRun'],
    async handle(input, req) {
      const dryRun = flag(input, 'DryRun');
      const answer = await operation.handle(input, req);
      if (dryRun)
        throw badRequest(
          'DryRunOperationException',
          'The request would have succeeded, but the DryRun option is set.',
        );
      return answer;
    },
  };
}

/** A KeyId member (KeyIdType): required, and at most 2048 characters, as the model bounds it. */
function keyIdOf(input: JsonInput<string>, member: string): string {
  const value = required(input, member);
  const found = lengthViolations(lowerFirst(member), value, value.length, 1, MAX_KEY_ID);
  if (found.length > 0) throw violations(found);
  return value;
}

export function createKmsApi(kms: KmsService): ServiceEndpoint {
  /** The key a KeyId member names, as its ARN (an alias resolved where the operation takes one). */
  const keyOf =
    (member: string, aliases: boolean) =>
    async (input: JsonInput<string>, req: OperationRequest): Promise<string[]> => [
      await kms.resolveArn(scopeOf(req), keyIdOf(input, member), aliases),
    ];
  const anyKey = () => ['*'];
  /**
   * DescribeKey's key. Named by the alias of an AWS managed key not made yet (alias/aws/s3), KMS makes that key
   * and describes it, as it would on the service's first use.
   */
  const describedKey = async (input: JsonInput<string>, req: OperationRequest): Promise<string[]> => {
    const keyId = keyIdOf(input, 'KeyId');
    const scope = scopeOf(req);
    if (keyId === 'alias/aws/s3' || keyId === `arn:aws:kms:${scope.region}:${scope.accountId}:alias/aws/s3`)
      await kms.awsManagedKey(scope, 's3');
    return [await kms.resolveArn(scope, keyId, true)];
  };
  /** An operation that takes GrantTokens: each must be the token of an existing grant. */
  const tokened = <M extends string>(operation: JsonOperation<M>): JsonOperation<M | 'GrantTokens'> => ({
    ...operation,
    members: [...operation.members, 'GrantTokens'],
    async handle(input, req) {
      await kms.checkGrantTokens(scopeOf(req), stringList(input, 'GrantTokens', 10) ?? []);
      return operation.handle(input, req);
    },
  });
  /** A cryptographic operation: it takes GrantTokens, and DryRun. */
  const cryptographic = <M extends string>(operation: JsonOperation<M>) => tokened(dryRunnable(operation));
  /** GenerateDataKey, and without its plaintext in the answer: the same data key sealed the same way. */
  const dataKeyOperation = (withPlaintext: boolean) =>
    cryptographic({
      ...op(
        ['KeyId', 'KeySpec', 'NumberOfBytes', 'EncryptionContext'],
        keyOf('KeyId', true),
        async (input, req) => {
          const plaintext = randomBytes(dataKeyBytes(input));
          const sealed = await kms.encrypt(
            scopeOf(req),
            required(input, 'KeyId'),
            plaintext,
            context(input, 'EncryptionContext'),
          );
          return {
            CiphertextBlob: b64(sealed.blob),
            ...(withPlaintext ? { Plaintext: b64(plaintext) } : {}),
            KeyId: sealed.arn,
            KeyMaterialId: sealed.keyMaterialId,
          };
        },
      ),
      conditions: (input: JsonInput<string>) => contextConditions(context(input, 'EncryptionContext')),
    });
  /**
   * GenerateDataKeyPair, and without its private key in the answer: a key pair made here, its private key (PKCS#8
   * DER) sealed under the symmetric encryption key as GenerateDataKey seals a data key, so Decrypt opens it.
   */
  const dataKeyPairOperation = (withPlaintext: boolean) =>
    cryptographic({
      ...op(['KeyId', 'KeyPairSpec', 'EncryptionContext'], keyOf('KeyId', true), async (input, req) => {
        const scope = scopeOf(req);
        const spec = dataKeyPairSpec(text(input, 'KeyPairSpec'), scope.region);
        const keyId = required(input, 'KeyId');
        const ctx = context(input, 'EncryptionContext');
        // The key's state and usage first: a key that cannot seal it costs no key pair.
        await kms.expectUsable(scope, keyId);
        const pair = await generateDataKeyPair(spec);
        const sealed = await kms.encrypt(scope, keyId, pair.privateKey, ctx);
        return {
          PrivateKeyCiphertextBlob: b64(sealed.blob),
          ...(withPlaintext ? { PrivateKeyPlaintext: b64(pair.privateKey) } : {}),
          PublicKey: b64(pair.publicKey),
          KeyId: sealed.arn,
          KeyPairSpec: spec,
          KeyMaterialId: sealed.keyMaterialId,
        };
      }),
      conditions: (input: JsonInput<string>) => ({
        ...contextConditions(context(input, 'EncryptionContext')),
        ...(typeof input.KeyPairSpec === 'string' ? { 'kms:DataKeyPairSpec': input.KeyPairSpec } : {}),
      }),
    });
  const grantInput = (input: JsonInput<string>): GrantInput => {
    const retiring = text(input, 'RetiringPrincipal');
    const constraints = constraintsOf(input);
    const name = text(input, 'Name');
    return {
      grantee: required(input, 'GranteePrincipal', PRINCIPAL_PATTERN),
      ...(retiring !== undefined ? { retiring } : {}),
      operations: stringList(input, 'Operations', 20) ?? [],
      ...(constraints ? { constraints } : {}),
      ...(name !== undefined ? { name } : {}),
    };
  };

  const operations = {
    CreateKey: {
      ...op(
        [
          'Description',
          'KeyUsage',
          'KeySpec',
          'CustomerMasterKeySpec',
          'Origin',
          'Policy',
          'BypassPolicyLockoutSafetyCheck',
          'Tags',
          'MultiRegion',
        ],
        anyKey,
        async (input, req) => {
          const description = describedAs(input, false) ?? '';
          // The model's enums first, every violation counted (in the model's order of the members); then KMS's
          // own rules on the values.
          const found = enumViolations(input, {
            KeyUsage: KEY_USAGES,
            CustomerMasterKeySpec: MASTER_KEY_SPECS,
            KeySpec: KEY_SPECS,
            Origin: ORIGINS,
          });
          if (found.length > 0) throw violations(found);
          const spec = text(input, 'KeySpec') ?? text(input, 'CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT';
          // A China Regions spec elsewhere, in KMS's words (quoted from us-east-1 in floci-io/floci#3026).
          if (spec === 'SM2' && !req.region.startsWith('cn-'))
            throw unsupported('KeySpec SM2 is not supported in this Region');
          // A usage the spec does not take is KMS's refusal, whether or not Seawall makes keys of that spec.
          const usage = keyUsageOf(spec, text(input, 'KeyUsage'));
          if (spec !== 'SYMMETRIC_DEFAULT' && spec !== 'HMAC_256')
            throw unsupported(
              `KeySpec ${spec.slice(0, 64)} is not supported by Seawall: only SYMMETRIC_DEFAULT and HMAC_256.`,
            );
          const origin = text(input, 'Origin') ?? 'AWS_KMS';
          if (origin !== 'AWS_KMS')
            throw unsupported(`Origin ${origin.slice(0, 64)} is not supported by Seawall: only AWS_KMS.`);
          if (flag(input, 'MultiRegion'))
            throw unsupported('Multi-Region keys are not supported by Seawall.');
          const policy = text(input, 'Policy');
          return {
            KeyMetadata: await kms.createKey(scopeOf(req), req, {
              description,
              keySpec: spec as KeySpec,
              keyUsage: usage,
              ...(policy !== undefined ? { policy } : {}),
              bypassLockout: flag(input, 'BypassPolicyLockoutSafetyCheck'),
              tags: tagsOf(input, 'Tags'),
            }),
          };
        },
      ),
      conditions: createKeyConditions,
    },
    DescribeKey: tokened(
      op(['KeyId'], describedKey, async (input, req) => ({
        KeyMetadata: await kms.describeKey(scopeOf(req), required(input, 'KeyId')),
      })),
    ),
    ListKeys: op(['Limit', 'Marker'], anyKey, async (input, req) => {
      const { items, ...rest } = page(await kms.listKeys(scopeOf(req)), input, 1000, 100);
      return { Keys: items, ...rest };
    }),
    UpdateKeyDescription: op(['KeyId', 'Description'], keyOf('KeyId', false), async (input, req) => {
      const description = describedAs(input, true) ?? '';
      await kms.updateDescription(scopeOf(req), required(input, 'KeyId'), description);
      return {};
    }),
    EnableKey: op(['KeyId'], keyOf('KeyId', false), async (input, req) => {
      await kms.setEnabled(scopeOf(req), required(input, 'KeyId'), true);
      return {};
    }),
    DisableKey: op(['KeyId'], keyOf('KeyId', false), async (input, req) => {
      await kms.setEnabled(scopeOf(req), required(input, 'KeyId'), false);
      return {};
    }),
    ScheduleKeyDeletion: op(['KeyId', 'PendingWindowInDays'], keyOf('KeyId', false), async (input, req) => {
      // The model allows 1 to 365 days; KMS itself, 7 to 30.
      const days = integer(input, 'PendingWindowInDays', 1, 365) ?? 30;
      if (days < 7 || days > 30) throw kmsValidation('PendingWindowInDays must be between 7 and 30');
      const { arn, deletionAt } = await kms.scheduleDeletion(scopeOf(req), required(input, 'KeyId'), days);
      return {
        KeyId: arn,
        DeletionDate: deletionAt / 1000,
        KeyState: 'PendingDeletion',
        PendingWindowInDays: days,
      };
    }),
    CancelKeyDeletion: op(['KeyId'], keyOf('KeyId', false), async (input, req) => ({
      KeyId: await kms.cancelDeletion(scopeOf(req), required(input, 'KeyId')),
    })),

    CreateAlias: op(
      ['AliasName', 'TargetKeyId'],
      async (input, req) => [
        aliasArn(scopeOf(req), required(input, 'AliasName', ALIAS_PATTERN.source)),
        ...(await keyOf('TargetKeyId', false)(input, req)),
      ],
      async (input, req) => {
        await kms.createAlias(
          scopeOf(req),
          required(input, 'AliasName', ALIAS_PATTERN.source),
          required(input, 'TargetKeyId'),
        );
        return {};
      },
    ),
    UpdateAlias: op(
      ['AliasName', 'TargetKeyId'],
      async (input, req) => {
        const scope = scopeOf(req);
        const name = required(input, 'AliasName', ALIAS_PATTERN.source);
        // The alias, the key it points to now, and the key it is to point to.
        const current = await kms.resolveArn(scope, name, true).catch(() => undefined);
        return [
          aliasArn(scope, name),
          ...(current ? [current] : []),
          ...(await keyOf('TargetKeyId', false)(input, req)),
        ];
      },
      async (input, req) => {
        await kms.updateAlias(
          scopeOf(req),
          required(input, 'AliasName', ALIAS_PATTERN.source),
          required(input, 'TargetKeyId'),
        );
        return {};
      },
    ),
    DeleteAlias: op(
      ['AliasName'],
      async (input, req) => {
        const scope = scopeOf(req);
        const name = required(input, 'AliasName', ALIAS_PATTERN.source);
        const current = await kms.resolveArn(scope, name, true).catch(() => undefined);
        return [aliasArn(scope, name), ...(current ? [current] : [])];
      },
      async (input, req) => {
        await kms.deleteAlias(scopeOf(req), required(input, 'AliasName', ALIAS_PATTERN.source));
        return {};
      },
    ),
    ListAliases: op(['KeyId', 'Limit', 'Marker'], anyKey, async (input, req) => {
      const keyId = text(input, 'KeyId');
      const { items, ...rest } = page(await kms.listAliases(scopeOf(req), keyId), input, 100, 50);
      return { Aliases: items, ...rest };
    }),

    Encrypt: cryptographic({
      ...op(
        ['KeyId', 'Plaintext', 'EncryptionContext', 'EncryptionAlgorithm'],
        keyOf('KeyId', true),
        async (input, req) => {
          algorithm(input, 'EncryptionAlgorithm');
          const { arn, blob: sealed } = await kms.encrypt(
            scopeOf(req),
            required(input, 'KeyId'),
            blob(input, 'Plaintext', MAX_PLAINTEXT),
            context(input, 'EncryptionContext'),
          );
          return { CiphertextBlob: b64(sealed), KeyId: arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
        },
      ),
      conditions: (input: JsonInput<string>) => contextConditions(context(input, 'EncryptionContext')),
    }),
    Decrypt: cryptographic({
      ...op(
        ['CiphertextBlob', 'EncryptionContext', 'KeyId', 'EncryptionAlgorithm'],
        // The key is the one the ciphertext names; a KeyId given must name the same one (checked after).
        (input, req) => [
          keyArn(scopeOf(req), sealedHeader(blob(input, 'CiphertextBlob', MAX_CIPHERTEXT)).keyId),
        ],
        async (input, req) => {
          algorithm(input, 'EncryptionAlgorithm');
          const opened = await kms.decrypt(
            scopeOf(req),
            blob(input, 'CiphertextBlob', MAX_CIPHERTEXT),
            context(input, 'EncryptionContext'),
            text(input, 'KeyId'),
          );
          return {
            KeyId: opened.arn,
            Plaintext: b64(opened.plaintext),
            EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
            KeyMaterialId: opened.keyMaterialId,
          };
        },
      ),
      conditions: (input: JsonInput<string>) => contextConditions(context(input, 'EncryptionContext')),
    }),
    ReEncrypt: cryptographic({
      ...op(
        [
          'CiphertextBlob',
          'SourceEncryptionContext',
          'SourceKeyId',
          'DestinationKeyId',
          'DestinationEncryptionContext',
          'SourceEncryptionAlgorithm',
          'DestinationEncryptionAlgorithm',
        ],
        (input, req) => [
          keyArn(scopeOf(req), sealedHeader(blob(input, 'CiphertextBlob', MAX_CIPHERTEXT)).keyId),
        ],
        async (input, req) => {
          algorithm(input, 'SourceEncryptionAlgorithm');
          algorithm(input, 'DestinationEncryptionAlgorithm');
          const scope = scopeOf(req);
          const destination = required(input, 'DestinationKeyId');
          // ReEncryptFrom is this operation's own check; ReEncryptTo is the destination key's.
          const destinationContext = context(input, 'DestinationEncryptionContext');
          await req.authorize({
            action: 'kms:ReEncryptTo',
            resources: [await kms.resolveArn(scope, destination, true)],
            conditions: {
              ...contextConditions(destinationContext),
              ...callerAccount(req),
              ...requestAlias(destination),
            },
            lookedUpConditions: (resource) => kms.keyConditions(resource),
          });
          const opened = await kms.decrypt(
            scope,
            blob(input, 'CiphertextBlob', MAX_CIPHERTEXT),
            context(input, 'SourceEncryptionContext'),
            text(input, 'SourceKeyId'),
          );
          const sealed = await kms.encrypt(scope, destination, opened.plaintext, destinationContext);
          return {
            CiphertextBlob: b64(sealed.blob),
            SourceKeyId: opened.arn,
            KeyId: sealed.arn,
            SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
            DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
            SourceKeyMaterialId: opened.keyMaterialId,
            DestinationKeyMaterialId: sealed.keyMaterialId,
          };
        },
      ),
      action: 'kms:ReEncryptFrom',
      conditions: (input: JsonInput<string>) => ({
        ...contextConditions(context(input, 'SourceEncryptionContext')),
        ...requestAlias(input.SourceKeyId),
      }),
    }),
    GenerateDataKey: dataKeyOperation(true),
    GenerateDataKeyWithoutPlaintext: dataKeyOperation(false),
    GenerateDataKeyPair: dataKeyPairOperation(true),
    GenerateDataKeyPairWithoutPlaintext: dataKeyPairOperation(false),
    GenerateRandom: op(['NumberOfBytes'], anyKey, async (input) => {
      const bytes = integer(input, 'NumberOfBytes', 1, 1024);
      if (bytes === undefined) throw kmsValidation('NumberOfBytes is required.');
      return { Plaintext: b64(randomBytes(bytes)) };
    }),
    GenerateMac: cryptographic(
      op(['KeyId', 'Message', 'MacAlgorithm'], keyOf('KeyId', true), async (input, req) => {
        macAlgorithm(input);
        const { arn, mac } = await kms.generateMac(
          scopeOf(req),
          required(input, 'KeyId'),
          blob(input, 'Message', MAX_PLAINTEXT),
        );
        return { Mac: b64(mac), MacAlgorithm: 'HMAC_SHA_256', KeyId: arn };
      }),
    ),
    VerifyMac: cryptographic(
      op(['KeyId', 'Message', 'Mac', 'MacAlgorithm'], keyOf('KeyId', true), async (input, req) => {
        macAlgorithm(input);
        const arn = await kms.verifyMac(
          scopeOf(req),
          required(input, 'KeyId'),
          blob(input, 'Message', MAX_PLAINTEXT),
          blob(input, 'Mac', 64),
        );
        return { KeyId: arn, MacValid: true, MacAlgorithm: 'HMAC_SHA_256' };
      }),
    ),

    GetKeyPolicy: op(['KeyId', 'PolicyName'], keyOf('KeyId', false), async (input, req) => {
      policyName(input);
      return { Policy: await kms.getPolicy(scopeOf(req), required(input, 'KeyId')), PolicyName: 'default' };
    }),
    PutKeyPolicy: {
      ...op(
        ['KeyId', 'PolicyName', 'Policy', 'BypassPolicyLockoutSafetyCheck'],
        keyOf('KeyId', false),
        async (input, req) => {
          policyName(input);
          await kms.putPolicy(
            scopeOf(req),
            req,
            required(input, 'KeyId'),
            required(input, 'Policy', POLICY_PATTERN),
            flag(input, 'BypassPolicyLockoutSafetyCheck'),
          );
          return {};
        },
      ),
      conditions: bypassCondition,
    },
    ListKeyPolicies: op(['KeyId', 'Limit', 'Marker'], keyOf('KeyId', false), async (input, req) => {
      await kms.getPolicy(scopeOf(req), required(input, 'KeyId'));
      const { items, ...rest } = page(['default'], input, 1000, 100);
      return { PolicyNames: items, ...rest };
    }),

    TagResource: {
      ...op(['KeyId', 'Tags'], keyOf('KeyId', false), async (input, req) => {
        await kms.tag(scopeOf(req), required(input, 'KeyId'), tagsOf(input, 'Tags'));
        return {};
      }),
      conditions: (input: JsonInput<string>) => requestTags(input.Tags),
    },
    UntagResource: {
      ...op(['KeyId', 'TagKeys'], keyOf('KeyId', false), async (input, req) => {
        const keys = input.TagKeys;
        if (keys === undefined || keys === null) throw missing('TagKeys');
        if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string'))
          throw badRequest('SerializationException', 'TagKeys must be a list of strings.');
        await kms.untag(scopeOf(req), required(input, 'KeyId'), keys as string[]);
        return {};
      }),
      conditions: (input: JsonInput<string>) => {
        const keys = input.TagKeys;
        const names = Array.isArray(keys) ? keys.filter((key) => typeof key === 'string') : [];
        return names.length > 0 ? { 'aws:TagKeys': names } : {};
      },
    },
    ListResourceTags: op(['KeyId', 'Limit', 'Marker'], keyOf('KeyId', false), async (input, req) => {
      const { items, ...rest } = page(await kms.tags(scopeOf(req), required(input, 'KeyId')), input, 50, 50);
      return { Tags: items, ...rest };
    }),

    CreateGrant: tokened({
      ...op(
        ['KeyId', 'GranteePrincipal', 'RetiringPrincipal', 'Operations', 'Constraints', 'Name'],
        keyOf('KeyId', false),
        async (input, req) => {
          const { id, token } = await kms.createGrant(
            scopeOf(req),
            required(input, 'KeyId'),
            grantInput(input),
          );
          return { GrantToken: token, GrantId: id };
        },
      ),
      // For CreateGrant, kms:EncryptionContext keys are the new grant's constraint (as KMS documents them).
      conditions: (input: JsonInput<string>) => {
        const grantee = text(input, 'GranteePrincipal');
        const retiring = text(input, 'RetiringPrincipal');
        const constraints = constraintsOf(input);
        const constrained = constraints && Object.values(constraints)[0];
        return {
          ...(grantee !== undefined ? { 'kms:GranteePrincipal': grantee } : {}),
          ...(retiring !== undefined ? { 'kms:RetiringPrincipal': retiring } : {}),
          'kms:GrantOperations': stringList(input, 'Operations', 20) ?? [],
          ...(constraints ? { 'kms:GrantConstraintType': Object.keys(constraints)[0] } : {}),
          ...(constrained ? contextConditions(constrained) : {}),
          'kms:GrantIsForAWSResource': 'false',
        };
      },
    }),
    ListGrants: op(
      ['KeyId', 'GrantId', 'GranteePrincipal', 'Limit', 'Marker'],
      keyOf('KeyId', false),
      async (input, req) => {
        const grantId = text(input, 'GrantId');
        const grantee = text(input, 'GranteePrincipal');
        const grants = await kms.listGrants(scopeOf(req), required(input, 'KeyId'), {
          ...(grantId !== undefined ? { grantId } : {}),
          ...(grantee !== undefined ? { grantee } : {}),
        });
        const { items, ...rest } = page(grants, input, 100, 50);
        return { Grants: items, ...rest };
      },
    ),
    ListRetirableGrants: op(['RetiringPrincipal', 'Limit', 'Marker'], anyKey, async (input, req) => {
      const grants = await kms.listRetirableGrants(
        scopeOf(req),
        required(input, 'RetiringPrincipal', PRINCIPAL_PATTERN),
      );
      const { items, ...rest } = page(grants, input, 100, 50);
      return { Grants: items, ...rest };
    }),
    // Who may retire a grant is the grant's to say (its retiring principal, its grantee, the key's account),
    // not a policy's: the handler decides.
    RetireGrant: {
      ...op(
        ['GrantToken', 'KeyId', 'GrantId'],
        async (input, req) => {
          const keyId = text(input, 'KeyId');
          return keyId === undefined ? ['*'] : [await kms.resolveArn(scopeOf(req), keyId, false)];
        },
        async (input, req) => {
          const token = text(input, 'GrantToken');
          const keyId = text(input, 'KeyId');
          const grantId = text(input, 'GrantId');
          if (token !== undefined) await kms.retireGrant(scopeOf(req), req.principal, { token });
          else if (keyId !== undefined && grantId !== undefined)
            await kms.retireGrant(scopeOf(req), req.principal, { keyId, grantId });
          else throw kmsValidation('RetireGrant needs a GrantToken, or a KeyId and a GrantId.');
          return {};
        },
      ),
      anyPrincipal: true as const,
    },
    RevokeGrant: op(['KeyId', 'GrantId'], keyOf('KeyId', false), async (input, req) => {
      await kms.revokeGrant(scopeOf(req), required(input, 'KeyId'), required(input, 'GrantId'));
      return {};
    }),

    EnableKeyRotation: op(['KeyId', 'RotationPeriodInDays'], keyOf('KeyId', false), async (input, req) => {
      const days = integer(input, 'RotationPeriodInDays', 90, 2560) ?? 365;
      await kms.setRotation(scopeOf(req), required(input, 'KeyId'), days);
      return {};
    }),
    DisableKeyRotation: op(['KeyId'], keyOf('KeyId', false), async (input, req) => {
      await kms.setRotation(scopeOf(req), required(input, 'KeyId'), undefined);
      return {};
    }),
    GetKeyRotationStatus: op(['KeyId'], keyOf('KeyId', false), async (input, req) => {
      const status = await kms.rotationStatus(scopeOf(req), required(input, 'KeyId'));
      return {
        KeyId: status.arn,
        KeyRotationEnabled: status.days !== null,
        ...(status.days !== null ? { RotationPeriodInDays: status.days } : {}),
        ...(status.nextAt !== null ? { NextRotationDate: status.nextAt / 1000 } : {}),
      };
    }),
    RotateKeyOnDemand: op(['KeyId'], keyOf('KeyId', false), async (input, req) => ({
      KeyId: await kms.rotateNow(scopeOf(req), required(input, 'KeyId')),
    })),
    ListKeyRotations: op(
      ['KeyId', 'IncludeKeyMaterial', 'Limit', 'Marker'],
      keyOf('KeyId', false),
      async (input, req) => {
        const include = text(input, 'IncludeKeyMaterial') ?? 'ROTATIONS_ONLY';
        if (!INCLUDE_KEY_MATERIAL.includes(include))
          throw notInEnum('includeKeyMaterial', include, INCLUDE_KEY_MATERIAL);
        const { items, ...rest } = page(
          await kms.rotations(scopeOf(req), required(input, 'KeyId'), include === 'ALL_KEY_MATERIAL'),
          input,
          1000,
          100,
        );
        return { Rotations: items, ...rest };
      },
    ),

    // The operations no Seawall key or store can serve, answered as KMS answers for such keys (kms-refusals.ts).
    ...refusedOperations(kms, { keyOf, tokened, cryptographic, scopeOf, blob, page }),
  };

  return jsonService({
    service: 'kms',
    iamPrefix: 'kms',
    targetPrefix: 'TrentService',
    operations: Object.fromEntries(
      Object.entries(operations).map(([name, operation]) => [name, withCallerConditions(operation, kms)]),
    ),
    refuse: memberRefusal('UnsupportedOperationException'),
    maxBodyBytes: MAX_BODY_BYTES,
  });
}

/** GenerateDataKey's length: KeySpec (AES_256, AES_128) or NumberOfBytes (1 to 1024), exactly one of them. */
function dataKeyBytes(input: JsonInput<string>): number {
  const spec = text(input, 'KeySpec');
  const bytes = integer(input, 'NumberOfBytes', 1, 1024);
  if ((spec === undefined) === (bytes === undefined))
    throw kmsValidation('Please specify either number of bytes or key spec.');
  if (bytes !== undefined) return bytes;
  if (spec === 'AES_256') return 32;
  if (spec === 'AES_128') return 16;
  throw notInEnum('keySpec', String(spec), ['AES_256', 'AES_128']);
}

function macAlgorithm(input: JsonInput<string>): void {
  const value = input.MacAlgorithm;
  if (typeof value !== 'string') throw missing('MacAlgorithm');
  if (value === 'HMAC_SHA_256') return;
  // Seawall's only HMAC key spec is HMAC_256, whose one algorithm is HMAC_SHA_256.
  if (['HMAC_SHA_224', 'HMAC_SHA_384', 'HMAC_SHA_512'].includes(value))
    throw badRequest(
      'InvalidKeyUsageException',
      `Algorithm ${value} is incompatible with key spec HMAC_256.`,
    );
  throw notInEnum('macAlgorithm', value, ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512']);
}

/** Key policies have one name, `default`. */
function policyName(input: JsonInput<string>): void {
  const name = optionalString(input, 'PolicyName', 'ValidationException');
  if (name !== undefined && name !== 'default')
    throw badRequest('NotFoundException', 'No such policy exists');
}
