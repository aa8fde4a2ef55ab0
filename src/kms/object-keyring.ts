import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, badRequest, isAppError } from '../errors.js';
import {
  type ChosenEncryption,
  type CustomerKey,
  contextHeader,
  type KeyAccess,
  type KeyCheck,
  type KeyTarget,
  type ObjectEncryption,
  type ObjectKeyring,
} from '../storage/index.js';
import type { KmsService } from './kms-service.js';
import { CorruptObjectError } from './object-cipher.js';

const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The name of the key SSE-S3 seals data keys under (see KmsService.serviceKey). */
const S3_KEY = 's3-owned-key';

/** The caller's part of an SSE-KMS object's encryption context, as it was given. */
function ownContext(encryption: ObjectEncryption): Record<string, string> | undefined {
  return encryption.context === undefined
    ? undefined
    : (JSON.parse(Buffer.from(encryption.context, 'base64').toString('utf8')) as Record<string, string>);
}

/** Two base64 digests compared in constant time. */
function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Seals a data key under `key` (AES-256-GCM), bound to what kind of key it is. */
function seal(key: Buffer, kind: string, dataKey: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(kind));
  return Buffer.concat([iv, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

/** Opens what seal made; undefined when it does not open (another key, or altered). */
function open(key: Buffer, kind: string, wrapped: string): Buffer | undefined {
  const bytes = Buffer.from(wrapped, 'base64');
  if (bytes.length !== IV_BYTES + DATA_KEY_BYTES + TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(kind));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    return undefined;
  }
}

/** The encryption context S3 gives KMS: the object's ARN, or the bucket's with an S3 Bucket Key. */
function kmsContext(target: KeyTarget, bucketKey: boolean, own: Record<string, string> | undefined) {
  const arn = bucketKey ? `arn:aws:s3:::${target.bucket}` : `arn:aws:s3:::${target.bucket}/${target.key}`;
  if (own?.['aws:s3:arn'] !== undefined && own['aws:s3:arn'] !== arn)
    throw new AppError(
      'InvalidArgument',
      400,
      'The encryption context key aws:s3:arn must name the object (or, with an S3 Bucket Key, the bucket).',
    );
  return { ...own, 'aws:s3:arn': arn };
}

/** The condition keys a KMS call made through S3 carries (kms:ViaService, and the context's). */
function viaS3(region: string, context: Record<string, string>) {
  return {
    'kms:ViaService': `s3.${region}.amazonaws.com`,
    ...Object.fromEntries(Object.entries(context).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])),
    'kms:EncryptionContextKeys': Object.keys(context),
  };
}

/**
 * A KMS error as S3 answers it: its code prefixed with "KMS.", as S3 names KMS's errors. KMS's codes are its
 * exception names (NotFoundException, KMSInvalidStateException…); S3's own refusals met on the way (a context
 * that names the wrong object: InvalidArgument; AccessDenied) are answered as they are. KMS's refusal is
 * S3's AccessDenied with KMS's message (a Decrypt of a key that is gone or not the caller's: "The ciphertext
 * refers to a customer master key that does not exist…").
 */
function throughS3(error: unknown): never {
  if (isAppError(error) && error.code === 'AccessDeniedException')
    throw new AppError('AccessDenied', 403, error.message);
  if (isAppError(error) && error.code.endsWith('Exception') && !error.code.startsWith('KMS.'))
    throw new AppError(`KMS.${error.code}`, error.status === 403 ? 403 : 400, error.message);
  throw error;
}

/** A stored object's key is named by its ARN, whose account is the key's: reads need no bucket lookup. */
function storedScopeOf(region: string) {
  return (keyArn: string) => ({
    accountId: /^arn:aws:kms:[^:]*:(\d{12}):/.exec(keyArn)?.[1] ?? '',
    region,
    operation: 'Decrypt',
  });
}

/** What opening stored objects' data keys needs of KMS: Seawall's S3 key, and Decrypt. */
export type DataKeyKms = Pick<KmsService, 'serviceKey' | 'decrypt'> &
  Partial<Pick<KmsService, 'keyConditions'>>;

/**
 * The read half of the keyring: stored objects' data keys opened as `ObjectKeyring.open` opens them, over any
 * KMS that can answer `DataKeyKms` (the server's, or the offline check's read-only view of the metadata).
 */
export function createDataKeyOpener(kms: DataKeyKms, region: string): Pick<ObjectKeyring, 'open'> {
  const storedScope = storedScopeOf(region);
  async function openS3(wrapped: string): Promise<Buffer> {
    const opened = open(await kms.serviceKey(S3_KEY), 'AES256', wrapped);
    if (!opened) throw new CorruptObjectError('a sealed data key does not open');
    return opened;
  }
  /** An SSE-C object's data key: its key must be the one it was written with (403 otherwise, as S3 answers). */
  function openCustomer(encryption: ObjectEncryption, customerKey: CustomerKey | undefined): Buffer {
    if (!customerKey)
      throw badRequest(
        'InvalidRequest',
        'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
      );
    const opened = sameDigest(customerKey.md5, encryption.customerKeyMd5 as string)
      ? open(customerKey.key, 'SSE-C', encryption.wrapped)
      : undefined;
    if (!opened) throw new AppError('AccessDenied', 403, 'Access Denied');
    return opened;
  }
  return {
    async open(encryption: ObjectEncryption | undefined, target: KeyTarget, access: KeyAccess = {}) {
      const { check, customerKey } = access;
      if (encryption?.customerKeyMd5 !== undefined) return openCustomer(encryption, customerKey);
      if (customerKey)
        throw badRequest('InvalidRequest', 'The encryption parameters are not applicable to this object.');
      // Bytes an earlier version of Seawall stored in plaintext.
      if (!encryption) return null;
      if (encryption.algorithm === 'AES256') return openS3(encryption.wrapped);
      const context = kmsContext(target, encryption.bucketKey ?? false, ownContext(encryption));
      try {
        await check?.({
          action: 'kms:Decrypt',
          resource: encryption.keyId as string,
          conditions: viaS3(region, context),
          ...(kms.keyConditions ? { lookedUpConditions: kms.keyConditions } : {}),
        });
        const { plaintext } = await kms.decrypt(
          storedScope(encryption.keyId as string),
          Buffer.from(encryption.wrapped, 'base64'),
          context,
        );
        return plaintext;
      } catch (error) {
        throughS3(error);
      }
    },
  };
}

