import type { Clock } from '../lib/clock.js';
import type { BucketSettings } from './bucket-settings.js';
import {
  checkRetentionChange,
  defaultRetention,
  lockNotConfigured,
  lockOf,
  type ObjectLockConfig,
  type Retention,
  type VersionLock,
  versioningNotEnabled,
  withLock,
} from './object-lock.js';
import type { ReplicationDraft } from './replication.js';
import type { StorageStore } from './storage-store.js';
import type { StoredObject } from './storage-types.js';
import { noSuchVersion } from './versioning.js';

/** Object Lock over the bucket settings (`object-lock`) and the versions' `attributes`. */
export interface ObjectLockService {
  getObjectLock(bucket: string): Promise<ObjectLockConfig | undefined>;
  putObjectLock(bucket: string, config: ObjectLockConfig): Promise<void>;
  /**
   * The `attributes` of a new version in `bucket`: the lock its write asked for, else the bucket's default
   * retention. InvalidRequest for a lock asked of a bucket without Object Lock.
   */
  newVersionAttributes(bucket: string, attributes: string | null | undefined): Promise<string | null>;
  putRetention(
    bucket: string,
    key: string,
    versionId: string | undefined,
    retention: Retention | undefined,
    bypassGovernance: boolean,
  ): Promise<void>;
  putLegalHold(
    bucket: string,
    key: string,
    versionId: string | undefined,
    status: 'ON' | 'OFF',
  ): Promise<void>;
  getLock(bucket: string, key: string, versionId: string | undefined): Promise<VersionLock>;
}

export function createObjectLockService(deps: {
  store: StorageStore;
  settings: BucketSettings;
  clock: Clock;
  headObject(bucket: string, key: string, versionId?: string): Promise<StoredObject>;
  /** The rows that carry a replicated version's changed retention or legal hold to its replicas. */
  changeReplicas(object: StoredObject, change: 'retention' | 'legal-hold'): Promise<ReplicationDraft[]>;
  wakeReplication(): void;
}): ObjectLockService {
  const { store, settings, clock } = deps;

  async function getObjectLock(bucket: string): Promise<ObjectLockConfig | undefined> {
    const value = await settings.get(bucket, 'object-lock');
    return value === undefined ? undefined : (JSON.parse(value) as ObjectLockConfig);
  }

  /**
   * Changes the lock of the version a lock operation names (or the current one), in a bucket with Object Lock,
   * as `change` decides from its current lock; NoSuchVersion when it vanished meanwhile. A replicated version's
   * replicas are given the change (S3 replicates Object Lock's retention and legal hold), in the same transaction.
   */
  async function changeLock(
    bucket: string,
    key: string,
    versionId: string | undefined,
    part: 'retention' | 'legal-hold',
    change: (lock: VersionLock) => VersionLock,
  ): Promise<void> {
    if (!(await getObjectLock(bucket))) throw lockNotConfigured();
    const object = await deps.headObject(bucket, key, versionId);
    const version = object.versionId ?? 'null';
    const replicas = await deps.changeReplicas(object, part);
    // Only a change of what the replicas are given goes to them: a hold set OFF that was never ON, or a
    // retention put again as it is, sends nothing (it could only undo what a destination set of its own).
    // Judged by the change itself, in its transaction, which then asks for the replicas' rows.
    let changed = false;
    const found = await store.changeVersion(
      bucket,
      key,
      version,
      (row) => {
        const before = lockOf(row.attributes);
        const after = change(before);
        changed =
          part === 'legal-hold'
            ? (before.legalHold ?? 'OFF') !== (after.legalHold ?? 'OFF')
            : before.retention?.mode !== after.retention?.mode ||
              before.retention?.until !== after.retention?.until;
        return { attributes: withLock(row.attributes, after) };
      },
      [],
      () => (changed ? replicas : []),
    );
    if (!found) throw noSuchVersion(key, version);
    if (changed && replicas.length > 0) deps.wakeReplication();
  }

  return {
    getObjectLock,

    async putObjectLock(bucket, config) {
      if (!(await getObjectLock(bucket)) && (await settings.get(bucket, 'versioning')) !== 'Enabled')
        throw versioningNotEnabled();
      await settings.put(bucket, 'object-lock', JSON.stringify(config));
    },

    async newVersionAttributes(bucket, attributes) {
      const config = await getObjectLock(bucket);
      const asked = attributes ? lockOf(attributes) : {};
      if (!config) {
        if (asked.retention || asked.legalHold) throw lockNotConfigured();
        return attributes ?? null;
      }
      if (asked.retention || !config.rule) return attributes ?? null;
      return withLock(attributes ?? null, {
        ...asked,
        retention: defaultRetention(config.rule, clock.now().getTime()),
      });
    },

    async putRetention(bucket, key, versionId, retention, bypassGovernance) {
      const now = clock.now().getTime();
      await changeLock(bucket, key, versionId, 'retention', (lock) => {
        checkRetentionChange(lock.retention, retention, now, bypassGovernance);
        const { retention: _old, ...rest } = lock;
        return retention ? { ...rest, retention } : rest;
      });
    },

    async putLegalHold(bucket, key, versionId, status) {
      await changeLock(bucket, key, versionId, 'legal-hold', (lock) => ({ ...lock, legalHold: status }));
    },

    async getLock(bucket, key, versionId) {
      if (!(await getObjectLock(bucket))) throw lockNotConfigured();
      return (await deps.headObject(bucket, key, versionId)).lock ?? {};
    },
  };
}
