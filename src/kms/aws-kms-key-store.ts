import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { AppError } from '../errors.js';
import type { KeyStore } from './key-store.js';

/** What an external key store's wrapped material begins with, to tell it from the root key's. */
const PREFIX = 'aws-kms:';
/** The encryption context the external key binds each wrapping to. */
const CONTEXT_KEY = 'seawall:key-material';

export interface AwsKmsKeyStoreOptions {
  /** The external KMS key (ARN, id or alias) that wraps Seawall's key material. */
  keyId: string;
  /** The KMS endpoint: AWS's for the region unless given (another Seawall, a VPC endpoint). */
  endpoint?: string;
  region: string;
  /** A credentials file in the aws cli's format, and a profile in it; the SDK's default chain otherwise. */
  credentials?: { file: string; profile?: string };
}

function unavailable(error: unknown): AppError {
  // The external KMS's own words (its key's ARN, the identity it saw) stay in the log, not in the answer.
  return new AppError('KMSInternalException', 500, 'The external key store could not be used.', {
    cause: error,
  });
}

/**
 * A key store in another KMS, through the AWS KMS API (AWS KMS itself, or another Seawall): key material is
 * wrapped by Encrypt under the external key, bound to the material's context, and unwrapped by Decrypt. The
 * root of trust is then that key: disabling or deleting it there makes every key here unusable (once the
 * material in memory has expired; see KmsService's materialTtlMs).
 */
export function createAwsKmsKeyStore(options: AwsKmsKeyStoreOptions): KeyStore & { close(): void } {
  const client = new KMSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    credentials: options.credentials
      ? fromIni({
          filepath: options.credentials.file,
          ...(options.credentials.profile ? { profile: options.credentials.profile } : {}),
        })
      : defaultProvider(),
    maxAttempts: 3,
  });
  return {
    async wrap(material, context) {
      try {
        const { CiphertextBlob } = await client.send(
          new EncryptCommand({
            KeyId: options.keyId,
            Plaintext: material,
            EncryptionContext: { [CONTEXT_KEY]: context },
          }),
        );
        return PREFIX + Buffer.from(CiphertextBlob ?? []).toString('base64');
      } catch (error) {
        throw unavailable(error);
      }
    },
    async unwrap(wrapped, context) {
      if (!wrapped.startsWith(PREFIX))
        throw new Error('key material was not wrapped by the external key store');
      try {
        const { Plaintext } = await client.send(
          new DecryptCommand({
            KeyId: options.keyId,
            CiphertextBlob: Buffer.from(wrapped.slice(PREFIX.length), 'base64'),
            EncryptionContext: { [CONTEXT_KEY]: context },
          }),
        );
        return Buffer.from(Plaintext ?? []);
      } catch (error) {
        throw unavailable(error);
      }
    },
    close: () => client.destroy(),
  };
}

/** Whether wrapped material came from the external key store (else the root key's). */
export function wrappedExternally(wrapped: string): boolean {
  return wrapped.startsWith(PREFIX);
}

/**
 * New material wrapped by the external store; material already wrapped by the root key still unwraps with it,
 * so an installation can move to an external KMS without rewrapping at once.
 */
export function withLocalFallback(external: KeyStore, local: KeyStore): KeyStore {
  return {
    wrap: (material, context) => external.wrap(material, context),
    unwrap: (wrapped, context) =>
      wrappedExternally(wrapped) ? external.unwrap(wrapped, context) : local.unwrap(wrapped, context),
  };
}

/** The root key's store alone: material an external store wrapped is refused with what to configure. */
export function rootKeyOnly(local: KeyStore): KeyStore {
  return {
    wrap: (material, context) => local.wrap(material, context),
    async unwrap(wrapped, context) {
      if (wrappedExternally(wrapped)) {
        throw new AppError(
          'KMSInternalException',
          500,
          'This key material is wrapped by an external key store, which this server is not configured with (SEAWALL_KMS_KEY_STORE_KEY).',
        );
      }
      return local.unwrap(wrapped, context);
    },
  };
}

/** Wraps and unwraps a throwaway value, so that a key store that cannot work stops the server at start-up. */
export async function checkKeyStore(store: KeyStore): Promise<void> {
  const probe = Buffer.from('seawall key store check');
  const back = await store.unwrap(await store.wrap(probe, 'start-up check'), 'start-up check');
  if (!back.equals(probe)) throw new Error('the key store did not give back what it wrapped');
}