/**
 * Objects' data keys over KMS (DESIGN.md, decision 3). SSE-KMS: the data key is sealed by KMS under the key
 * the write named (or the account's aws/s3 key), with S3's encryption context, after the caller's
 * kms:GenerateDataKey (write) or kms:Decrypt (read) is authorized on it. SSE-S3: the data key is sealed under
 * a key Seawall owns (S3's "S3 managed key"), itself sealed under the key store; no caller permission applies.
 */
export function createObjectKeyring(kms: KmsService, region: string): ObjectKeyring {
  // S3 writes under a key through GenerateDataKey and reads through Decrypt, which KMS names when it refuses.
  const scopeOf = (target: KeyTarget) => ({
    accountId: target.accountId,
    region,
    operation: 'GenerateDataKey',
  });
  const storedScope = storedScopeOf(region);
  const sealS3 = async (dataKey: Buffer) => seal(await kms.serviceKey(S3_KEY), 'AES256', dataKey);
  const opener = createDataKeyOpener(kms, region);

  /**
   * The KMS key an SSE-KMS write seals its data key under (the one it names, else the account's aws/s3 key),
   * after the caller's kms:GenerateDataKey on it with the context S3 would give: what both a write and its
   * check decide by.
   */
  async function writeKey(request: ChosenEncryption, target: KeyTarget, check: KeyCheck | undefined) {
    const scope = scopeOf(target);
    const bucketKey = request.bucketKey ?? false;
    const context = kmsContext(target, bucketKey, request.context);
    const keyId =
      request.keyId === undefined
        ? await kms.awsManagedKey(scope, 's3')
        : await kms.resolveArn(scope, request.keyId, true);
    await check?.({
      action: 'kms:GenerateDataKey',
      resource: keyId,
      conditions: viaS3(region, context),
      lookedUpConditions: kms.keyConditions,
    });
    return { scope, keyId, bucketKey, context };
  }

  /** Refuses a key KMS would refuse to encrypt or decrypt under: disabled, pending deletion, an HMAC key, gone. */
  const expectUsable = (keyArn: string, operation: 'GenerateDataKey' | 'Decrypt') =>
    kms.expectUsable({ ...storedScope(keyArn), operation }, keyArn);

  return {
    async create(request: ChosenEncryption, target: KeyTarget, access: KeyAccess = {}) {
      const dataKey = randomBytes(DATA_KEY_BYTES);
      if (request.customerKey)
        return {
          dataKey,
          encryption: {
            algorithm: 'AES256',
            customerKeyMd5: request.customerKey.md5,
            wrapped: seal(request.customerKey.key, 'SSE-C', dataKey),
          },
        };
      if (request.algorithm === 'AES256')
        return { dataKey, encryption: { algorithm: 'AES256', wrapped: await sealS3(dataKey) } };
      try {
        const { scope, keyId, bucketKey, context } = await writeKey(request, target, access.check);
        const { arn, blob } = await kms.encrypt(scope, keyId, dataKey, context);
        const encryption: ObjectEncryption = {
          algorithm: request.algorithm,
          keyId: arn,
          ...(bucketKey ? { bucketKey } : {}),
          ...(request.context ? { context: contextHeader(request.context) } : {}),
          wrapped: blob.toString('base64'),
        };
        return { dataKey, encryption };
      } catch (error) {
        throughS3(error);
      }
    },

    async checkWrite(request: ChosenEncryption, target: KeyTarget, access: KeyAccess) {
      if (request.customerKey || request.algorithm === 'AES256') return;
      try {
        await expectUsable((await writeKey(request, target, access.check)).keyId, 'GenerateDataKey');
      } catch (error) {
        throughS3(error);
      }
    },

    async checkRead(encryption: ObjectEncryption, target: KeyTarget, access: KeyAccess) {
      if (encryption.keyId === undefined) return;
      const context = kmsContext(target, encryption.bucketKey ?? false, ownContext(encryption));
      try {
        await access.check?.({
          action: 'kms:Decrypt',
          resource: encryption.keyId,
          conditions: viaS3(region, context),
          lookedUpConditions: kms.keyConditions,
        });
        // Decrypt would refuse a key that is disabled, pending deletion or gone: so does a read that would.
        await expectUsable(encryption.keyId, 'Decrypt');
      } catch (error) {
        throughS3(error);
      }
    },

    open: opener.open,
  };
}
