/** Key management: the root key that everything else is sealed under. */
export { createSecretBox, ensureRootKeyFile, readRootKey, type SecretBox } from './root-key.js';
