import { createSecretBox } from './root-key.js';

/**
 * Where KMS key material is wrapped: the root of trust (DESIGN.md, decision 3). The local store wraps under a
 * key derived from the root key; an external KMS can implement the same two calls.
 */
export interface KeyStore {
  /** Wraps key material, bound to `context` (the key's ARN and the material's id). */
  wrap(material: Buffer, context: string): Promise<string>;
  /** Unwraps what `wrap` made with the same context; throws if it was altered or the context differs. */
  unwrap(wrapped: string, context: string): Promise<Buffer>;
}

/** The key store of the root key file (or the key given in the environment). */
export function createLocalKeyStore(rootKey: Buffer): KeyStore {
  const box = createSecretBox(rootKey, 'kms-key-material');
  return {
    wrap: async (material, context) => box.seal(material.toString('base64'), context),
    unwrap: async (wrapped, context) => Buffer.from(box.open(wrapped, context), 'base64'),
  };
}
