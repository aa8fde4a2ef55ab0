/** Key management: the root key that everything else is sealed under. */
export { createSecretBox, deriveKey, ensureRootKeyFile, readRootKey, type SecretBox } from './root-key.js';
