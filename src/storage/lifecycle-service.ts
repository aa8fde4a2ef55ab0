import { type AppError, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { BucketSettings } from './bucket-settings.js';
import type { LifecycleConfiguration, LifecycleRule } from './lifecycle.js';
import {
  abortHeaders,
  currentExpiry,
  dueAfter,
  expirationHeader,
  type LifecycleSubject,
  ruleSelects,
  uploadAbort,
} from './lifecycle-rules.js';
import type { MultipartStore } from './multipart-store.js';
import { storageClassOf } from './storage-class.js';
import type { StorageStore, VersionBound, VersionSummary } from './storage-store.js';
import type { StoredObject } from './storage-types.js';
import { tagsOf } from './tagging.js';
import type { VersionedDelete } from './versioning.js';

/** Buckets' lifecycle configurations, the x-amz-expiration header they imply, and the scan that applies them. */
export interface LifecycleService {
  /** The bucket's configuration; NoSuchLifecycleConfiguration without one (NoSuchBucket without the bucket). */
  get(bucket: string): Promise<LifecycleConfiguration>;
  put(bucket: string, config: LifecycleConfiguration): Promise<void>;
  delete(bucket: string): Promise<void>;
  /** S3's x-amz-expiration header for a current object a rule will expire, if one will. */
  expirationHeader(object: StoredObject): Promise<string | undefined>;
  /** S3's x-amz-abort-date and x-amz-abort-rule-id for an upload a rule will abort, if one will. */
  abortHeaders(bucket: string, key: string, initiated: number): Promise<Record<string, string>>;
  /**
   * One pass over every bucket with a lifecycle configuration, a page at a time: expires current and
   * noncurrent versions, removes expired object delete markers and aborts incomplete uploads that are due.
   * Stops between pages once `signal` is aborted.
   */
  scan(signal?: AbortSignal): Promise<void>;
}

/** A version a delete was to remove was replaced meanwhile (a new "null" version): nothing was deleted. */
export class VersionReplaced extends Error {
  override readonly name = 'VersionReplaced';
}

/** Which version exactly a lifecycle action judged: its place in the key's history and its bytes. */
export type VersionIdentity = Pick<VersionSummary, 'seq' | 'blob_id'>;

/** The delete paths of the storage service, so expiration keeps versions and markers as DeleteObject does. */
export interface LifecycleDeletes {
  /**
   * With `only`, deletes the version named (or, without a version id, makes a delete marker over the current
   * one) only while it is still that version; else VersionReplaced.
   */
  deleteObject(
    bucket: string,
    key: string,
    versionId?: string,
    only?: VersionIdentity,
  ): Promise<VersionedDelete>;
  abortUpload(uploadId: string, bucket: string, key: string): Promise<void>;
  /**
   * Moves a version's bytes into the cold tier and records its new storage class, only while it is still that
   * version; else VersionReplaced.
   */
  transition(bucket: string, key: string, versionId: string, only: VersionIdentity): Promise<void>;
}

const PAGE = 500;
const TRANSITION_MINIMUM_BYTES = 128 * 1024;

/** What the scan has seen of one key so far: its versions come newest first. */
interface KeyState {
  key: string;
  /** The current version's delete marker, if the key's current version is one. */
  marker?: VersionSummary;
  /** When the version visited last was made: the moment the next (older) one became noncurrent. */
  newerMadeAt?: number;
  /** Noncurrent versions seen (newest first), to keep NewerNoncurrentVersions of them. */
  noncurrentSeen: number;
  /** Noncurrent versions this pass keeps: while there are any, the marker is not an expired one. */
  kept: number;
}

function noSuchLifecycle(bucket: string): AppError {
  return notFound('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', {
    BucketName: bucket,
  });
}

export function createLifecycleService(deps: {
  settings: BucketSettings;
  store: StorageStore;
  uploads: MultipartStore;
  deletes: LifecycleDeletes;
  clock: Clock;
  logger: Logger;
  /** The length of a lifecycle day (S3's is 86,400 s; tests shorten it). */
  dayMs: number;
}): LifecycleService {
  const { settings, store, deletes, clock, logger, dayMs } = deps;

  async function configOf(bucket: string): Promise<LifecycleConfiguration | undefined> {
    const value = await settings.get(bucket, 'lifecycle');
    return value === undefined ? undefined : (JSON.parse(value) as LifecycleConfiguration);
  }

  /** What rules filter on: the key, the size and (read only when a rule asks, from `stored`) the tags. */
  function subjectOf(
    key: string,
    size: number,
    stored: () => Promise<string | null | undefined>,
  ): LifecycleSubject {
    let tags: Promise<ReadonlyMap<string, string>> | undefined;
    return {
      key,
      size,
      tags: () => {
        tags ??= stored().then((json) => new Map(tagsOf(json).map((tag) => [tag.Key, tag.Value])));
        return tags;
      },
    };
  }

  async function firstSelecting(
    rules: readonly LifecycleRule[],
    subject: LifecycleSubject,
    applies: (rule: LifecycleRule) => boolean,
  ): Promise<LifecycleRule | undefined> {
    for (const rule of rules) if (applies(rule) && (await ruleSelects(rule, subject))) return rule;
    return undefined;
  }

  /**
   * Deletes a version for good (or, with no version id, hides the current one behind a delete marker) unless a
   * write replaced it since it was judged.
   */
  async function expireVersion(
    bucket: string,
    version: VersionSummary,
    how: 'delete' | 'hide' = 'delete',
  ): Promise<void> {
    try {
      await deletes.deleteObject(bucket, version.key, how === 'delete' ? version.version_id : undefined, {
        seq: version.seq,
        blob_id: version.blob_id,
      });
    } catch (error) {
      if (!(error instanceof VersionReplaced)) throw error;
    }
  }

  /** S3 moves nothing under 128 KiB into the Infrequent Access classes, nor into any class by default. */
  function largeEnough(size: number, storageClass: string, minimum: string): boolean {
    if (size >= TRANSITION_MINIMUM_BYTES) return true;
    return minimum === 'varies_by_storage_class' && !storageClass.endsWith('_IA');
  }

  /**
   * Moves a version to the cold tier when a rule's transition of it is due (`at`: when, for each rule), the
   * version still STANDARD and large enough; nothing happens if a write replaced it since it was judged.
   */
  async function moveIfDue(
    bucket: string,
    rules: readonly LifecycleRule[],
    subject: LifecycleSubject,
    version: VersionSummary,
    minimum: string,
    now: number,
    at: (rule: LifecycleRule) => number | undefined,
  ): Promise<void> {
    if (version.delete_marker === 1 || storageClassOf(version.attributes) !== 'STANDARD') return;
    const due = await firstSelecting(rules, subject, (rule) => {
      const when = at(rule);
      const target = rule.transition?.storageClass ?? rule.noncurrentTransition?.storageClass ?? '';
      return when !== undefined && when <= now && largeEnough(version.size, target, minimum);
    });
    if (!due) return;
    try {
      await deletes.transition(bucket, version.key, version.version_id, {
        seq: version.seq,
        blob_id: version.blob_id,
      });
    } catch (error) {
      if (!(error instanceof VersionReplaced)) throw error;
    }
  }

  async function visit(
    bucket: string,
    rules: readonly LifecycleRule[],
    state: KeyState,
    version: VersionSummary,
    now: number,
    unversioned: boolean,
    minimum: string,
  ): Promise<void> {
    const madeAt = state.newerMadeAt;
    state.newerMadeAt = version.last_modified;
    const subject = subjectOf(
      version.key,
      version.size,
      async () => (await store.findVersion(bucket, version.key, version.version_id))?.tags,
    );
    if (version.is_latest === 1) {
      if (version.delete_marker === 1) {
        state.marker = version;
        return;
      }
      const due = await firstSelecting(rules, subject, (rule) => {
        const at = currentExpiry(rule, version.last_modified, dayMs);
        return at !== undefined && at <= now;
      });
      if (!due) {
        await moveIfDue(bucket, rules, subject, version, minimum, now, (rule) => {
          const t = rule.transition;
          if (!t) return undefined;
          return t.date !== undefined
            ? Date.parse(t.date)
            : dueAfter(version.last_modified, t.days ?? 0, dayMs);
        });
        return;
      }
      // Unversioned, the object itself goes; versioned, a delete marker hides it as DeleteObject would. Either
      // only while it is still the version judged: a write since the page was read made another one current.
      await expireVersion(bucket, version, unversioned ? 'delete' : 'hide');
      return;
    }
    const newer = state.noncurrentSeen++;
    const since = madeAt ?? version.last_modified;
    const due = await firstSelecting(rules, subject, (rule) => {
      const expiration = rule.noncurrentExpiration;
      if (!expiration || dueAfter(since, expiration.days, dayMs) > now) return false;
      return newer >= (expiration.newerNoncurrentVersions ?? 0);
    });
    if (due) {
      await expireVersion(bucket, version);
      return;
    }
    state.kept++;
    await moveIfDue(bucket, rules, subject, version, minimum, now, (rule) => {
      const t = rule.noncurrentTransition;
      if (!t || newer < (t.newerNoncurrentVersions ?? 0)) return undefined;
      return dueAfter(since, t.days, dayMs);
    });
  }

  /** A current delete marker with no noncurrent versions left is an expired object delete marker. */
  async function finishKey(
    bucket: string,
    rules: readonly LifecycleRule[],
    state: KeyState | undefined,
    now: number,
  ): Promise<void> {
    const marker = state?.marker;
    if (!state || !marker || state.kept > 0) return;
    const subject: LifecycleSubject = { key: marker.key, size: 0, tags: async () => new Map() };
    const due = await firstSelecting(rules, subject, (rule) => {
      const expiration = rule.expiration;
      if (expiration?.expiredObjectDeleteMarker) return true;
      // S3 removes expired object delete markers once they are as old as a rule's Days.
      return expiration?.days !== undefined && dueAfter(marker.last_modified, expiration.days, dayMs) <= now;
    });
    if (due) await expireVersion(bucket, marker);
  }

  async function scanVersions(
    bucket: string,
    rules: readonly LifecycleRule[],
    minimum: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const now = clock.now().getTime();
    const unversioned = (await settings.get(bucket, 'versioning')) === undefined;
    let from: VersionBound = { key: '', inclusive: true };
    let state: KeyState | undefined;
    for (;;) {
      if (signal?.aborted) return;
      const page = await store.listVersions(bucket, from, undefined, PAGE);
      for (const version of page) {
        if (state?.key !== version.key) {
          await finishKey(bucket, rules, state, now);
          state = { key: version.key, noncurrentSeen: 0, kept: 0 };
        }
        await visit(bucket, rules, state, version, now, unversioned, minimum);
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE) break;
      // By seq, which a version deleted meanwhile does not change.
      from = { key: last.key, belowSeq: last.seq, inclusive: false };
    }
    await finishKey(bucket, rules, state, now);
  }

  async function scanUploads(
    bucket: string,
    rules: readonly LifecycleRule[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const now = clock.now().getTime();
    let afterKey = '';
    let afterUpload = '';
    for (;;) {
      if (signal?.aborted) return;
      const page = await deps.uploads.listUploads(bucket, '', afterKey, afterUpload, PAGE);
      for (const upload of page) {
        const due = rules.some((rule) => {
          const at = uploadAbort(rule, upload.key, upload.initiated_at, dayMs);
          return at !== undefined && at <= now;
        });
        if (due)
          await deletes.abortUpload(upload.upload_id, bucket, upload.key).catch((error: unknown) => {
            if ((error as AppError).code !== 'NoSuchUpload') throw error;
          });
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE) return;
      afterKey = last.key;
      afterUpload = last.upload_id;
    }
  }

  async function scanBucket(bucket: string, signal: AbortSignal | undefined): Promise<void> {
    const config = await configOf(bucket);
    const rules = config?.rules.filter((rule) => rule.enabled) ?? [];
    const versionRules = (rule: LifecycleRule) =>
      rule.expiration || rule.noncurrentExpiration || rule.transition || rule.noncurrentTransition;
    if (rules.some(versionRules))
      await scanVersions(bucket, rules, config?.transitionMinimumSize ?? 'all_storage_classes_128K', signal);
    if (rules.some((rule) => rule.abortIncompleteUploadDays !== undefined))
      await scanUploads(bucket, rules, signal);
  }

  return {
    async get(bucket) {
      const config = await configOf(bucket);
      if (!config) throw noSuchLifecycle(bucket);
      return config;
    },
    put: (bucket, config) => settings.put(bucket, 'lifecycle', JSON.stringify(config)),
    delete: (bucket) => settings.delete(bucket, 'lifecycle'),

    async expirationHeader(object) {
      // A bucket deleted since the object was read has no settings, so no rules; a failure is the request's.
      const config = await configOf(object.bucket);
      if (!config) return undefined;
      const subject = subjectOf(object.key, object.size, async () => object.tags);
      return expirationHeader(config, subject, object.lastModified.getTime());
    },

    async abortHeaders(bucket, key, initiated) {
      const config = await configOf(bucket);
      return config ? abortHeaders(config, key, initiated) : {};
    },

    async scan(signal) {
      let after = '';
      for (;;) {
        const buckets = await store.bucketsWithSetting('lifecycle', after, 100);
        for (const bucket of buckets) {
          if (signal?.aborted) return;
          try {
            await scanBucket(bucket, signal);
          } catch (error) {
            // A bucket deleted meanwhile, or one failing, does not hold up the others.
            if ((error as AppError).code !== 'NoSuchBucket')
              logger.warn({ err: error, bucket }, 'lifecycle scan of a bucket failed');
          }
        }
        const last = buckets.at(-1);
        if (last === undefined || buckets.length < 100) return;
        after = last;
      }
    },
  };
}
