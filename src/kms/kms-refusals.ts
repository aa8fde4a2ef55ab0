import {
  AlgorithmSpec,
  EncapsulationAlgorithmSpec,
  ExpirationModelType,
  ImportType,
  KeyAgreementAlgorithmSpec,
  MessageType,
  SigningAlgorithmSpec,
  WrappingKeySpec,
} from '@aws-sdk/client-kms';
import { type AppError, badRequest } from '../errors.js';
import { type JsonInput, type JsonOperation, type JsonResources, jsonOperation } from '../lib/aws-json.js';
import type { ConditionValues, OperationRequest } from '../lib/operation.js';
import { type KeyUsage, type KmsScope, type KmsService, unsupported } from './kms-service.js';
import { lowerFirst, missing, notInEnum } from './kms-validation.js';

/**
 * The operations of KMS's API that no key or store of a Seawall installation can serve: its keys are symmetric
 * encryption and HMAC keys of origin AWS_KMS, single-Region, and it has no custom key store. Each is declared
 * like any other (its IAM action, its key as the resource, so authorization comes first), checks its input
 * against the model, and then answers what KMS answers for such a key or store: the key's usage (the same
 * checks, order and words as the implemented cryptographic operations), its origin, its being single-Region,
 * or a custom key store that does not exist. Never UnknownOperationException, which says the operation does not
 * exist. Recorded from AWS: LocalStack's tests/aws/services/kms/test_kms.snapshot.json
 * (test_error_messaging_for_invalid_keys, test_derive_shared_secret,
 * test_get_parameters_for_import_raises_for_non_external_kms_keys, test_replicate_replica_key_should_fail).
 */

/** What the refusals take from kms-api: its readers and its wrappers of cryptographic operations. */
export interface RefusalHelpers {
  keyOf(member: string, aliases: boolean): JsonResources<string>;
  /** GrantTokens, as every operation on a key's use takes them. */
  tokened<M extends string>(operation: JsonOperation<M>): JsonOperation<M | 'GrantTokens'>;
  /** GrantTokens and DryRun. */
  cryptographic<M extends string>(operation: JsonOperation<M>): JsonOperation<M | 'GrantTokens' | 'DryRun'>;
  scopeOf(req: OperationRequest): KmsScope;
  /** A blob member of 1 to `max` bytes, required. */
  blob(input: JsonInput<string>, name: string, max: number): Buffer;
  /** A page of a listing by Limit and Marker. */
  page<T>(
    items: readonly T[],
    input: JsonInput<string>,
    max: number,
    fallback: number,
  ): { items: T[]; NextMarker?: string; Truncated: boolean };
}

/** What a refused operation checks of its input, in the model's terms, before its answer. */
interface Shape {
  /** Members the operation takes; KeyId (or CustomKeyStoreId) is added where it names one. */
  readonly members: readonly string[];
  /** Enum members, and whether each is required. */
  readonly enums?: Readonly<Record<string, { values: readonly string[]; required: boolean }>>;
  /** Required blob members and their longest length. */
  readonly blobs?: Readonly<Record<string, number>>;
  /** Required string members. */
  readonly strings?: readonly string[];
  /** The condition keys KMS supplies from members (kms:SigningAlgorithm…). */
  readonly conditions?: Readonly<Record<string, string>>;
}

const enumOf = (values: Record<string, string>, required = true) => ({
  values: Object.values(values),
  required,
});

function checkShape(input: JsonInput<string>, shape: Shape, helpers: RefusalHelpers): void {
  for (const name of shape.strings ?? []) {
    const value = input[name];
    if (typeof value !== 'string' || value === '') throw missing(name);
  }
  for (const [name, max] of Object.entries(shape.blobs ?? {})) helpers.blob(input, name, max);
  for (const [name, { values, required }] of Object.entries(shape.enums ?? {})) {
    const value = input[name];
    if (value === undefined || value === null) {
      if (required) throw missing(name);
      continue;
    }
    if (typeof value !== 'string') throw badRequest('SerializationException', `${name} must be a string.`);
    if (!values.includes(value)) throw notInEnum(lowerFirst(name), value, values);
  }
}

function conditionsOf(shape: Shape) {
  return (input: JsonInput<string>): ConditionValues =>
    Object.fromEntries(
      Object.entries(shape.conditions ?? {}).flatMap(([member, key]) => {
        const value = input[member];
        return typeof value === 'string' ? [[key, value]] : [];
      }),
    );
}

