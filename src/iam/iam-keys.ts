import { accessKeyId, accountId, secretAccessKey } from '../lib/ids.js';
import type { Principal } from '../lib/operation.js';
import { type IamContext, now, SECRET_CONTEXT } from './iam-context.js';
import { assumedRoleArn, deleteConflict, iamArn, limitExceeded, noSuchEntity } from './iam-names.js';
import type { IamSessionTable, IamUserTable } from './iam-schema.js';
import type { AccessKeyRow } from './iam-store.js';
import type { AccessKeyLastUsedView, IamKeys, NewAccessKey } from './iam-types.js';

/** The identity behind an access key: its principal, its secret and, for temporary keys, their session. */
export interface SigningIdentity extends Principal {
  readonly secretAccessKey: string;
  /** Temporary (STS) credentials only: the SHA-256 (hex) of their session token and when they expire. */
  readonly session?: { readonly tokenSha256: string; readonly expiresAt: Date };
}

export interface RootCredentials {
  accountId: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export type AccessKeyMetadata = {
  UserName?: string;
  AccessKeyId: string;
  Status: 'Active' | 'Inactive';
  CreateDate: Date;
};

const MAX_KEYS_PER_USER = 2;

/** Whether a principal signs with temporary (STS) credentials: their key ids, and only theirs, start ASIA. */
export function isSessionPrincipal(principal: Pick<Principal, 'accessKeyId'>): boolean {
  return principal.accessKeyId.startsWith('ASIA');
}

/**
 * A GetSessionToken session (a user's or the root's, not a role's): AWS lets it call no IAM operation
 * without MFA, which Seawall does not have, and of STS only AssumeRole and GetCallerIdentity.
 */
export function isUserSession(principal: Pick<Principal, 'accessKeyId' | 'type'>): boolean {
  return isSessionPrincipal(principal) && principal.type !== 'AssumedRole';
}

export function rootArn(account: string): string {
  return `arn:aws:iam::${account}:root`;
}

export function rootPrincipal(account: string, keyId: string): Principal {
  return { accountId: account, arn: rootArn(account), accessKeyId: keyId, type: 'Root', userId: account };
}

export function userPrincipal(user: IamUserTable, keyId: string): Principal {
  return {
    accountId: user.account_id,
    arn: iamArn(user.account_id, 'user', user.path, user.name),
    accessKeyId: keyId,
    type: 'IAMUser',
    userId: user.id,
    username: user.name,
  };
}

/** The principal a session acts as; undefined when its user is gone. */
async function sessionPrincipal(ctx: IamContext, session: IamSessionTable): Promise<Principal | undefined> {
  const keyId = session.access_key_id;
  if (session.kind === 'Root') return rootPrincipal(session.account_id, keyId);
  if (session.kind === 'IAMUser') {
    const user = await ctx.db
      .selectFrom('iam_users')
      .selectAll()
      .where('id', '=', session.subject_id)
      .executeTakeFirst();
    return user ? userPrincipal(user, keyId) : undefined;
  }
  const roleName = session.role_arn?.slice(session.role_arn.lastIndexOf('/') + 1) ?? '';
  const name = session.session_name ?? '';
  return {
    accountId: session.account_id,
    arn: assumedRoleArn(session.account_id, roleName, name),
    accessKeyId: keyId,
    type: 'AssumedRole',
    userId: `${session.subject_id}:${name}`,
    ...(session.service ? { service: session.service } : {}),
  };
}

export function createKeys(ctx: IamContext): IamKeys {
  const { store, secrets, clock } = ctx;
  // Verified requests look the key up on every call; secrets are cached unsealed in memory only, and the
  // cache is dropped on every IAM write. Unknown keys are not cached, so a key created later is found at once.
  let cache = new Map<string, SigningIdentity>();
  let cachedAt = ctx.generation();

  async function lookUp(keyId: string): Promise<SigningIdentity | undefined> {
    if (keyId.startsWith('ASIA')) {
      const session = await store.findSession(keyId);
      if (!session) return undefined;
      const principal = await sessionPrincipal(ctx, session);
      if (!principal) return undefined;
      return {
        ...principal,
        secretAccessKey: secrets.open(session.sealed_secret, SECRET_CONTEXT + keyId),
        session: { tokenSha256: session.token_sha256, expiresAt: new Date(session.expires_at) },
      };
    }
    const key = await store.findAccessKey(keyId);
    if (key?.status !== 'Active') return undefined;
    let principal: Principal;
    if (key.user_id === null) principal = rootPrincipal(key.account_id, keyId);
    else {
      const user = await ctx.db
        .selectFrom('iam_users')
        .selectAll()
        .where('id', '=', key.user_id)
        .executeTakeFirst();
      if (!user) return undefined;
      principal = userPrincipal(user, keyId);
    }
    return { ...principal, secretAccessKey: secrets.open(key.sealed_secret, SECRET_CONTEXT + keyId) };
  }

  function metadata(key: AccessKeyRow, userName: string | undefined): AccessKeyMetadata {
    return {
      ...(userName === undefined ? {} : { UserName: userName }),
      AccessKeyId: key.access_key_id,
      Status: key.status,
      CreateDate: new Date(key.created_at),
    };
  }

  /** The key, if it belongs to the user (or, with `user` undefined, to the account's root). */
  async function ownKey(account: string, user: IamUserTable | undefined, keyId: string) {
    const key = await store.findAccessKey(keyId);
    const owner = user ? key?.user_id === user.id : key?.user_id === null && key.account_id === account;
    if (!key || !owner) throw noSuchEntity(`The Access Key with id ${keyId} cannot be found.`);
    return key;
  }

  async function keysOf(account: string, user: IamUserTable | undefined): Promise<AccessKeyRow[]> {
    return user ? store.accessKeysOfUser(user.id) : store.accessKeysOf(rootArn(account));
  }

  /** The root user keeps one active key: Seawall's own credentials file names it. */
  async function keepRootKey(account: string, keyId: string): Promise<void> {
    const others = (await keysOf(account, undefined)).filter(
      (k) => k.access_key_id !== keyId && k.status === 'Active',
    );
    if (others.length === 0)
      throw deleteConflict("Seawall keeps the root user's last active access key; create another first.");
  }

  return {
    async ensureRootAccount(region: string): Promise<RootCredentials> {
      const existing = await store.firstAccount();
      if (existing) {
        const key = (await store.accessKeysOf(rootArn(existing.id))).find((k) => k.status === 'Active');
        if (!key) throw new Error(`account ${existing.id} has no active root access key`);
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
      const at = clock.now().getTime();
      await store.insertAccountWithKey(
        { id, region, created_at: at },
        {
          access_key_id: keyId,
          account_id: id,
          principal_arn: rootArn(id),
          sealed_secret: secrets.seal(secret, SECRET_CONTEXT + keyId),
          status: 'Active',
          created_at: at,
        },
      );
      return { accountId: id, region, accessKeyId: keyId, secretAccessKey: secret };
    },

    async signingIdentity(keyId: string): Promise<SigningIdentity | undefined> {
      if (cachedAt !== ctx.generation()) {
        cache = new Map();
        cachedAt = ctx.generation();
      }
      const cached = cache.get(keyId);
      if (cached) return cached;
      const generation = ctx.generation();
      const identity = await lookUp(keyId);
      if (!identity || generation !== ctx.generation()) return identity;
      if (cache.size > 10_000) cache.clear();
      cache.set(keyId, identity);
      return identity;
    },

    async noteKeyUse(keyId: string, service: string, region: string): Promise<void> {
      if (keyId.startsWith('ASIA')) return;
      const key = await store.findAccessKey(keyId);
      const at = now(ctx);
      if (!key || (key.last_used_at !== null && at - key.last_used_at < 60_000)) return;
      await store.noteKeyUse(keyId, at, service, region);
    },

    async createAccessKey(account: string, user: IamUserTable | undefined): Promise<NewAccessKey> {
      if ((await keysOf(account, user)).length >= MAX_KEYS_PER_USER)
        throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS_PER_USER}`);
      const keyId = accessKeyId();
      const secret = secretAccessKey();
      const row: AccessKeyRow = {
        access_key_id: keyId,
        account_id: account,
        principal_arn: user ? iamArn(account, 'user', user.path, user.name) : rootArn(account),
        sealed_secret: secrets.seal(secret, SECRET_CONTEXT + keyId),
        status: 'Active',
        created_at: now(ctx),
        user_id: user?.id ?? null,
        last_used_at: null,
        last_used_service: null,
        last_used_region: null,
      };
      await store.insertAccessKey(row);
      ctx.changed();
      return { ...metadata(row, user?.name), SecretAccessKey: secret };
    },

    async listAccessKeys(account: string, user: IamUserTable | undefined): Promise<AccessKeyMetadata[]> {
      return (await keysOf(account, user)).map((key) => metadata(key, user?.name));
    },

    async updateAccessKey(
      account: string,
      user: IamUserTable | undefined,
      keyId: string,
      status: 'Active' | 'Inactive',
    ): Promise<void> {
      await ownKey(account, user, keyId);
      if (!user && status === 'Inactive') await keepRootKey(account, keyId);
      await store.setAccessKeyStatus(keyId, status);
      ctx.changed();
    },

    async deleteAccessKey(account: string, user: IamUserTable | undefined, keyId: string): Promise<void> {
      await ownKey(account, user, keyId);
      if (!user) await keepRootKey(account, keyId);
      await store.deleteAccessKey(keyId);
      ctx.changed();
    },

    async accessKeyLastUsed(account: string, keyId: string): Promise<AccessKeyLastUsedView> {
      const key = await store.findAccessKey(keyId);
      if (!key || key.account_id !== account)
        throw noSuchEntity(`The Access Key with id ${keyId} cannot be found.`);
      const user = key.user_id
        ? await ctx.db.selectFrom('iam_users').select('name').where('id', '=', key.user_id).executeTakeFirst()
        : undefined;
      return {
        UserName: user?.name ?? 'root',
        AccessKeyLastUsed: {
          ...(key.last_used_at === null ? {} : { LastUsedDate: new Date(key.last_used_at) }),
          ServiceName: key.last_used_service ?? 'N/A',
          Region: key.last_used_region ?? 'N/A',
        },
      };
    },
  };
}
