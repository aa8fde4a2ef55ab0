import type { Config } from './config.js';
import { dataDirLayout, exists } from './data-dir.js';
import {
  checkKeyStore,
  createAwsKmsKeyStore,
  createLocalKeyStore,
  type KeyStore,
  readRootKey,
  rootKeyOnly,
  withLocalFallback,
} from './kms/index.js';

/**
 * The root key: the one given in the environment (SEAWALL_ROOT_KEY), else the data directory's root.key file.
 * Given both, they must be the same key: secrets sealed under one do not open under the other.
 */
export async function rootKeyOf(config: Config): Promise<Buffer> {
  const file = dataDirLayout(config.dataDir).rootKey;
  if (!config.rootKey) return readRootKey(file);
  if ((await exists(file)) && !(await readRootKey(file)).equals(config.rootKey))
    throw new Error(`SEAWALL_ROOT_KEY is not the root key of ${config.dataDir}: its ${file} holds another`);
  return config.rootKey;
}

/**
 * The store that wraps KMS key material: an external KMS where one is configured (material the root key
 * wrapped before still unwraps), else the root key. An external store that does not work stops the start.
 */
export async function keyStoreOf(config: Config, rootKey: Buffer, region: string) {
  const local = createLocalKeyStore(rootKey);
  if (!config.kmsKeyStoreKey) return { store: rootKeyOnly(local), close: () => {} };
  const external = createAwsKmsKeyStore({
    keyId: config.kmsKeyStoreKey,
    region: config.kmsKeyStoreRegion ?? /^arn:aws:kms:([^:]+):/.exec(config.kmsKeyStoreKey)?.[1] ?? region,
    ...(config.kmsKeyStoreEndpoint ? { endpoint: config.kmsKeyStoreEndpoint } : {}),
    ...(config.kmsKeyStoreCredentials
      ? {
          credentials: {
            file: config.kmsKeyStoreCredentials,
            ...(config.kmsKeyStoreProfile ? { profile: config.kmsKeyStoreProfile } : {}),
          },
        }
      : {}),
  });
  try {
    await checkKeyStore(external);
  } catch (error) {
    external.close();
    throw new Error(
      `the external key store (${config.kmsKeyStoreKey}) cannot wrap and unwrap key material: ${(error as Error).message}`,
    );
  }
  const store: KeyStore = withLocalFallback(external, local);
  return { store, close: () => external.close() };
}
