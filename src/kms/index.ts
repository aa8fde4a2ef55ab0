/** Key management: the root key that everything else is sealed under, and KMS's keys on top of it. */

export { checkKeyStore, createAwsKmsKeyStore, rootKeyOnly, withLocalFallback } from './aws-kms-key-store.js';
export { createLocalKeyStore, type KeyStore } from './key-store.js';
export { createKmsApi } from './kms-api.js';
export { kmsMigrations } from './kms-migrations.js';
/** The offline check's view of KMS: the metadata read, never written (seawall check). */
export { createOfflineKms, type MaterialCheck, OfflineKeyError, type OfflineKms } from './kms-offline.js';
export { createKmsService, type KmsService } from './kms-service.js';
export { createDataKeyOpener, createObjectKeyring, type DataKeyKms } from './object-keyring.js';
export {
  createSealedText,
  createSecretBox,
  deriveKey,
  ensureRootKeyFile,
  readRootKey,
  type SealedText,
  type SecretBox,
  sealedColumn,
} from './root-key.js';
