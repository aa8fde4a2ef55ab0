/** How many buckets' entries stay in memory; the least recently asked for go first. */
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * What a bucket's settings are, read from the metadata store once and then served from a bounded in-memory
 * cache. Every change goes through the service that owns the cache and ends with `forget` (so does creating
 * or deleting the bucket), and a load that read the store before a change does not cache what it read: the
 * cache is never stale.
 */
export interface BucketCache<T> {
  /** The bucket's entry; undefined when there is no bucket. */
  get(bucket: string): Promise<T | undefined>;
  forget(bucket: string): void;
}

export function createBucketCache<T>(
  load: (bucket: string) => Promise<T | undefined>,
  maxEntries = DEFAULT_MAX_ENTRIES,
): BucketCache<T> {
  /** `null`: the bucket does not exist. */
  const cache = new Map<string, T | null>();
  // Bumped by every change, so a load that read the store before a change does not cache what it read.
  let generation = 0;
  return {
    async get(bucket) {
      const cached = cache.get(bucket);
      if (cached !== undefined) {
        cache.delete(bucket);
        cache.set(bucket, cached);
        return cached ?? undefined;
      }
      const started = generation;
      const entry = (await load(bucket)) ?? null;
      if (generation === started) {
        cache.set(bucket, entry);
        if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
      }
      return entry ?? undefined;
    },
    forget(bucket) {
      generation++;
      cache.delete(bucket);
    },
  };
}
