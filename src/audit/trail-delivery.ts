import { createHash } from 'node:crypto';
import type { Policy } from '../iam/policy/index.js';
import type { JobRuntime } from '../jobs/index.js';
import type { Logger } from '../lib/logger.js';
import { type CloudTrailRecord, trailTime } from './audit-record.js';
import type { AuditStore, StoredRecord } from './audit-store.js';
import type { DeliveryLease } from './delivery-lease.js';
import {
  buildLogFile,
  type DigestDocument,
  digestFileKey,
  HASH_ALGORITHM,
  logFileKey,
  SIGNATURE_ALGORITHM,
  signDigest,
} from './digest-format.js';
import { trailArn } from './trail-inputs.js';
import type { TrailKeys } from './trail-keys.js';
import { cloudTrailMayWrite } from './trail-policy.js';
import { type Trail, type TrailStore, trailSelects } from './trails.js';

/** At most this many records per log file: a million records make many files, and memory stays bounded. */
export const MAX_RECORDS_PER_FILE = 5000;
/** Records read from the store at a time while a file is filled. */
const SCAN_BATCH = 1000;
/** The store keeps records 90 days (LookupEvents' window), and longer for a trail that has not delivered them. */
const RETENTION_MS = 90 * 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;
/** How long a pass's lease lasts; it is renewed before each file, so only a pass that hangs outlives it. */
const PASS_LEASE_MS = 60_000;

export interface TrailDeliveryDeps {
  readonly store: AuditStore;
  readonly trails: TrailStore;
  readonly keys: TrailKeys;
  readonly accountId: string;
  readonly region: string;
  readonly bucketPolicy: (bucket: string) => Promise<Policy | undefined | 'missing'>;
  /** Stores an object as the CloudTrail service (the bucket's default encryption applies). */
  readonly put: (
    bucket: string,
    key: string,
    body: Buffer,
    metadata: Record<string, string>,
  ) => Promise<void>;
  readonly now: () => number;
  readonly logger: Logger;
  readonly deliveryMs: number;
  readonly digestMs: number;
  readonly maxRecordsPerFile?: number;
  /** Taken for each pass, so that a backup's copies of metadata.db and audit.db fall between passes. */
  readonly lease?: DeliveryLease;
}

export interface TrailDelivery {
  /** One pass: each trail's log files and digests that are due, then the store's pruning when due. */
  run(signal?: AbortSignal): Promise<void>;
}

