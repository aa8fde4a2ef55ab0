import { type AppError, notFound } from '../errors.js';
import { type Policy, parsePolicy } from '../iam/policy/index.js';
import type { Clock } from '../lib/clock.js';
import { createBucketCache } from './bucket-cache.js';
import type { BucketAccessRow, StorageStore } from './storage-store.js';

/** S3's Block Public Access settings of a bucket (PublicAccessBlockConfiguration); unset flags are false. */
export interface PublicAccessBlock {
  readonly blockPublicAcls: boolean;
  readonly ignorePublicAcls: boolean;
  readonly blockPublicPolicy: boolean;
  readonly restrictPublicBuckets: boolean;
}

/** What decides access to a bucket besides the caller's own policies: its policy and public access block. */
export interface BucketAccess {
  readonly policy?: Policy;
  readonly publicAccessBlock?: PublicAccessBlock;
}

/** A bucket's policy and public access block, read through a cache that every change keeps current. */
export interface BucketAccessService {
  /** The bucket's policy and public access block, or undefined when the bucket does not exist. */
  bucketAccess(bucket: string): Promise<BucketAccess | undefined>;
  /** The account that owns the bucket, whose public access block applies too; undefined when there is none. */
  owner(bucket: string): Promise<string | undefined>;
  /** The policy's text as it was put, or undefined when none is set; NoSuchBucket when there is no bucket. */
  getPolicy(bucket: string): Promise<{ text: string; policy: Policy } | undefined>;
  /** Undefined when none is set; NoSuchBucket when there is no bucket. */
  getPublicAccessBlock(bucket: string): Promise<PublicAccessBlock | undefined>;
  /** Stores a policy already validated (see parseBucketPolicy). */
  putPolicy(bucket: string, text: string): Promise<void>;
  deletePolicy(bucket: string): Promise<void>;
  putPublicAccessBlock(bucket: string, block: PublicAccessBlock): Promise<void>;
  deletePublicAccessBlock(bucket: string): Promise<void>;
  /** Drops what the cache holds for a bucket that was just created or deleted. */
  forget(bucket: string): void;
}

/** A bucket's settings as the cache holds them: the policy's text besides its tree, for GetBucketPolicy. */
interface Entry {
  readonly owner: string;
  readonly access: BucketAccess;
  readonly policyText?: string;
}

const FLAGS = ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'] as const;

/** A stored block (the JSON of its flags); a flag not stored is false. */
export function readBlock(json: string): PublicAccessBlock {
  const stored = JSON.parse(json) as Record<string, unknown>;
  return Object.freeze(
    Object.fromEntries(FLAGS.map((flag) => [flag, stored[flag] === true])) as unknown as PublicAccessBlock,
  );
}

function toEntry(row: BucketAccessRow & { account_id: string }): Entry {
  const policy = row.policy === null ? undefined : parsePolicy(row.policy, 'resource');
  const publicAccessBlock = row.public_access_block === null ? undefined : readBlock(row.public_access_block);
  return Object.freeze({
    owner: row.account_id,
    access: Object.freeze({
      ...(policy ? { policy } : {}),
      ...(publicAccessBlock ? { publicAccessBlock } : {}),
    }),
    ...(row.policy === null ? {} : { policyText: row.policy }),
  });
}

function noSuchBucket(bucket: string): AppError {
  return notFound('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}

/**
 * Bucket policies and public access blocks, kept in the metadata store and served from a bounded in-memory
 * cache: authorizing a request needs its bucket's settings, and once warm that costs no query. Every change
 * goes through this service (or `forget`, when a bucket is created or deleted), so the cache is never stale.
 */
export function createBucketAccessService(deps: {
  store: Pick<StorageStore, 'findBucketAccess' | 'updateBucketAccess'>;
  clock: Clock;
  maxEntries?: number;
}): BucketAccessService {
  const { store, clock } = deps;
  const cache = createBucketCache<Entry>(async (bucket) => {
    const row = await store.findBucketAccess(bucket);
    return row ? toEntry(row) : undefined;
  }, deps.maxEntries);
  const load = (bucket: string) => cache.get(bucket);
  const forget = (bucket: string) => cache.forget(bucket);

  async function existing(bucket: string): Promise<Entry> {
    const entry = await load(bucket);
    if (!entry) throw noSuchBucket(bucket);
    return entry;
  }

  async function update(bucket: string, change: Partial<BucketAccessRow>): Promise<void> {
    try {
      if (!(await store.updateBucketAccess(bucket, change, clock.now().getTime())))
        throw noSuchBucket(bucket);
    } finally {
      forget(bucket);
    }
  }

  return {
    async bucketAccess(bucket: string): Promise<BucketAccess | undefined> {
      return (await load(bucket))?.access;
    },

    async owner(bucket: string): Promise<string | undefined> {
      return (await load(bucket))?.owner;
    },

    async getPolicy(bucket: string): Promise<{ text: string; policy: Policy } | undefined> {
      const { policyText, access } = await existing(bucket);
      return policyText !== undefined && access.policy
        ? { text: policyText, policy: access.policy }
        : undefined;
    },

    async getPublicAccessBlock(bucket: string): Promise<PublicAccessBlock | undefined> {
      return (await existing(bucket)).access.publicAccessBlock;
    },

    putPolicy: (bucket: string, text: string) => update(bucket, { policy: text }),
    deletePolicy: (bucket: string) => update(bucket, { policy: null }),
    putPublicAccessBlock: (bucket: string, block: PublicAccessBlock) =>
      update(bucket, { public_access_block: JSON.stringify(block) }),
    deletePublicAccessBlock: (bucket: string) => update(bucket, { public_access_block: null }),
    forget,
  };
}
