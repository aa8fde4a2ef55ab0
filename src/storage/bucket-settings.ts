import { notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { createBucketCache } from './bucket-cache.js';
import type { StorageStore } from './storage-store.js';

/**
 * A bucket's configuration documents besides its policy and public access block, each stored whole under its
 * name as the operation that puts it parsed and normalized it, and read back by the operation that gets it.
 */
export type BucketSettingName =
  | 'versioning'
  | 'cors'
  | 'lifecycle'
  | 'tagging'
  | 'ownership'
  | 'acl'
  | 'object-lock'
  | 'notification'
  | 'replication'
  | 'encryption';

/** A bucket's configuration documents (see BucketSettingName); every call fails with NoSuchBucket without one. */
export interface BucketSettings {
  /** The setting's value, or undefined when it is not set. */
  get(bucket: string, name: BucketSettingName): Promise<string | undefined>;
  put(bucket: string, name: BucketSettingName, value: string): Promise<void>;
  /** Clears the setting; nothing happens when it was not set. */
  delete(bucket: string, name: BucketSettingName): Promise<void>;
  /** Drops what is cached of a bucket that was just created (with settings) or deleted. */
  forget(bucket: string): void;
}

function noSuchBucket(bucket: string) {
  return notFound('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}

/**
 * Read on the hot paths (versioning on every write and most reads, ownership on every authorization), so a
 * bucket's settings are loaded together once and served from memory after (see bucket-cache.ts).
 */
export function createBucketSettings(deps: {
  store: Pick<StorageStore, 'findBucketSettings' | 'putBucketSetting'>;
  clock: Clock;
}): BucketSettings {
  const { store, clock } = deps;
  const cache = createBucketCache((bucket) => store.findBucketSettings(bucket));
  const set = async (bucket: string, name: BucketSettingName, value: string | null) => {
    try {
      if (!(await store.putBucketSetting(bucket, name, value, clock.now().getTime())))
        throw noSuchBucket(bucket);
    } finally {
      cache.forget(bucket);
    }
  };
  return {
    async get(bucket, name) {
      const found = await cache.get(bucket);
      if (!found) throw noSuchBucket(bucket);
      return found.get(name);
    },
    put: (bucket, name, value) => set(bucket, name, value),
    delete: (bucket, name) => set(bucket, name, null),
    forget: (bucket) => cache.forget(bucket),
  };
}