/** A custom key store that does not exist: every one, since Seawall makes none. */
function noSuchStore(what: string): AppError {
  return badRequest(
    'CustomKeyStoreNotFoundException',
    `Custom key store ${what.slice(0, 256)} does not exist.`,
  );
}

export function refusedOperations(kms: KmsService, helpers: RefusalHelpers) {
  const { keyOf, scopeOf } = helpers;
  /** An operation on a key: its shape checked, the key found (aliases where the operation takes them), then `answer`. */
  const onKey = (
    shape: Shape,
    aliases: boolean,
    answer: (input: JsonInput<string>, req: OperationRequest) => Promise<never>,
  ): JsonOperation<string> => ({
    ...jsonOperation(['KeyId', ...shape.members], keyOf('KeyId', aliases), async (input, req) => {
      checkShape(input, shape, helpers);
      return answer(input, req);
    }),
    ...(shape.conditions ? { conditions: conditionsOf(shape) } : {}),
  });
  /** A cryptographic operation needing a key usage no Seawall key has: refused as KMS refuses the key's usage. */
  const byUsage = (usage: KeyUsage, shape: Shape) =>
    helpers.cryptographic(
      onKey(shape, true, async (input, req) => {
        await kms.expectUsable(scopeOf(req), String(input.KeyId), usage);
        // Reached only by a key of that usage, which Seawall does not make.
        throw unsupported(`Keys of usage ${usage} are not supported by Seawall.`);
      }),
    );
  /** An operation a key of origin AWS_KMS cannot serve (imported material), in KMS's words for its origin. */
  const byOrigin = (shape: Shape) =>
    onKey(shape, false, async (input, req) => {
      const arn = await kms.expectUsable(scopeOf(req), String(input.KeyId), 'manage');
      throw unsupported(`${arn} origin is AWS_KMS which is not valid for this operation.`);
    });
  /** An operation of multi-Region keys: every Seawall key is single-Region. */
  const singleRegion = (shape: Shape, why: string) =>
    onKey(shape, false, async (input, req) => {
      const arn = await kms.expectUsable(scopeOf(req), String(input.KeyId), 'manage');
      throw unsupported(`${arn} ${why}`);
    });
  /** An operation on a custom key store named by its id: none exists. */
  const onStore = (members: readonly string[]) =>
    jsonOperation(
      ['CustomKeyStoreId', ...members],
      () => ['*'],
      async (input) => {
        checkShape(input, { members, strings: ['CustomKeyStoreId'] }, helpers);
        throw noSuchStore(String(input.CustomKeyStoreId));
      },
    );
  const signing = {
    members: ['Message', 'MessageType', 'SigningAlgorithm'],
    blobs: { Message: 4096 },
    enums: {
      MessageType: enumOf(MessageType, false),
      SigningAlgorithm: enumOf(SigningAlgorithmSpec),
    },
    conditions: { SigningAlgorithm: 'kms:SigningAlgorithm', MessageType: 'kms:MessageType' },
  } as const;
  const encapsulation = { EncapsulationAlgorithm: enumOf(EncapsulationAlgorithmSpec) };
  const xks = [
    'KeyStorePassword',
    'CloudHsmClusterId',
    'XksProxyUriEndpoint',
    'XksProxyUriPath',
    'XksProxyVpcEndpointServiceName',
    'XksProxyVpcEndpointServiceOwner',
    'XksProxyAuthenticationCredential',
    'XksProxyConnectivity',
  ];

  return {
    Sign: byUsage('SIGN_VERIFY', signing),
    Verify: byUsage('SIGN_VERIFY', {
      ...signing,
      members: [...signing.members, 'Signature'],
      blobs: { ...signing.blobs, Signature: 6144 },
    }),
    DeriveSharedSecret: byUsage('KEY_AGREEMENT', {
      // Recipient (a Nitro enclave's attestation) is taken: the answer is the key's usage either way.
      members: ['KeyAgreementAlgorithm', 'PublicKey', 'Recipient'],
      enums: { KeyAgreementAlgorithm: enumOf(KeyAgreementAlgorithmSpec) },
      blobs: { PublicKey: 8192 },
      conditions: { KeyAgreementAlgorithm: 'kms:KeyAgreementAlgorithm' },
    }),
    Encapsulate: byUsage('ENCAPSULATE_DECAPSULATE', {
      members: ['EncapsulationAlgorithm'],
      enums: encapsulation,
    }),
    Decapsulate: byUsage('ENCAPSULATE_DECAPSULATE', {
      members: ['SharedSecretCiphertextBlob', 'EncapsulationAlgorithm'],
      blobs: { SharedSecretCiphertextBlob: 6144 },
      enums: encapsulation,
    }),
    // Any key usage of an asymmetric key has a public key; a symmetric or HMAC key has none, whatever its state
    // but pending deletion. (AWS's wording for this case is not on record; its code is the model's one for a
    // resource the operation cannot serve.)
    GetPublicKey: helpers.tokened(
      onKey({ members: [] }, true, async (input, req) => {
        const arn = await kms.expectUsable(scopeOf(req), String(input.KeyId), 'manage');
        throw unsupported(`${arn} is not an asymmetric KMS key.`);
      }),
    ),

    GetParametersForImport: byOrigin({
      members: ['WrappingAlgorithm', 'WrappingKeySpec'],
      enums: { WrappingAlgorithm: enumOf(AlgorithmSpec), WrappingKeySpec: enumOf(WrappingKeySpec) },
      conditions: { WrappingAlgorithm: 'kms:WrappingAlgorithm', WrappingKeySpec: 'kms:WrappingKeySpec' },
    }),
    ImportKeyMaterial: byOrigin({
      members: [
        'ImportToken',
        'EncryptedKeyMaterial',
        'ValidTo',
        'ExpirationModel',
        'ImportType',
        'KeyMaterialDescription',
        'KeyMaterialId',
      ],
      blobs: { ImportToken: 6144, EncryptedKeyMaterial: 6144 },
      enums: { ExpirationModel: enumOf(ExpirationModelType, false), ImportType: enumOf(ImportType, false) },
      conditions: { ExpirationModel: 'kms:ExpirationModel' },
    }),
    DeleteImportedKeyMaterial: byOrigin({ members: ['KeyMaterialId'] }),

    ReplicateKey: singleRegion(
      {
        members: ['ReplicaRegion', 'Policy', 'BypassPolicyLockoutSafetyCheck', 'Description', 'Tags'],
        strings: ['ReplicaRegion'],
        conditions: { ReplicaRegion: 'kms:ReplicaRegion' },
      },
      'is not a multi-region primary key.',
    ),
    UpdatePrimaryRegion: singleRegion(
      {
        members: ['PrimaryRegion'],
        strings: ['PrimaryRegion'],
        conditions: { PrimaryRegion: 'kms:PrimaryRegion' },
      },
      'is not a multi-region key.',
    ),
    // Usage tracking (the last cryptographic use and its CloudTrail event) is not kept by Seawall.
    GetKeyLastUsage: jsonOperation(['KeyId'], keyOf('KeyId', false), async () => {
      throw unsupported('GetKeyLastUsage is not implemented by Seawall.');
    }),

    // An installation with no custom key store lists none: that is the store list, not a pretence.
    DescribeCustomKeyStores: jsonOperation(
      ['CustomKeyStoreId', 'CustomKeyStoreName', 'Limit', 'Marker'],
      () => ['*'],
      async (input) => {
        for (const name of ['CustomKeyStoreId', 'CustomKeyStoreName'] as const) {
          const value = input[name];
          if (typeof value === 'string') throw noSuchStore(value);
        }
        const { items, ...rest } = helpers.page([], input, 1000, 100);
        return { CustomKeyStores: items, ...rest };
      },
    ),
    ConnectCustomKeyStore: onStore([]),
    DisconnectCustomKeyStore: onStore([]),
    DeleteCustomKeyStore: onStore([]),
    UpdateCustomKeyStore: onStore(['NewCustomKeyStoreName', ...xks]),
    // Neither a CloudHSM cluster nor an external key store proxy can back a key here: no error of the model's for
    // CreateCustomKeyStore says so, and naming one (cluster not found, proxy unreachable) would pretend a check.
    CreateCustomKeyStore: jsonOperation(
      ['CustomKeyStoreName', 'TrustAnchorCertificate', 'CustomKeyStoreType', ...xks],
      () => ['*'],
      async (input) => {
        checkShape(input, { members: [], strings: ['CustomKeyStoreName'] }, helpers);
        throw unsupported('Custom key stores are not supported by Seawall.');
      },
    ),
  };
}
