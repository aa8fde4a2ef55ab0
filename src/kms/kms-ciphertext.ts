import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

/**
 * The ciphertext blobs Encrypt and GenerateDataKey answer. A blob names its key and the version of the key's
 * material that sealed it, so Decrypt needs no KeyId and a rotated key keeps decrypting what it sealed before.
 * AES-256-GCM; the key, the material and the encryption context are bound as additional data, so a blob
 * altered, moved to another key or decrypted with another context fails authentication.
 *
 *   version (1) | key id (16) | material id (16) | IV (12) | tag (16) | ciphertext
 */
const VERSION = 1;
const ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + 2 * ID_BYTES + IV_BYTES + TAG_BYTES;

/** An encryption context: string keys to string values, bound to the ciphertext. */
export type EncryptionContext = Readonly<Record<string, string>>;

/** What a blob's header says before anything is decrypted. */
export interface SealedHeader {
  keyId: string;
  materialId: string;
}

/**
 * KMS answers a ciphertext it cannot open with no message at all (recorded against AWS in LocalStack's
 * test_kms.snapshot.json); the reason stays in the server's own record of the error.
 */
export function invalidCiphertext(): Error {
  return new AppError('InvalidCiphertextException', 400, 'The ciphertext is not valid.', {
    protocolMessage: '',
  });
}

function idBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

function uuidOf(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The context as bytes that do not depend on the order its pairs were given in. */
function canonicalContext(context: EncryptionContext): string {
  return JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function additionalData(header: Buffer, context: EncryptionContext): Buffer {
  return Buffer.concat([header.subarray(0, 1 + 2 * ID_BYTES), Buffer.from(canonicalContext(context))]);
}

/** Seals `plaintext` under a key's material (32 bytes). */
export function seal(
  material: Buffer,
  ids: SealedHeader,
  plaintext: Buffer,
  context: EncryptionContext,
): Buffer {
  const iv = randomBytes(IV_BYTES);
  const header = Buffer.concat([Buffer.of(VERSION), idBytes(ids.keyId), idBytes(ids.materialId)]);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(additionalData(header, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/** The key and material a blob names; InvalidCiphertextException for anything that is not one of ours. */
export function sealedHeader(blob: Buffer): SealedHeader {
  if (blob.length < HEADER_BYTES || blob[0] !== VERSION) throw invalidCiphertext();
  return {
    keyId: uuidOf(blob.subarray(1, 1 + ID_BYTES)),
    materialId: uuidOf(blob.subarray(1 + ID_BYTES, 1 + 2 * ID_BYTES)),
  };
}

/** Opens a blob with the material its header names; InvalidCiphertextException if it does not authenticate. */
export function open(material: Buffer, blob: Buffer, context: EncryptionContext): Buffer {
  sealedHeader(blob);
  const ivAt = 1 + 2 * ID_BYTES;
  const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(ivAt, ivAt + IV_BYTES));
  decipher.setAAD(additionalData(blob, context));
  decipher.setAuthTag(blob.subarray(ivAt + IV_BYTES, HEADER_BYTES));
  try {
    return Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    throw invalidCiphertext();
  }
}
