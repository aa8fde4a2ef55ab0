import type { SecretBox } from '../kms/index.js';
import type { Clock } from '../lib/clock.js';
import { accessKeyId, accountId, secretAccessKey } from '../lib/ids.js';
import type { IamStore } from './iam-store.js';

/** Who made a request, once its signature has been verified. */
export interface Principal {
  accountId: string;
  arn: string;
  accessKeyId: string;
}

export interface SigningIdentity extends Principal {
  secretAccessKey: string;
}

export interface RootCredentials {
  accountId: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const SECRET_CONTEXT = 'access-key:';

export function createIamService(deps: { store: IamStore; secrets: SecretBox; clock: Clock }) {
  const { store, secrets, clock } = deps;
  // Verified requests look the key up on every call; secrets are cached unsealed in memory only. Unknown
  // keys are not cached, so a key created later is found at once.
  const cache = new Map<string, SigningIdentity>();

  return {
    /**
     * Creates the account and the root user's access key on first use; later calls return what exists.
     */
    async ensureRootAccount(region: string): Promise<RootCredentials> {
      const existing = await store.firstAccount();
      if (existing) {
        const [key] = await store.accessKeysOf(rootArn(existing.id));
        if (!key) throw new Error(`account ${existing.id} has no root access key`);
        return {
          accountId: existing.id,
          region: existing.region,
          accessKeyId: key.access_key_id,
          secretAccessKey: secrets.open(key.sealed_secret, SECRET_CONTEXT + key.access_key_id),
        };
      }
      const id = accountId();
      const keyId = accessKeyId();
      const secret = secretAccessKey();
      const now = clock.now().getTime();
      await store.insertAccountWithKey(
        { id, region, created_at: now },
        {
          access_key_id: keyId,
          account_id: id,
          principal_arn: rootArn(id),
          sealed_secret: secrets.seal(secret, SECRET_CONTEXT + keyId),
          status: 'Active',
          created_at: now,
        },
      );
      return { accountId: id, region, accessKeyId: keyId, secretAccessKey: secret };
    },

    /** The identity behind an access key, or undefined when the key is unknown or inactive. */
    async signingIdentity(keyId: string): Promise<SigningIdentity | undefined> {
      const cached = cache.get(keyId);
      if (cached) return cached;
      const key = await store.findAccessKey(keyId);
      if (key?.status !== 'Active') return undefined;
      const identity = {
        accountId: key.account_id,
        arn: key.principal_arn,
        accessKeyId: key.access_key_id,
        secretAccessKey: secrets.open(key.sealed_secret, SECRET_CONTEXT + key.access_key_id),
      };
      if (cache.size > 10_000) cache.clear();
      cache.set(keyId, identity);
      return identity;
    },
  };
}

export type IamService = ReturnType<typeof createIamService>;

export function rootArn(account: string): string {
  return `arn:aws:iam::${account}:root`;
}
