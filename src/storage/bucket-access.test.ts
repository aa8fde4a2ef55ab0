import { describe, expect, it } from 'vitest';
import { systemClock } from '../lib/clock.js';
import { createBucketAccessService } from './bucket-access.js';
import type { BucketAccessRow, StorageStore } from './storage-store.js';

type AccessStore = Pick<StorageStore, 'findBucketAccess' | 'updateBucketAccess'>;

/** An in-memory store that counts its reads, and can hold one read until the test lets it go. */
function fakeStore(buckets: string[]) {
  const rows = new Map<string, BucketAccessRow & { account_id: string }>(
    buckets.map((b) => [b, { account_id: '123456789012', policy: null, public_access_block: null }]),
  );
  const state = { reads: 0, hold: undefined as Promise<void> | undefined };
  const store: AccessStore = {
    async findBucketAccess(bucket) {
      state.reads++;
      const row = rows.get(bucket);
      const copy = row && { ...row };
      await state.hold;
      return copy;
    },
    async updateBucketAccess(bucket, change) {
      const row = rows.get(bucket);
      if (!row) return false;
      rows.set(bucket, { ...row, ...change });
      return true;
    },
  };
  return { store, state };
}

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
});

describe('bucket access cache', () => {
  it('reads the store once per bucket while warm, again after a change', async () => {
    const { store, state } = fakeStore(['b']);
    const access = createBucketAccessService({ store, clock: systemClock });
    expect(await access.bucketAccess('b')).toEqual({});
    expect(await access.bucketAccess('b')).toEqual({});
    expect(await access.bucketAccess('missing')).toBeUndefined();
    expect(await access.bucketAccess('missing')).toBeUndefined();
    expect(state.reads).toBe(2);
    await access.putPolicy('b', POLICY);
    expect((await access.bucketAccess('b'))?.policy?.statements).toHaveLength(1);
    expect((await access.getPolicy('b'))?.text).toBe(POLICY);
    expect(state.reads).toBe(3);
    await expect(access.putPolicy('missing', POLICY)).rejects.toMatchObject({ code: 'NoSuchBucket' });
  });

  it('holds at most maxEntries buckets, dropping the least recently used', async () => {
    const { store, state } = fakeStore(['a', 'b', 'c']);
    const access = createBucketAccessService({ store, clock: systemClock, maxEntries: 2 });
    await access.bucketAccess('a');
    await access.bucketAccess('b');
    await access.bucketAccess('a');
    await access.bucketAccess('c');
    expect(state.reads).toBe(3);
    await access.bucketAccess('a');
    expect(state.reads).toBe(3);
    await access.bucketAccess('b');
    expect(state.reads).toBe(4);
  });

  it('does not cache a read that a change overtook', async () => {
    const { store, state } = fakeStore(['b']);
    const access = createBucketAccessService({ store, clock: systemClock });
    let release = () => {};
    state.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stale = access.bucketAccess('b');
    await Promise.resolve();
    state.hold = undefined;
    await access.putPolicy('b', POLICY);
    release();
    expect(await stale).toEqual({});
    expect((await access.bucketAccess('b'))?.policy).toBeDefined();
  });
});