export function createTrailDelivery(deps: TrailDeliveryDeps): TrailDelivery {
  const { store, trails, accountId, region } = deps;
  const perFile = deps.maxRecordsPerFile ?? MAX_RECORDS_PER_FILE;
  let lastPrune = 0;

  const stillCurrent = (trail: Trail) => trails.get(trail.name)?.generation === trail.generation;
  /** Whether the pass goes on to another file: no backup waits for the lease, and the lease is renewed. */
  const mayGoOn = () =>
    !deps.lease || (!deps.lease.backupWaiting() && deps.lease.take('pass', PASS_LEASE_MS));

  /** Why CloudTrail cannot write to the trail's bucket now (S3's error code), if it cannot. */
  const destinationProblem = async (trail: Trail): Promise<string | undefined> => {
    const policy = await deps.bucketPolicy(trail.bucket);
    if (policy === 'missing') return 'NoSuchBucket';
    const place = {
      bucket: trail.bucket,
      prefix: trail.prefix,
      accountId,
      trailArn: trailArn(region, accountId, trail.name),
    };
    return cloudTrailMayWrite(policy, place) ? undefined : 'AccessDenied';
  };

  /** The records after `after` (up to `upTo`) the trail selects, at most a file's worth; and where it stopped. */
  const nextFile = (trail: Trail, after: number, upTo: number) => {
    const chosen: StoredRecord[] = [];
    let scanned = after;
    while (chosen.length < perFile && scanned < upTo) {
      const rows = store.recordsAfter(scanned, SCAN_BATCH);
      if (rows.length === 0) return { chosen, scanned: upTo };
      for (const row of rows) {
        if (row.seq > upTo) return { chosen, scanned: upTo };
        scanned = row.seq;
        const skipped = trail.skips.some((s) => row.seq > s.after && row.seq <= s.until);
        if (!skipped && trailSelects(trail, JSON.parse(row.json) as CloudTrailRecord)) chosen.push(row);
        if (chosen.length >= perFile) break;
      }
    }
    return { chosen, scanned };
  };

  const deliverLogs = async (trail: Trail, signal?: AbortSignal) => {
    const upTo = trail.logging ? store.lastSeq() : (trail.stopSeq ?? trail.checkpoint);
    if (upTo <= trail.checkpoint) {
      if (trail.logging) trails.delivered(trail, trail.checkpoint, deps.now(), { stored: false });
      return;
    }
    const problem = await destinationProblem(trail);
    if (problem) {
      trails.deliveryFailed(trail, problem, deps.now());
      return;
    }
    let after = trail.checkpoint;
    let inflight = trail.inflight;
    while (after < upTo && !signal?.aborted && mayGoOn()) {
      const { chosen, scanned } = nextFile(trail, after, upTo);
      const now = deps.now();
      if (chosen.length === 0) {
        trails.delivered(trail, scanned, now, { stored: false });
      } else {
        const file = buildLogFile(chosen.map((row) => row.json));
        // The file a pass that died may have stored already: the same records again, under the same key.
        let key = inflight?.after === after ? inflight.key : undefined;
        if (key === undefined) {
          key = logFileKey({ prefix: trail.prefix, accountId, region }, new Date(now));
          trails.intend(trail, after, key);
        }
        inflight = null;
        // A trail deleted (and perhaps made again) since the pass began gets nothing more from it.
        if (!stillCurrent(trail)) return;
        await deps.put(trail.bucket, key, file.body, {});
        // The lease ran out while the file was stored, and a backup may hold it: the checkpoint stays, and the
        // next pass stores the same file under the same key again.
        if (deps.lease && !deps.lease.take('pass', PASS_LEASE_MS)) return;
        // Only once the file is stored does the checkpoint move: a kill before it re-delivers, never loses.
        const times = chosen.map((row) => row.time);
        trails.delivered(trail, scanned, now, {
          stored: true,
          ...(trail.validation
            ? {
                pending: {
                  bucket: trail.bucket,
                  key,
                  hash: file.hashValue,
                  oldest: trailTime(new Date(Math.min(...times))),
                  newest: trailTime(new Date(Math.max(...times))),
                },
              }
            : {}),
        });
      }
      after = scanned;
    }
  };

  const deliverDigest = async (trail: Trail) => {
    const pending = trails.pendingLogFiles(trail.name);
    if (!trail.logging && pending.length === 0) return;
    const now = Math.floor(deps.now() / 1000) * 1000;
    const start = trail.digestEnd ?? trail.startTime ?? now;
    // One digest a second at most: its key is timed to the second.
    if (now - start < deps.digestMs || now <= start) return;
    const signing = deps.keys.signing(region, now);
    const key = digestFileKey(
      { prefix: trail.prefix, accountId, region, trailName: trail.name },
      new Date(now),
    );
    const previous = trail.previousDigest;
    const oldest = pending.map((f) => f.oldest).sort()[0];
    const newest = pending
      .map((f) => f.newest)
      .sort()
      .pop();
    const digest: DigestDocument = {
      awsAccountId: accountId,
      digestStartTime: trailTime(new Date(start)),
      digestEndTime: trailTime(new Date(now)),
      digestS3Bucket: trail.bucket,
      digestS3Object: key,
      digestPublicKeyFingerprint: signing.fingerprint,
      digestSignatureAlgorithm: SIGNATURE_ALGORITHM,
      newestEventTime: newest ?? null,
      oldestEventTime: oldest ?? null,
      previousDigestS3Bucket: previous?.bucket ?? null,
      previousDigestS3Object: previous?.key ?? null,
      previousDigestHashValue: previous?.hash ?? null,
      previousDigestHashAlgorithm: previous ? HASH_ALGORITHM : null,
      previousDigestSignature: previous?.signature ?? null,
      logFiles: pending.map((f) => ({
        s3Bucket: f.bucket,
        s3Object: f.key,
        hashValue: f.hash,
        hashAlgorithm: HASH_ALGORITHM,
        newestEventTime: f.newest,
        oldestEventTime: f.oldest,
      })),
    };
    const problem = await destinationProblem(trail);
    if (problem) {
      trails.digestFailed(trail, problem);
      return;
    }
    const signed = signDigest(digest, signing.privateKey);
    if (!stillCurrent(trail)) return;
    await deps.put(trail.bucket, key, signed.body, signed.metadata);
    // The lease ran out while the digest was stored, and a backup may hold it: the chain does not move (a
    // digest no later one chains to is left behind rather than a chain a restore could not follow).
    if (deps.lease && !deps.lease.take('pass', PASS_LEASE_MS)) return;
    trails.digested(
      trail,
      now,
      { bucket: trail.bucket, key, hash: signed.hashValue, signature: signed.signature },
      pending.map((f) => f.id),
      deps.now(),
    );
  };

  /** Records older than the retention every trail has delivered (or will never deliver) leave the store. */
  const prune = () => {
    const now = deps.now();
    if (now - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now;
    const holding = trails
      .list()
      .filter((t) => t.logging || (t.stopSeq !== null && t.checkpoint < t.stopSeq))
      .map((t) => t.checkpoint);
    const upTo = Math.min(store.lastSeq(), ...holding);
    const pruned = store.prune(now - RETENTION_MS, upTo);
    if (pruned > 0) deps.logger.info({ pruned }, 'pruned audit records past their retention');
  };

  return {
    async run(signal) {
      // A backup holds the lease: this pass has nothing to do, and the next one delivers.
      if (deps.lease && !deps.lease.take('pass', PASS_LEASE_MS)) return;
      try {
        for (const trail of trails.list()) {
          if (signal?.aborted || !mayGoOn()) return;
          try {
            if (deps.now() - (trail.deliveryAttempt ?? 0) >= deps.deliveryMs)
              await deliverLogs(trail, signal);
            const current = trails.get(trail.name);
            if (current?.validation && mayGoOn()) await deliverDigest(current);
          } catch (error) {
            deps.logger.warn({ err: error, trail: trail.name }, 'could not deliver a trail');
            const message = error instanceof Error && 'code' in error ? String(error.code) : 'InternalError';
            trails.deliveryFailed(trail, message, deps.now());
          }
        }
        prune();
      } finally {
        deps.lease?.release('pass');
      }
    },
  };
}

const KIND = 'trail-delivery';

/**
 * Registers trail delivery with the job runtime (call before its recover) and submits a pass at each
 * interval unless one is queued or running; answers the function that stops submitting.
 */
export function scheduleTrailDelivery(deps: {
  runtime: JobRuntime;
  delivery: TrailDelivery;
  intervalMs: number;
  logger: Logger;
}): () => void {
  const { runtime, logger } = deps;
  runtime.register({
    name: KIND,
    concurrency: 1,
    run: ({ signal }) => deps.delivery.run(signal),
    // A pass cut short leaves each trail at its checkpoint: the next pass carries on from there.
    abandoned: async () => {},
  });
  let passes = 0;
  let last: string | undefined;
  const timer = setInterval(() => {
    if (last !== undefined && runtime.isActive(KIND, last)) return;
    last = `pass-${Date.now()}-${++passes}`;
    runtime
      .submit(KIND, last, { timeoutMs: Math.max(deps.intervalMs, 3_600_000) })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not queue trail delivery'));
  }, deps.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** S3's Content-MD5 of bytes (a bucket with Object Lock wants one on every write). */
export function contentMd5(body: Buffer): string {
  return createHash('md5').update(body).digest('base64');
}
