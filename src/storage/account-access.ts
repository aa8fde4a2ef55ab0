import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { type PublicAccessBlock, readBlock } from './bucket-access.js';

/** Where accounts' public access blocks are kept: one row per account that has one. */
export interface AccountAccessStore {
  findPublicAccessBlock(accountId: string): Promise<string | undefined>;
  putPublicAccessBlock(accountId: string, json: string, updatedAt: number): Promise<void>;
  deletePublicAccessBlock(accountId: string): Promise<void>;
}

export function createAccountAccessStore(db: Kysely<Database>): AccountAccessStore {
  return {
    async findPublicAccessBlock(accountId: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('account_access')
        .select('public_access_block')
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return row?.public_access_block;
    },

    async putPublicAccessBlock(accountId: string, json: string, updatedAt: number): Promise<void> {
      await db
        .insertInto('account_access')
        .values({ account_id: accountId, public_access_block: json, updated_at: updatedAt })
        .onConflict((oc) =>
          oc.column('account_id').doUpdateSet({ public_access_block: json, updated_at: updatedAt }),
        )
        .execute();
    },

    async deletePublicAccessBlock(accountId: string): Promise<void> {
      await db.deleteFrom('account_access').where('account_id', '=', accountId).execute();
    },
  };
}

/** An account's Block Public Access settings (the S3 Control API's), which apply to every bucket it owns. */
export interface AccountAccessService {
  /** Undefined when none is set. */
  getPublicAccessBlock(accountId: string): Promise<PublicAccessBlock | undefined>;
  putPublicAccessBlock(accountId: string, block: PublicAccessBlock): Promise<void>;
  deletePublicAccessBlock(accountId: string): Promise<void>;
}

/**
 * Accounts' public access blocks, served from memory once read: every request that an account's setting may
 * decide (anonymous reads of a public bucket among them) needs it. Every change goes through here, so the
 * cache is never stale; an account is a handful of bytes and there are few.
 */
export function createAccountAccessService(deps: {
  store: AccountAccessStore;
  clock: Clock;
}): AccountAccessService {
  const { store, clock } = deps;
  /** `null`: the account has none. */
  const cache = new Map<string, PublicAccessBlock | null>();
  // Bumped by every change, so a load that read the store before a change does not cache what it read.
  let generation = 0;

  async function change(accountId: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } finally {
      generation++;
      cache.delete(accountId);
    }
  }

  return {
    async getPublicAccessBlock(accountId: string): Promise<PublicAccessBlock | undefined> {
      const cached = cache.get(accountId);
      if (cached !== undefined) return cached ?? undefined;
      const started = generation;
      const json = await store.findPublicAccessBlock(accountId);
      const block = json === undefined ? null : readBlock(json);
      if (generation === started) cache.set(accountId, block);
      return block ?? undefined;
    },

    putPublicAccessBlock: (accountId: string, block: PublicAccessBlock) =>
      change(accountId, () =>
        store.putPublicAccessBlock(accountId, JSON.stringify(block), clock.now().getTime()),
      ),

    deletePublicAccessBlock: (accountId: string) =>
      change(accountId, () => store.deletePublicAccessBlock(accountId)),
  };
}

/**
 * The setting in force for a bucket of an account that has one: S3 applies the most restrictive combination
 * of the bucket's and its owner's account's, flag by flag.
 */
export function strictestBlock(
  bucket: PublicAccessBlock | undefined,
  account: PublicAccessBlock,
): PublicAccessBlock {
  if (!bucket) return account;
  return Object.freeze({
    blockPublicAcls: bucket.blockPublicAcls || account.blockPublicAcls,
    ignorePublicAcls: bucket.ignorePublicAcls || account.ignorePublicAcls,
    blockPublicPolicy: bucket.blockPublicPolicy || account.blockPublicPolicy,
    restrictPublicBuckets: bucket.restrictPublicBuckets || account.restrictPublicBuckets,
  });
}
