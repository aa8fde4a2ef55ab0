import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Kysely, Transaction } from 'kysely';
import type { Database, S3ReplicationOutboxTable } from '../db/schema.js';
import { badRequest } from '../errors.js';
import { createOutboxWorker, type DeliveryRetries, type JobRuntime } from '../jobs/index.js';
import type { Clock } from '../lib/clock.js';
import { increasingId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { BucketSettings } from './bucket-settings.js';
import type { ObjectEncryption } from './object-encryption.js';
import {
  parseStoredReplication,
  type ReplicationConfiguration,
  type ReplicationDestination,
  rulesFor,
} from './replication-config.js';
import type { RemoteStore } from './replication-remotes.js';
import { tagsOf } from './tagging.js';

/** The header a replica's write carries: the source version's id, which the replica keeps (as S3's do). */
export const REPLICA_HEADER = 'x-seawall-replica-version-id';

/** A version's replication status, as `x-amz-replication-status` answers it. */
export type ReplicationStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

/** A version or delete marker to replicate, stored by the transaction that makes it. */
export type ReplicationDraft = Omit<S3ReplicationOutboxTable, 'id' | 'attempts' | 'next_attempt_at'>;

export type ReplicationRow = S3ReplicationOutboxTable;

/** Stores the drafts inside the transaction of the change that made the version. */
export async function insertReplicas(
  trx: Transaction<Database>,
  drafts: readonly ReplicationDraft[] | undefined,
): Promise<void> {
  for (const draft of drafts ?? [])
    await trx
      .insertInto('s3_replication_outbox')
      .values({
        ...draft,
        id: increasingId(draft.created_at),
        attempts: 0,
        next_attempt_at: draft.created_at,
      })
      .execute();
}

/** What a new version is, for the rules that pick it. */
export interface ReplicationCandidate {
  bucket: string;
  key: string;
  versionId: string;
  deleteMarker: boolean;
  size: number;
  /** Stored tags (tagging.ts). */
  tags: string | null;
  /** Stored sealing (object-encryption.ts). */
  encryption: string | null;
  /** The version is itself a replica: S3 does not replicate replicas. */
  replica: boolean;
}

/** Reads what a replica is made of: the version's record and its bytes (decrypted: the destination seals). */
export interface ReplicationSource {
  open(
    bucket: string,
    key: string,
    versionId: string,
  ): Promise<{
    body: NodeJS.ReadableStream & AsyncIterable<Uint8Array>;
    contentType: string;
    size: number;
    userMetadata: Record<string, string>;
    headers: Record<string, string>;
    tags?: string | null | undefined;
    encryption?: ObjectEncryption | undefined;
  }>;
  /** Sets a version's replication status (a version deleted meanwhile is left alone). */
  setStatus(bucket: string, key: string, versionId: string, status: ReplicationStatus): Promise<void>;
}

export interface Replication {
  /** The bucket's configuration; undefined when none is set. */
  configuration(bucket: string): Promise<ReplicationConfiguration | undefined>;
  /** Checks a configuration's destinations before it is stored (a registered account for each). */
  validate(config: ReplicationConfiguration, ownAccount: string): Promise<void>;
  /** The drafts a new version raises: one per destination whose rule picks it. */
  drafts(candidate: ReplicationCandidate): Promise<ReplicationDraft[]>;
  wake(): void;
  start(runtime: JobRuntime): () => void;
  /** Connects where replicas are read from (the storage service, built with this). */
  connect(source: ReplicationSource): void;
  close(): void;
}

export const DEFAULT_REPLICATION_RETRIES: DeliveryRetries = {
  firstDelayMs: 1000,
  maxDelayMs: 300_000,
  attempts: 30,
};

/** Replicas of different keys are written this many at a time; a key's versions one after another, in order. */
const CONCURRENCY = 8;

/** What reading a version that was deleted since answers. */
const GONE: ReadonlySet<string> = new Set(['NoSuchVersion', 'NoSuchKey', 'NoSuchBucket']);

/** A failure no retry would mend: the version is marked FAILED at once. */
export class Unreplicable extends Error {}

export function createReplication(deps: {
  db: Kysely<Database>;
  settings: BucketSettings;
  remotes: RemoteStore;
  clock: Clock;
  logger: Logger;
  retries?: DeliveryRetries;
}): Replication {
  const { db, settings, remotes, clock, logger } = deps;
  let source: ReplicationSource | undefined;
  const clients = new Map<string, { client: S3Client; endpoint: string; accessKeyId: string }>();

  async function configuration(bucket: string): Promise<ReplicationConfiguration | undefined> {
    const stored = await settings.get(bucket, 'replication');
    return stored === undefined ? undefined : parseStoredReplication(stored);
  }

  async function clientFor(destination: ReplicationDestination): Promise<S3Client> {
    const account = destination.account ?? '';
    const remote = await remotes.get(account);
    if (!remote) throw new Error(`no remote is registered for account ${account}`);
    const cached = clients.get(account);
    if (cached && cached.endpoint === remote.endpoint && cached.accessKeyId === remote.accessKeyId)
      return cached.client;
    cached?.client.destroy();
    const client = new S3Client({
      endpoint: remote.endpoint,
      region: remote.region,
      forcePathStyle: true,
      credentials: { accessKeyId: remote.accessKeyId, secretAccessKey: remote.secretAccessKey },
      // The outbox retries with its own backoff, and logs what failed.
      maxAttempts: 1,
      logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
    clients.set(account, { client, endpoint: remote.endpoint, accessKeyId: remote.accessKeyId });
    return client;
  }

  /** Sends the replica header with a command, signed with the rest. */
  function asReplica<C extends PutObjectCommand | DeleteObjectCommand>(command: C, versionId: string): C {
    type Next = (args: { request: unknown }) => Promise<unknown>;
    const stack = command.middlewareStack as unknown as {
      add(middleware: (next: Next) => Next, options: { step: 'build'; name: string }): void;
    };
    stack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers[REPLICA_HEADER] = versionId;
        return next(args);
      },
      { step: 'build', name: 'seawallReplicaHeader' },
    );
    return command;
  }

  /**
   * Sends a replica's request. The destination refusing it (a 4xx but a timeout or throttling: no bucket, no
   * versioning, no permission) is a failure a retry would not mend until someone changes the destination, so
   * the version is FAILED at once, as S3 marks it; an endpoint that is down or failing is tried again.
   */
  async function send(client: S3Client, command: PutObjectCommand | DeleteObjectCommand): Promise<void> {
    try {
      await client.send(command as PutObjectCommand);
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429)
        throw new Unreplicable(
          `the destination refused the replica: ${(error as Error).name} (${status}): ${(error as Error).message}`,
        );
      throw error;
    }
  }

  async function deliver(row: ReplicationRow): Promise<void> {
    const destination = JSON.parse(row.destination) as ReplicationDestination;
    const client = await clientFor(destination);
    if (row.delete_marker === 1) {
      await send(
        client,
        asReplica(new DeleteObjectCommand({ Bucket: destination.bucket, Key: row.key }), row.version_id),
      );
      return;
    }
    if (!source) throw new Error('replication has no source connected');
    const opened = await source.open(row.bucket, row.key, row.version_id).catch((error: unknown) => {
      // Deleted since (or its bucket): there is nothing left to replicate (S3 does not replicate a deletion).
      if (GONE.has((error as { code?: string }).code ?? '')) return undefined;
      throw error;
    });
    if (!opened) return;
    const tags = tagsOf(opened.tags);
    const headers = opened.headers;
    const command = new PutObjectCommand({
      Bucket: destination.bucket,
      Key: row.key,
      Body: opened.body as never,
      ContentLength: opened.size,
      ContentType: opened.contentType,
      Metadata: opened.userMetadata,
      ...(headers['cache-control'] ? { CacheControl: headers['cache-control'] } : {}),
      ...(headers['content-disposition'] ? { ContentDisposition: headers['content-disposition'] } : {}),
      ...(headers['content-encoding'] ? { ContentEncoding: headers['content-encoding'] } : {}),
      ...(headers['content-language'] ? { ContentLanguage: headers['content-language'] } : {}),
      ...(tags.length > 0
        ? {
            Tagging: new URLSearchParams(
              tags.map((tag): [string, string] => [tag.Key, tag.Value]),
            ).toString(),
          }
        : {}),
      ...(destination.storageClass ? { StorageClass: destination.storageClass as never } : {}),
      // Re-encrypted under the destination's key: the one the rule names for SSE-KMS objects, else the
      // destination bucket's default.
      ...(destination.replicaKmsKeyId && opened.encryption?.algorithm === 'aws:kms'
        ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: destination.replicaKmsKeyId }
        : {}),
    });
    await send(client, asReplica(command, row.version_id));
  }

  /** After a row is done: the version is COMPLETED once no destination is left, FAILED if one gave up. */
  async function settle(row: ReplicationRow, failed: boolean): Promise<void> {
    if (row.delete_marker === 1 || !source) return;
    if (failed) {
      await source.setStatus(row.bucket, row.key, row.version_id, 'FAILED');
      return;
    }
    const left = await db
      .selectFrom('s3_replication_outbox')
      .select('id')
      .where('bucket', '=', row.bucket)
      .where('key', '=', row.key)
      .where('version_id', '=', row.version_id)
      .limit(1)
      .executeTakeFirst();
    if (!left) await source.setStatus(row.bucket, row.key, row.version_id, 'COMPLETED');
  }

  /** The rows due whose key has no earlier row waiting: a key's versions reach the destination in order. */
  function heads(now: number | undefined) {
    let query = db
      .selectFrom('s3_replication_outbox as o')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('s3_replication_outbox as e')
              .select('e.id')
              .whereRef('e.bucket', '=', 'o.bucket')
              .whereRef('e.key', '=', 'o.key')
              .whereRef('e.id', '<', 'o.id'),
          ),
        ),
      );
    if (now !== undefined) query = query.where('o.next_attempt_at', '<=', now);
    return query;
  }

  const worker = createOutboxWorker(
    's3-replication',
    {
      due: async (now, limit) =>
        (await heads(now).selectAll('o').orderBy('o.id').limit(limit).execute()).map((row) => ({
          ...row,
          size: Number(row.size),
          created_at: Number(row.created_at),
          next_attempt_at: Number(row.next_attempt_at),
        })),
      async deliver(row) {
        try {
          await deliver(row);
        } catch (error) {
          if (error instanceof Unreplicable) {
            logger.warn(
              { bucket: row.bucket, versionId: row.version_id, reason: error.message },
              'not replicated',
            );
            await db.deleteFrom('s3_replication_outbox').where('id', '=', row.id).execute();
            await settle(row, true);
            return;
          }
          throw error;
        }
      },
      async remove(row) {
        await db.deleteFrom('s3_replication_outbox').where('id', '=', row.id).execute();
        await settle(row, false);
      },
      async giveUp(row) {
        await db.deleteFrom('s3_replication_outbox').where('id', '=', row.id).execute();
        await settle(row, true);
      },
      async postpone(row, attempts, at) {
        await db
          .updateTable('s3_replication_outbox')
          .set({ attempts, next_attempt_at: at })
          .where('id', '=', row.id)
          .execute();
      },
      async nextDue() {
        const row = await heads(undefined)
          .select((eb) => eb.fn.min('o.next_attempt_at').as('at'))
          .executeTakeFirst();
        return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
      },
      describe: (row) => ({ bucket: row.bucket, versionId: row.version_id, rule: row.rule_id }),
    },
    { clock, logger, retries: deps.retries ?? DEFAULT_REPLICATION_RETRIES, concurrency: CONCURRENCY },
  );

  return {
    configuration,

    async validate(config, ownAccount) {
      for (const rule of config.rules) {
        const account = rule.destination.account;
        if (account === undefined || account === ownAccount)
          throw badRequest(
            'InvalidRequest',
            'Replication to a bucket of the same account is not supported by Seawall; name the destination Account, registered with `seawall remote add`.',
          );
        if (!(await remotes.get(account)))
          throw badRequest(
            'InvalidRequest',
            `Destination account ${account} is not registered; register its endpoint with \`seawall remote add\`.`,
          );
      }
    },

    async drafts(candidate) {
      if (candidate.replica) return [];
      const config = await configuration(candidate.bucket);
      if (!config) return [];
      const encryption =
        candidate.encryption === null ? undefined : (JSON.parse(candidate.encryption) as ObjectEncryption);
      const tags = new Map(tagsOf(candidate.tags).map((tag) => [tag.Key, tag.Value]));
      const rules = rulesFor(config, {
        key: candidate.key,
        tags,
        deleteMarker: candidate.deleteMarker,
        sseKms: encryption?.algorithm === 'aws:kms',
      });
      const now = clock.now().getTime();
      return rules.map((rule) => ({
        bucket: candidate.bucket,
        key: candidate.key,
        version_id: candidate.versionId,
        delete_marker: candidate.deleteMarker ? 1 : 0,
        rule_id: rule.id,
        destination: JSON.stringify(rule.destination),
        size: candidate.size,
        created_at: now,
      }));
    },

    wake: () => worker.wake(),
    start: (runtime) => worker.start(runtime),
    connect(connected) {
      source = connected;
    },
    close() {
      for (const { client } of clients.values()) client.destroy();
      clients.clear();
    },
  };
}
