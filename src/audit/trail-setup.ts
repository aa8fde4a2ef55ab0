import type { JobRuntime } from '../jobs/index.js';
import type { SecretBox } from '../kms/index.js';
import type { JsonOperations } from '../lib/aws-json.js';
import { requestId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { StorageService } from '../storage/index.js';
import type { AuditStore } from './audit-store.js';
import type { DataEventSelection } from './audit-trail.js';
import { openDeliveryLease } from './delivery-lease.js';
import { createTrailOperations } from './trail-api.js';
import { contentMd5, createTrailDelivery, scheduleTrailDelivery } from './trail-delivery.js';
import { createTrailKeys } from './trail-keys.js';
import { CLOUDTRAIL_PRINCIPAL } from './trail-policy.js';
import { createTrailStore } from './trails.js';

/**
 * Trails wired together: their API operations (for the cloudtrail endpoint), the data events they select
 * (for the audit sink) and their delivery, scheduled on the job runtime (call before its recover).
 */
export function createTrails(deps: {
  store: AuditStore;
  /** Seals the digest signing keys' private halves at rest. */
  secrets: SecretBox;
  storage: Pick<StorageService, 'putObject' | 'bucketAccess'>;
  runtime: JobRuntime;
  accountId: string;
  region: string;
  now: () => number;
  logger: Logger;
  deliverySeconds: number;
  digestSeconds: number;
}): { operations: JsonOperations; selection: DataEventSelection; stop: () => void } {
  const trails = createTrailStore(deps.store);
  const keys = createTrailKeys({ db: deps.store.db, secrets: deps.secrets, now: deps.now });
  const bucketPolicy = async (bucket: string) => {
    const access = await deps.storage.bucketAccess(bucket);
    return access === undefined ? ('missing' as const) : access.policy;
  };
  const delivery = createTrailDelivery({
    store: deps.store,
    trails,
    keys,
    accountId: deps.accountId,
    region: deps.region,
    bucketPolicy,
    put: async (bucket, key, body, metadata) => {
      await deps.storage.putObject({
        bucket,
        key,
        body: (async function* () {
          yield body;
        })(),
        contentMd5: contentMd5(body),
        contentType: 'application/json',
        userMetadata: metadata,
        headers: {},
        // Event notifications name the service that wrote the file.
        origin: { principalId: CLOUDTRAIL_PRINCIPAL, sourceIp: CLOUDTRAIL_PRINCIPAL, requestId: requestId() },
      });
    },
    now: deps.now,
    logger: deps.logger,
    deliveryMs: deps.deliverySeconds * 1000,
    digestMs: deps.digestSeconds * 1000,
    lease: openDeliveryLease(deps.store.db),
  });
  const stop = scheduleTrailDelivery({
    runtime: deps.runtime,
    delivery,
    intervalMs: Math.min(deps.deliverySeconds, deps.digestSeconds) * 1000,
    logger: deps.logger,
  });
  const operations = createTrailOperations({
    trails,
    keys,
    accountId: deps.accountId,
    region: deps.region,
    lastSeq: () => deps.store.lastSeq(),
    now: deps.now,
    bucketPolicy,
  });
  return { operations, selection: trails.selection, stop };
}
