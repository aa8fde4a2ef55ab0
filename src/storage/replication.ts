import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { Readable } from 'node:stream';
import type { PeerCertificate } from 'node:tls';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetObjectLockConfigurationCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { Kysely, Transaction } from 'kysely';
import type { Database, ReplicationChange, S3ReplicationOutboxTable } from '../db/schema.js';
import { type AppError, badRequest } from '../errors.js';
import { createOutboxWorker, type DeliveryRetries, type JobRuntime } from '../jobs/index.js';
import { type ChecksumAlgorithm, type ChecksumType, parseChecksumAlgorithm } from '../lib/checksums.js';
import type { Clock } from '../lib/clock.js';
import { increasingId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { Authorize } from '../lib/operation.js';
import { statusOf } from '../lib/sdk-errors.js';
import { readStoredAcl } from './acl.js';
import type { BucketSettings } from './bucket-settings.js';
import { carriedMetadataValue } from './metadata-words.js';
import { FULL_OBJECT_ALGORITHMS } from './multipart-checksums.js';
import type { ObjectParts } from './multipart-objects.js';
import type { ObjectEncryption } from './object-encryption.js';
import type { VersionLock } from './object-lock.js';
import {
  parseStoredReplication,
  type ReplicationConfiguration,
  type ReplicationDestination,
  rulesFor,
} from './replication-config.js';
import type { Remote, RemoteStore } from './replication-remotes.js';
import { createReplicaUploads } from './replication-uploads.js';
import { s3Arn } from './s3-arn.js';
import { tagsOf } from './tagging.js';
import { checkVersionId } from './versioning.js';

/** The header a replica's write carries: the source version's id, which the replica keeps (as S3's do). */
export const REPLICA_HEADER = 'x-seawall-replica-version-id';

/**
 * The header a replica's write carries with it: the source version's creation time (ISO 8601), which the replica
 * keeps, as S3's replicas keep "the original object creation time" (its lifecycle rules count from it too).
 */
export const REPLICA_MODIFIED_HEADER = 'x-seawall-replica-last-modified';

/**
 * The creation time a replica's write keeps (REPLICA_MODIFIED_HEADER), in milliseconds; undefined for any other
 * write, or a replica's that sends none (the time it is made). Believed only from this installation's own
 * replication (isServiceReplica): anyone else allowed s3:ReplicateObject (every `s3:*` grant) could otherwise
 * date a version in the past, so that lifecycle takes the one before it as long noncurrent, or in the future.
 * A replica from another Seawall is dated when it arrives, as it was before replicas kept their source's time.
 * Never later than `now`.
 */
export function replicaLastModified(
  req: Parameters<typeof isServiceReplica>[0],
  now: number,
): number | undefined {
  const value = req.headers[REPLICA_MODIFIED_HEADER];
  if (value === undefined || !isServiceReplica(req)) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(time))
    throw badRequest(
      'InvalidArgument',
      `${REPLICA_MODIFIED_HEADER} must be a time such as 2024-01-02T03:04:05.678Z.`,
    );
  return Math.min(time, now);
}

/** Refuses what cannot be a replica's version id (the header's value): a versioned source's id, never "null". */
export function checkReplicaOf(replicaOf: string): void {
  checkVersionId(replicaOf);
  if (replicaOf === 'null')
    throw badRequest(
      'InvalidArgument',
      'A replica keeps the version id of a versioned source, never "null".',
    );
}

/**
 * A replica's write whose version id the destination already holds for something else (a delete marker for an
 * object, other bytes): refused for good, so the source marks the version FAILED rather than trust it.
 */
export function replicaIdTaken(replicaOf: string, what: string): AppError {
  return badRequest('InvalidRequest', `The version id ${replicaOf} is already that of ${what} of this key.`);
}

/** The service a replication role trusts, and for which Seawall makes the role's sessions. */
export const REPLICATION_SERVICE = 's3.amazonaws.com';

/**
 * Whether a request is a replica's write made by this installation's own replication: it carries the replica
 * header and is signed by a session Seawall made of the role for S3 (same-account replication). Such a write is
 * authorized as S3 authorizes its internal replication: s3:ReplicateObject (s3:ReplicateDelete, s3:ReplicateTags)
 * in place of the write's own action, its retention and legal hold covered, its bytes needing no client digest.
 * A replica's write from anyone else (another Seawall's replication, with the credentials registered for it)
 * needs s3:ReplicateObject besides the write's own action and settings, so no deny of a write is escaped.
 */
export function isServiceReplica(req: {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly principal: { readonly service?: string | undefined };
}): boolean {
  return req.headers[REPLICA_HEADER] !== undefined && req.principal.service === REPLICATION_SERVICE;
}

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
    body: NodeJS.ReadableStream & AsyncIterable<Uint8Array> & { destroy(): void };
    contentType: string;
    size: number;
    /** When the version was made: its replica keeps it. */
    lastModified: Date;
    /** The version's checksum, which its replica keeps (the destination verifies the bytes against it). */
    checksum?: { algorithm: string; value: string; type: ChecksumType } | undefined;
    userMetadata: Record<string, string>;
    headers: Record<string, string>;
    tags?: string | null | undefined;
    encryption?: ObjectEncryption | undefined;
    lock?: VersionLock | undefined;
    blobId: string;
  }>;
  /** The parts a multipart version was uploaded in (their sizes and checksums); undefined for one uploaded whole. */
  parts(blobId: string): Promise<ObjectParts | undefined>;
  /** A version's tag set as stored (tagging.ts), null for none; NoSuchVersion and the like once it is gone. */
  tags(bucket: string, key: string, versionId: string): Promise<string | null>;
  /**
   * A version's ACL as stored (acl.ts), null for its owner's full control, undefined where its bucket has ACLs
   * disabled now (BucketOwnerEnforced: none is in force); NoSuchVersion and the like once it is gone.
   */
  acl(bucket: string, key: string, versionId: string): Promise<string | null | undefined>;
  /** A version's Object Lock retention and legal hold as stored; NoSuchVersion and the like once it is gone. */
  lock(bucket: string, key: string, versionId: string): Promise<VersionLock>;
  /** Whether a bucket has Object Lock (its versions then replicate only to a bucket that has it too). */
  lockEnabled(bucket: string): Promise<boolean>;
  /**
   * Ends a row and settles its version's status, COMPLETED, or FAILED with `failure`, in one transaction
   * (storage-store.ts, settleReplica) with the failure's events.
   */
  settle(row: ReplicationRow, failure?: ReplicationFailure): Promise<void>;
}

/**
 * This installation's own S3 endpoint, where replicas for a bucket of the same account are written: through
 * the API, as a session of the configuration's role, so the destination authorizes, seals and records them
 * as it does a replica from anywhere else.
 */
export interface SelfEndpoint {
  accountId: string;
  region: string;
  /** The URL the server listens at; empty until it listens. */
  url(): string;
  /** The certificate it serves HTTPS with: its own requests trust that one, and only that one. */
  tlsCert?: Buffer;
  /** A session of `role` for s3.amazonaws.com. */
  credentials(role: string): Promise<{
    AccessKeyId: string;
    SecretAccessKey: string;
    SessionToken: string;
    Expiration: Date;
  }>;
}

export interface Replication {
  /** The bucket's configuration; undefined when none is set. */
  configuration(bucket: string): Promise<ReplicationConfiguration | undefined>;
  /**
   * Checks a configuration's destinations in other accounts before it is stored (a registered account for
   * each); answers the destinations in buckets of `ownAccount` it names, which the caller checks.
   */
  validate(config: ReplicationConfiguration, ownAccount: string): Promise<ReplicationDestination[]>;
  /** The drafts a new version raises: one per destination whose rule picks it. */
  drafts(candidate: ReplicationCandidate): Promise<ReplicationDraft[]>;
  wake(): void;
  start(runtime: JobRuntime): () => void;
  /** Connects where replicas are read from (the storage service, built with this). */
  connect(source: ReplicationSource): void;
  /** Connects how a configuration's role is acted as (IAM, built after storage). */
  useRoles(actAs: (role: string) => Promise<Authorize>): void;
  /** Connects the installation's own endpoint, for destinations of its own account. */
  useSelf(self: SelfEndpoint): void;
  close(): void;
}

/**
 * A destination that is down is tried again with a doubling wait up to five minutes, for about a day (300
 * attempts) before its versions are marked FAILED; the backlog shows meanwhile as the replication metrics.
 */
export const DEFAULT_REPLICATION_RETRIES: DeliveryRetries = {
  firstDelayMs: 1000,
  maxDelayMs: 300_000,
  attempts: 300,
};

/**
 * A version uploaded in parts is sent as a multipart upload in the same parts, so the replica's ETag is the
 * source's (unless either is sealed under SSE-KMS, whose ETags are keyed by each object's data key); one
 * larger than `fromBytes` (S3 takes at most 5 GiB in one PUT) is too, in parts of `partBytes` where it was
 * uploaded whole.
 */
export interface ReplicationMultipart {
  fromBytes: number;
  partBytes: number;
}

export const DEFAULT_REPLICATION_MULTIPART: ReplicationMultipart = {
  fromBytes: 5 * 1024 ** 3,
  partBytes: 256 * 1024 ** 2,
};

/** S3's most parts in an upload. */
const MAX_PARTS = 10_000;

/** Replicas of different keys are written this many at a time; a key's versions one after another, in order. */
const CONCURRENCY = 8;

/** A replica's request that sends nothing for this long is given up, to be tried again. */
const IDLE_TIMEOUT_MS = 120_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** How long a remote's registration is used before it is read again. */
const REMOTE_REFRESH_MS = 5_000;

/** How long another endpoint's answer on whether its destination bucket has Object Lock is taken as it was. */
const LOCK_CHECK_MS = 60_000;

/** A role's session is used this long before a new one is made (sessions last an hour). */
const ROLE_SESSION_MS = 15 * 60_000;

/** What reading a version that was deleted since answers. */
const GONE: ReadonlySet<string> = new Set(['NoSuchVersion', 'NoSuchKey', 'NoSuchBucket']);

/** Undefined for a failure that says the version (or its bucket) is gone, here or at the destination; else throws. */
function unlessGone(error: unknown): undefined {
  if (GONE.has((error as { code?: string }).code ?? (error as Error).name)) return undefined;
  throw error;
}

/**
 * The destination's answers no retry mends until someone changes the destination or the rule: S3 marks the
 * version FAILED for them. Anything else (down, 5xx, throttling, timeouts, clock skew, a key being rotated)
 * is tried again.
 */
const REFUSALS: ReadonlySet<string> = new Set([
  'AccessDenied',
  'NoSuchBucket',
  'InvalidRequest',
  'InvalidArgument',
  'InvalidStorageClass',
  'EntityTooLarge',
  'KMS.NotFoundException',
  'KMS.DisabledException',
  'NotImplemented',
  'MethodNotAllowed',
]);

/**
 * S3's names for why a replication failed, as its OperationFailedReplication events give them
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-failure-codes.html): those Seawall meets.
 */
export type FailureReason =
  | 'AssumeRoleNotPermitted'
  | 'DstBucketNotFound'
  | 'DstBucketObjectLockConfigMissing'
  | 'DstBucketUnversioned'
  | 'DstDelObjNotPermitted'
  | 'DstKmsKeyInvalidState'
  | 'DstKmsKeyNotFound'
  | 'DstMultipartCompleteNotPermitted'
  | 'DstMultipartInitNotPermitted'
  | 'DstMultipartUploadNotPermitted'
  | 'DstPutAclNotPermitted'
  | 'DstPutLegalHoldNotPermitted'
  | 'DstPutObjectNotPermitted'
  | 'DstPutRetentionNotPermitted'
  | 'DstPutTaggingNotPermitted'
  | 'SrcGetAclNotPermitted'
  | 'SrcGetLegalHoldNotPermitted'
  | 'SrcGetObjectNotPermitted'
  | 'SrcGetRetentionNotPermitted'
  | 'SrcGetTaggingNotPermitted';

/** What the role being refused an action on the source version is, by S3's reasons. */
const SOURCE_REFUSALS: Readonly<Record<string, FailureReason>> = {
  's3:GetObjectVersionForReplication': 'SrcGetObjectNotPermitted',
  's3:GetObjectRetention': 'SrcGetRetentionNotPermitted',
  's3:GetObjectLegalHold': 'SrcGetLegalHoldNotPermitted',
  's3:GetObjectVersionTagging': 'SrcGetTaggingNotPermitted',
  's3:GetObjectVersionAcl': 'SrcGetAclNotPermitted',
};

/** What the destination denying a replica's request is, by S3's reasons, by the request's command. */
const DESTINATION_DENIALS: Readonly<Record<string, FailureReason>> = {
  PutObjectCommand: 'DstPutObjectNotPermitted',
  DeleteObjectCommand: 'DstDelObjNotPermitted',
  CreateMultipartUploadCommand: 'DstMultipartInitNotPermitted',
  UploadPartCommand: 'DstMultipartUploadNotPermitted',
  CompleteMultipartUploadCommand: 'DstMultipartCompleteNotPermitted',
  PutObjectTaggingCommand: 'DstPutTaggingNotPermitted',
  DeleteObjectTaggingCommand: 'DstPutTaggingNotPermitted',
  PutObjectRetentionCommand: 'DstPutRetentionNotPermitted',
  PutObjectLegalHoldCommand: 'DstPutLegalHoldNotPermitted',
  PutObjectAclCommand: 'DstPutAclNotPermitted',
};

/** S3's reason for the destination refusing a replica's request for good, where it names one. */
function refusalReason(error: Error, command: object): FailureReason | undefined {
  switch (error.name) {
    case 'NoSuchBucket':
      return 'DstBucketNotFound';
    case 'KMS.NotFoundException':
      return 'DstKmsKeyNotFound';
    case 'KMS.DisabledException':
      return 'DstKmsKeyInvalidState';
    case 'AccessDenied':
      return DESTINATION_DENIALS[command.constructor.name];
    case 'InvalidRequest':
      return /versioning/i.test(error.message) ? 'DstBucketUnversioned' : undefined;
    default:
      return undefined;
  }
}

/**
 * What of a replica's request a refusal is about, for the log: the header the destination names, and the rule's
 * StorageClass where the refusal is of it (a destination that does not take that class refuses every replica).
 */
function refusedInput(error: Error, command: object): string {
  const header = (error as { Header?: unknown }).Header;
  const storageClass = (command as { input?: { StorageClass?: string } }).input?.StorageClass;
  const ofClass =
    error.name === 'InvalidStorageClass' ||
    (error.name === 'NotImplemented' && header === 'x-amz-storage-class');
  if (storageClass && ofClass)
    return ` (x-amz-storage-class ${storageClass}: the rule's Destination StorageClass, which the destination bucket does not take)`;
  return typeof header === 'string' ? ` (header ${header})` : '';
}

/** Why a version was marked FAILED: S3's reason, where it names one (not for a destination that never answered). */
export interface ReplicationFailure {
  reason?: FailureReason;
}

/** A failure no retry would mend: the version is marked FAILED at once, for `reason` where S3 names one. */
export class Unreplicable extends Error {
  override readonly name = 'Unreplicable';

  constructor(
    message: string,
    readonly reason?: FailureReason,
    /** The destination's error code, where it refused the write. */
    readonly code?: string,
    /** What the destination's error said: its message and the argument it names, where it refused the write. */
    readonly said?: string,
  ) {
    super(message);
  }
}

/** How S3 (and Seawall) refuse a write to a retaining bucket that sends no digest of its bytes. */
const DIGEST_WANTED = /Content-MD5 OR x-amz-checksum- HTTP header is required/i;

/** The destination wants a digest of the replica's bytes: the delivery is tried again with one. */
class DigestWanted extends Error {
  override readonly name = 'DigestWanted';
  constructor() {
    super('the destination retains what it stores and wants a digest of the bytes: sent again with a CRC32');
  }
}

/**
 * How a destination that does not know flexible checksums (an older S3-compatible server) refuses a write that
 * carries one: one of these codes, its words naming a checksum (its message or the argument it names, such as
 * x-amz-checksum-crc32 or x-amz-sdk-checksum-algorithm). Such a destination is sent no carried checksum from then
 * on; a refusal for anything else (a past retention date, a lock it lacks) is no sign of it.
 */
const CHECKSUMS_REFUSED: ReadonlySet<string> = new Set([
  'InvalidArgument',
  'InvalidRequest',
  'NotImplemented',
]);
const NAMES_A_CHECKSUM = /checksum/i;

/** The destination refused a write carrying the source's checksum: the delivery is tried again without it. */
class ChecksumsRefused extends Error {
  override readonly name = 'ChecksumsRefused';
  constructor(refusal: string) {
    super(`the destination refused the source's checksum (${refusal}): sent again without it`);
  }
}

/** A version's checksum as its replica is sent with it: of an algorithm S3 takes (x-amz-checksum-*). */
interface CarriedChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
  type: ChecksumType;
}

/** The stored checksum a replica carries; undefined for none (or one of an algorithm S3 would not take). */
function carriedChecksum(
  stored: { algorithm: string; value: string; type: ChecksumType } | undefined,
): CarriedChecksum | undefined {
  const algorithm = stored && parseChecksumAlgorithm(stored.algorithm);
  return stored && algorithm ? { algorithm, value: stored.value, type: stored.type } : undefined;
}

/** The SDK's member for a checksum of `algorithm` (x-amz-checksum-crc32 is ChecksumCRC32, and so on). */
function checksumMember(algorithm: ChecksumAlgorithm): `Checksum${ChecksumAlgorithm}` {
  return `Checksum${algorithm}`;
}

/** What a row's destination records: the rule's destination and the role it replicates as. */
type RowDestination = ReplicationDestination & { role?: string };

export function createReplication(deps: {
  db: Kysely<Database>;
  settings: BucketSettings;
  remotes: RemoteStore;
  clock: Clock;
  logger: Logger;
  retries?: DeliveryRetries;
  multipart?: ReplicationMultipart;
}): Replication {
  const { db, settings, remotes, clock, logger } = deps;
  const multipartOptions = deps.multipart ?? DEFAULT_REPLICATION_MULTIPART;
  let source: ReplicationSource | undefined;
  let actAs: ((role: string) => Promise<Authorize>) | undefined;
  let self: SelfEndpoint | undefined;
  const clients = new Map<string, { client: S3Client; remote: Remote }>();
  /** Clients of the installation's own endpoint, one per role. */
  const selfClients = new Map<string, S3Client>();
  /** Destinations (`account/bucket`) that asked for a digest of each replica's bytes. */
  const digestWanted = new Set<string>();
  /** Destinations (`account/bucket`) that refused a write carrying the source's checksum (CHECKSUMS_REFUSED). */
  const checksumsRefused = new Set<string>();
  /** Whether other endpoints' destination buckets have Object Lock, as last asked, by destination. */
  const remoteLocks = new Map<string, { locked: Promise<boolean | undefined>; until: number }>();
  const sessions = new Map<string, { authorize: Promise<Authorize>; until: number }>();
  const uploads = createReplicaUploads(db, logger);

  async function configuration(bucket: string): Promise<ReplicationConfiguration | undefined> {
    const stored = await settings.get(bucket, 'replication');
    return stored === undefined ? undefined : parseStoredReplication(stored);
  }

  /** Remotes as registered, looked up again after a few seconds (a `remote add` takes effect that soon). */
  const registered = new Map<string, { remote: Promise<Remote | undefined>; until: number }>();
  function remoteOf(account: string): Promise<Remote | undefined> {
    const now = clock.now().getTime();
    let found = registered.get(account);
    if (!found || found.until <= now) {
      found = { remote: remotes.get(account), until: now + REMOTE_REFRESH_MS };
      registered.set(account, found);
    }
    return found.remote;
  }

  /** Whether a destination is a bucket of this installation's own account (S3's same-account replication). */
  const isOwn = (destination: ReplicationDestination, ownAccount = self?.accountId) =>
    destination.account === undefined || destination.account === ownAccount;

  const clientOptions = {
    forcePathStyle: true,
    // The outbox retries with its own backoff, and logs what failed; a stalled destination is let go.
    maxAttempts: 1,
    // The bytes are the source's, authenticated as they are read: no checksum of them on the way (which
    // costs both sides a pass over every byte).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  } as const;
  const timeouts = { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: IDLE_TIMEOUT_MS };

  /** The client of this installation's own endpoint, as a session of `role` renewed before it expires. */
  function selfClientFor(role: string | undefined): S3Client {
    const own = self;
    const url = own?.url();
    if (!own || !url)
      throw new Error('replication to a bucket of this installation waits for the server to listen');
    if (role === undefined)
      throw new Unreplicable('the replication configuration names no role', 'AssumeRoleNotPermitted');
    const cached = selfClients.get(role);
    if (cached) return cached;
    // The certificate this process serves, once: the peer must present exactly it.
    const fingerprint = own.tlsCert && new X509Certificate(own.tlsCert).fingerprint256;
    let session: Promise<Awaited<ReturnType<SelfEndpoint['credentials']>>> | undefined;
    let until = 0;
    const client = new S3Client({
      ...clientOptions,
      endpoint: url,
      region: own.region,
      credentials: async () => {
        if (!session || clock.now().getTime() >= until) {
          until = clock.now().getTime() + ROLE_SESSION_MS;
          session = own.credentials(role);
          session.catch(() => {
            session = undefined;
          });
        }
        const c = await session;
        return {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: c.Expiration,
        };
      },
      requestHandler: {
        ...timeouts,
        // Its own certificate and no other, whatever name it was made for and whoever issued it (the chain it
        // serves may end short of a root): the peer's certificate must be the very one this process serves.
        ...(own.tlsCert
          ? {
              httpsAgent: new Agent({
                ca: own.tlsCert,
                allowPartialTrustChain: true,
                checkServerIdentity: (_host: string, peer: PeerCertificate) =>
                  peer.fingerprint256 === fingerprint
                    ? undefined
                    : new Error('the server answered with a certificate that is not its own'),
              }),
            }
          : {}),
      },
    });
    selfClients.set(role, client);
    return client;
  }

  /** The client of the destination's remote, made again when the remote was registered again. */
  async function clientFor(destination: ReplicationDestination, role: string | undefined): Promise<S3Client> {
    if (isOwn(destination)) return selfClientFor(role);
    const account = destination.account ?? '';
    const remote = await remoteOf(account).catch((error: unknown) => {
      registered.delete(account);
      throw error;
    });
    if (!remote) throw new Error(`no remote is registered for account ${account}`);
    const cached = clients.get(account);
    const same = (a: Remote, b: Remote) =>
      a.endpoint === b.endpoint &&
      a.region === b.region &&
      a.accessKeyId === b.accessKeyId &&
      a.secretAccessKey === b.secretAccessKey;
    if (cached && same(cached.remote, remote)) return cached.client;
    cached?.client.destroy();
    const client = new S3Client({
      ...clientOptions,
      endpoint: remote.endpoint,
      region: remote.region,
      credentials: { accessKeyId: remote.accessKeyId, secretAccessKey: remote.secretAccessKey },
      requestHandler: timeouts,
    });
    clients.set(account, { client, remote });
    return client;
  }

  /**
   * Whether a destination bucket has Object Lock: one of this installation's by its settings, another
   * endpoint's by GetObjectLockConfiguration with the remote's key, asked once a minute per destination;
   * undefined when it cannot be told (no such bucket, a key that may not ask), and the write answers for itself.
   */
  function destinationLocked(destination: RowDestination, target: string): Promise<boolean | undefined> {
    if (isOwn(destination))
      return settings.get(destination.bucket, 'object-lock').then(
        (config) => config !== undefined,
        () => undefined,
      );
    const now = clock.now().getTime();
    let known = remoteLocks.get(target);
    if (!known || known.until <= now) {
      const locked = clientFor(destination, destination.role)
        .then((client) => client.send(new GetObjectLockConfigurationCommand({ Bucket: destination.bucket })))
        .then(
          (answer) => answer.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
          (error: unknown) =>
            (error as Error).name === 'ObjectLockConfigurationNotFoundError' ? false : undefined,
        );
      known = { locked, until: now + LOCK_CHECK_MS };
      remoteLocks.set(target, known);
    }
    return known.locked;
  }

  /** Checks as the rule's role that it may read the version for replication (S3's permission for it). */
  async function checkRole(
    row: ReplicationRow,
    role: string | undefined,
    actions: readonly string[] = ['s3:GetObjectVersionForReplication'],
  ): Promise<void> {
    if (!actAs || role === undefined) return;
    const now = clock.now().getTime();
    let session = sessions.get(role);
    if (!session || session.until <= now) {
      session = { authorize: actAs(role), until: now + ROLE_SESSION_MS };
      sessions.set(role, session);
    }
    let reason: FailureReason = 'AssumeRoleNotPermitted';
    try {
      const authorize = await session.authorize;
      for (const action of actions) {
        reason = SOURCE_REFUSALS[action] ?? 'SrcGetObjectNotPermitted';
        await authorize({ action, resources: [s3Arn(row.bucket, row.key)] });
      }
    } catch (error) {
      sessions.delete(role);
      throw new Unreplicable(
        `the replication role ${role} may not replicate it: ${(error as Error).message}`,
        reason,
      );
    }
  }

  /** Sends the replica header (and `carried` headers) with a command, signed with the rest. */
  function asReplica<C extends { middlewareStack: unknown }>(
    command: C,
    versionId: string,
    carried: Readonly<Record<string, string>> = {},
  ): C {
    type Next = (args: { request: unknown }) => Promise<unknown>;
    const stack = command.middlewareStack as unknown as {
      add(middleware: (next: Next) => Next, options: { step: 'build'; name: string }): void;
    };
    stack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) Object.assign(request.headers, carried, { [REPLICA_HEADER]: versionId });
        return next(args);
      },
      { step: 'build', name: 'seawallReplicaHeader' },
    );
    return command;
  }

  /** Sends a replica's request; the destination refusing it for good is Unreplicable (see REFUSALS). */
  async function send<O>(
    client: S3Client,
    command: { middlewareStack: unknown } & object,
    signal: AbortSignal,
  ): Promise<O> {
    try {
      return (await client.send(command as PutObjectCommand, { abortSignal: signal })) as O;
    } catch (error) {
      const name = (error as Error).name;
      const status = statusOf(error);
      // A bucket that retains by default wants the bytes digested: learnt once per destination, sent again.
      if (status === 400 && name === 'InvalidRequest' && DIGEST_WANTED.test((error as Error).message))
        throw new DigestWanted();
      if (status !== undefined && REFUSALS.has(name))
        throw new Unreplicable(
          `the destination refused the replica: ${name} (${status}): ${(error as Error).message}${refusedInput(error as Error, command)}`,
          refusalReason(error as Error, command),
          name,
          `${(error as Error).message} ${(error as { ArgumentName?: string }).ArgumentName ?? ''}`,
        );
      throw error;
    }
  }

  /**
   * Carries a later change of a replicated version to its replica, as the version is now (S3 replicates changes
   * of tags, ACL, retention and legal hold; a version's own ACL follows it so too): read as the role with the
   * action that reads it, written to the replica's version (which keeps the source's id). A replica that was
   * never made (a rule that picks the version only with its new tags) has nothing to change: S3 does not
   * replicate an existing object for a change of it.
   */
  async function deliverChange(
    row: ReplicationRow & { change: ReplicationChange },
    destination: RowDestination,
    signal: AbortSignal,
  ) {
    if (!source) throw new Error('replication has no source connected');
    // S3 replicates no ACL where the destination's owner takes the replicas (owner override): nothing to read.
    if (row.change === 'acl' && destination.ownerOverride) return;
    const version = { Bucket: destination.bucket, Key: row.key, VersionId: row.version_id };
    const read = {
      tags: 's3:GetObjectVersionTagging',
      retention: 's3:GetObjectRetention',
      'legal-hold': 's3:GetObjectLegalHold',
      acl: 's3:GetObjectVersionAcl',
    }[row.change];
    await checkRole(row, destination.role, [read]);
    const command = await changeCommand(row, version).catch(unlessGone);
    if (command === undefined) return;
    const client = await clientFor(destination, destination.role);
    await send(client, asReplica(command, row.version_id), signal).catch((error: unknown) => {
      // A destination with ACLs disabled (BucketOwnerEnforced) keeps its own: its owner's, as S3's replicas.
      if (row.change === 'acl' && (error as Error).name === 'AccessControlListNotSupported') return;
      unlessGone(error);
      // Never made there, or made under an id of the destination's own (another S3): nothing to change.
      logger.warn(
        { bucket: row.bucket, versionId: row.version_id, target: row.target, change: row.change },
        'a change of a replicated version found no replica of it at the destination',
      );
    });
  }

  /**
   * The request that gives the replica's `version` the source version's tags, ACL, retention or legal hold;
   * undefined where there is nothing to give.
   */
  async function changeCommand(
    row: ReplicationRow & { change: ReplicationChange },
    version: { Bucket: string; Key: string; VersionId: string },
  ) {
    const from = source as ReplicationSource;
    if (row.change === 'acl') {
      // Nor one the source no longer has in force (its bucket's ACLs disabled since).
      const stored = await from.acl(row.bucket, row.key, row.version_id);
      if (stored === undefined) return undefined;
      // The grants alone: the replica keeps its owner (the destination refuses an ACL naming another).
      const acl = stored === null ? undefined : readStoredAcl(stored, '');
      // None of its own (or none readable, which reads as no owner here): its owner's full control.
      if (acl === undefined || acl.owner === '')
        return new PutObjectAclCommand({ ...version, ACL: 'private' });
      const grants = acl.grants.map(({ grantee, permission }) => ({
        Grantee:
          'id' in grantee
            ? { Type: 'CanonicalUser' as const, ID: grantee.id }
            : { Type: 'Group' as const, URI: grantee.uri },
        Permission: permission,
      }));
      return new PutObjectAclCommand({ ...version, AccessControlPolicy: { Grants: grants } });
    }
    if (row.change === 'tags') {
      const tags = tagsOf(await from.tags(row.bucket, row.key, row.version_id));
      return tags.length > 0
        ? new PutObjectTaggingCommand({ ...version, Tagging: { TagSet: tags } })
        : new DeleteObjectTaggingCommand(version);
    }
    const lock = await from.lock(row.bucket, row.key, row.version_id);
    if (row.change === 'legal-hold')
      return new PutObjectLegalHoldCommand({ ...version, LegalHold: { Status: lock.legalHold ?? 'OFF' } });
    // A retention that has run out is none: the replica's, of the same date, has run out too.
    const retention =
      lock.retention && lock.retention.until > clock.now().getTime() ? lock.retention : undefined;
    return new PutObjectRetentionCommand({
      ...version,
      Retention: retention ? { Mode: retention.mode, RetainUntilDate: new Date(retention.until) } : {},
      // A governance retention shortened or removed at the source is at the replica too, where the destination
      // lets the role bypass it (s3:BypassGovernanceRetention); else the replica keeps what it has.
      BypassGovernanceRetention: true,
    });
  }

  /**
   * What a delivery that gave up leaves at its destination: its multipart uploads, aborted one last time (no
   * later attempt will); those the destination does not end are logged (replication-uploads.ts).
   */
  async function abandonUploads(row: ReplicationRow): Promise<void> {
    if (!row.uploads) return;
    const destination = JSON.parse(row.destination) as RowDestination;
    try {
      const client = await clientFor(destination, destination.role);
      await uploads.abandon(client, row, destination.bucket);
    } catch (error) {
      logger.warn(
        {
          err: error,
          bucket: row.bucket,
          versionId: row.version_id,
          target: row.target,
          uploads: row.uploads,
        },
        "a replica's multipart uploads are left at its destination: the delivery gave up, and they could not be aborted",
      );
    }
  }

  async function deliver(row: ReplicationRow, signal: AbortSignal): Promise<void> {
    const destination = JSON.parse(row.destination) as RowDestination;
    const { change } = row;
    if (change) return deliverChange({ ...row, change }, destination, signal);
    await checkRole(row, destination.role);
    // S3 replicates a bucket with Object Lock only to a bucket with Object Lock, delete markers and versions
    // without retention or legal hold too, which would otherwise lose the source bucket's protection. (A source
    // bucket deleted since has nothing left to replicate: found so below, as before.)
    if (
      (await source?.lockEnabled(row.bucket).catch(unlessGone)) &&
      (await destinationLocked(destination, row.target)) === false
    )
      throw new Unreplicable(
        `DstBucketObjectLockConfigMissing: s3://${row.bucket} has Object Lock and the destination bucket ${destination.bucket} does not`,
        'DstBucketObjectLockConfigMissing',
      );
    const client = await clientFor(destination, destination.role);
    // An earlier attempt's multipart upload the destination did not abort: ended before another is begun.
    if (row.uploads) await uploads.abortEarlier(client, row, destination.bucket, false);
    if (row.delete_marker === 1) {
      await send(
        client,
        asReplica(new DeleteObjectCommand({ Bucket: destination.bucket, Key: row.key }), row.version_id),
        signal,
      );
      return;
    }
    if (!source) throw new Error('replication has no source connected');
    // Deleted since (or its bucket): there is nothing left to replicate (S3 does not replicate a deletion).
    const opened = await source.open(row.bucket, row.key, row.version_id).catch(unlessGone);
    if (opened) await deliverVersion(row, destination, client, opened, signal);
    // What earlier attempts left, a completion that never answered too, now that the replica is made.
    if (row.uploads) await uploads.abortEarlier(client, row, destination.bucket, true);
  }

  /** Writes a version's replica: in one PUT, or in parts as it was uploaded (or when too large for one). */
  async function deliverVersion(
    row: ReplicationRow,
    destination: RowDestination,
    client: S3Client,
    opened: Awaited<ReturnType<ReplicationSource['open']>>,
    signal: AbortSignal,
  ): Promise<void> {
    const from = source as ReplicationSource;
    // The source's checksum, unless the destination refused one: what this attempt carries.
    const checksum = checksumsRefused.has(row.target) ? undefined : carriedChecksum(opened.checksum);
    try {
      const tags = tagsOf(opened.tags);
      const headers = opened.headers;
      // Object Lock's retention (while it lasts) and legal hold go with the replica, as S3 replicates them,
      // read as the role (s3:GetObjectRetention, s3:GetObjectLegalHold); S3 wants such a write's bytes digested.
      const retention = opened.lock?.retention;
      const retained = retention && retention.until > clock.now().getTime() ? retention : undefined;
      const held = opened.lock?.legalHold === 'ON';
      if (retained || held)
        await checkRole(row, destination.role, [
          ...(retained ? ['s3:GetObjectRetention'] : []),
          ...(held ? ['s3:GetObjectLegalHold'] : []),
        ]);
      // The version's checksum goes with its bytes, which the destination verifies and keeps; else S3 wants a
      // digest of a retained write's bytes: a CRC32 goes with any retention or legal hold, and to a destination
      // that asked for one (a bucket retaining by default).
      const digest = retained || held || digestWanted.has(row.target);
      const algorithm = checksum?.algorithm ?? (digest ? 'CRC32' : undefined);
      const object = {
        Bucket: destination.bucket,
        Key: row.key,
        ContentType: opened.contentType,
        // As headers the destination decodes: a value outside printable ASCII, or one that would decode to
        // something else, goes as an encoded-word.
        Metadata: Object.fromEntries(
          Object.entries(opened.userMetadata).map(([name, value]) => [name, carriedMetadataValue(value)]),
        ),
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
        ...(retained
          ? { ObjectLockMode: retained.mode, ObjectLockRetainUntilDate: new Date(retained.until) }
          : {}),
        ...(held ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}),
        ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}),
      };
      // The source's creation time and representation headers, which the replica keeps.
      const carried = {
        ...carriedHeaders(headers),
        [REPLICA_MODIFIED_HEADER]: opened.lastModified.toISOString(),
      };
      // A version uploaded in parts goes in the same parts, so its replica keeps its ETag (and its checksum of
      // them), as S3's do, but where SSE-KMS keys the ETags by each object's data key; one uploaded whole goes whole unless too large for a PUT, and then only where its
      // checksum can be a multipart upload's (S3 computes no SHA of a whole object uploaded in parts).
      const layout = await from.parts(opened.blobId);
      const uploaded = layout?.parts.map((part) => part.size);
      const partsKeep = checksum === undefined || FULL_OBJECT_ALGORITHMS.has(checksum.algorithm);
      if (uploaded !== undefined || (opened.size > multipartOptions.fromBytes && partsKeep)) {
        const sizes = partsOf(opened.size, uploaded);
        // The parts' own checksums, where the parts are those uploaded; a composite needs them.
        const partChecksums = sizes === uploaded ? layout?.parts.map((part) => part.checksum) : undefined;
        const kept =
          checksum && (checksum.type === 'FULL_OBJECT' || partChecksums?.every(Boolean))
            ? { ...checksum, parts: partChecksums }
            : undefined;
        const upload = { ...object, ...(kept ? { ChecksumType: kept.type } : {}) };
        await sendInParts(client, upload, carried, opened.body, sizes, row, signal, kept);
        return;
      }
      const command = new PutObjectCommand({
        ...object,
        ...(checksum ? { [checksumMember(checksum.algorithm)]: checksum.value } : {}),
        Body: opened.body as never,
        ContentLength: opened.size,
      });
      await send(client, asReplica(command, row.version_id, carried), signal);
    } catch (error) {
      if (error instanceof DigestWanted) digestWanted.add(row.target);
      // Refused with the source's checksum by a destination that may not know checksums: learnt once per
      // destination and sent again without; refused so again, it is a refusal as any other.
      if (
        checksum &&
        error instanceof Unreplicable &&
        error.code &&
        CHECKSUMS_REFUSED.has(error.code) &&
        NAMES_A_CHECKSUM.test(error.said ?? '')
      ) {
        checksumsRefused.add(row.target);
        logger.warn(
          { destination: row.target, refusal: error.code },
          'a replication destination refused the checksums replicas carry: its replicas go without them from now on',
        );
        throw new ChecksumsRefused(error.code);
      }
      throw error;
    } finally {
      // A request that failed may leave its body unread: its open blob is let go here either way.
      opened.body.destroy();
    }
  }

  /**
   * The part sizes a version of `size` bytes is sent in: those it was uploaded in when they add up to it (and
   * S3 would take them), else parts of the configured size, more where 10,000 of them would not hold it.
   */
  function partsOf(size: number, uploaded: number[] | undefined): number[] {
    if (uploaded && uploaded.reduce((sum, part) => sum + part, 0) === size && uploaded.length <= MAX_PARTS)
      return uploaded;
    const part = Math.max(multipartOptions.partBytes, Math.ceil(size / MAX_PARTS));
    return Array.from({ length: Math.ceil(size / part) }, (_, i) => Math.min(part, size - i * part));
  }

  /**
   * Sends a version as a multipart upload, each part a slice of the one read of its bytes. The upload is
   * recorded with the row before any part is sent; one that fails is aborted (where the role may), and where the
   * destination does not answer the abort, the next attempt aborts it (replication-uploads.ts). The version's
   * checksum (`kept`) goes with it: each part with its own where known, a full object's with the completion, so
   * the destination verifies what it makes against the source's.
   */
  async function sendInParts(
    client: S3Client,
    object: { Bucket: string; Key: string; ChecksumAlgorithm?: ChecksumAlgorithm } & Record<string, unknown>,
    carried: Readonly<Record<string, string>>,
    body: AsyncIterable<Uint8Array>,
    sizes: readonly number[],
    row: ReplicationRow,
    signal: AbortSignal,
    kept?: CarriedChecksum & { parts?: (string | undefined)[] | undefined },
  ): Promise<void> {
    const { Bucket, Key } = object;
    const versionId = row.version_id;
    const { UploadId } = await send<{ UploadId?: string }>(
      client,
      asReplica(new CreateMultipartUploadCommand(object as never), versionId, carried),
      signal,
    );
    if (!UploadId) throw new Error('the destination answered no upload id');
    let completing = false;
    try {
      await uploads.started(row, { id: UploadId });
    } catch (error) {
      await uploads.abort(client, row, Bucket, UploadId).catch(() => undefined);
      throw error;
    }
    try {
      const next = sliced(body);
      const { ChecksumAlgorithm } = object;
      const member = ChecksumAlgorithm && checksumMember(ChecksumAlgorithm);
      // A part whose checksum is not known has one computed (by the SDK) as it is sent.
      const parts: ({ PartNumber: number; ETag: string } & Record<string, string | number>)[] = [];
      for (const [i, size] of sizes.entries()) {
        const known = kept?.parts?.[i];
        const digest =
          member && known
            ? { ChecksumAlgorithm, [member]: known }
            : ChecksumAlgorithm
              ? { ChecksumAlgorithm }
              : {};
        const answer = await send<{ ETag?: string } & Record<string, string | undefined>>(
          client,
          asReplica(
            new UploadPartCommand({
              Bucket,
              Key,
              UploadId,
              PartNumber: i + 1,
              Body: Readable.from(next(size)) as never,
              ContentLength: size,
              ...digest,
            }),
            versionId,
          ),
          signal,
        );
        const value = member ? answer[member] : undefined;
        parts.push({
          PartNumber: i + 1,
          ETag: answer.ETag ?? '',
          ...(member && value ? { [member]: value } : {}),
        });
      }
      completing = true;
      await send(
        client,
        asReplica(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: parts },
            // A full object's checksum is verified by the completion; a composite one follows from the parts'.
            ...(kept?.type === 'FULL_OBJECT'
              ? { ChecksumType: 'FULL_OBJECT' as const, [checksumMember(kept.algorithm)]: kept.value }
              : {}),
          }),
          versionId,
        ),
        signal,
      );
    } catch (error) {
      // A completion whose answer did not come (a long join at the destination) may still finish: the upload is
      // left to it, and the retry's completion finds the version it made (a replica's completion is idempotent);
      // it is aborted once the replica is made.
      const answered = error instanceof Unreplicable || statusOf(error) !== undefined;
      if (completing && !answered)
        await uploads.started(row, { id: UploadId, completing: true }).catch(() => undefined);
      else await uploads.abort(client, row, Bucket, UploadId).catch(() => undefined);
      throw error;
    }
    // Made: nothing of this upload is left to abort.
    await uploads.completed(row, UploadId);
  }

  /**
   * The rows due whose key has no earlier row waiting for the same target: a key's versions reach each
   * destination in order, and a destination that is down holds back no other.
   */
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
              .whereRef('e.target', '=', 'o.target')
              .whereRef('e.id', '<', 'o.id'),
          ),
        ),
      );
    if (now !== undefined) query = query.where('o.next_attempt_at', '<=', now);
    return query;
  }

  const settle = async (row: ReplicationRow, failure?: ReplicationFailure) => {
    if (!source) throw new Error('replication has no source connected');
    await source.settle(row, failure);
  };

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
      deliver,
      permanent: (error) => error instanceof Unreplicable,
      remove: (row) => settle(row),
      async giveUp(row, error) {
        await settle(row, error instanceof Unreplicable && error.reason ? { reason: error.reason } : {});
        await abandonUploads(row);
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
      describe: (row) => ({
        bucket: row.bucket,
        versionId: row.version_id,
        rule: row.rule_id,
        ...(row.change ? { change: row.change } : {}),
      }),
    },
    { clock, logger, retries: deps.retries ?? DEFAULT_REPLICATION_RETRIES, concurrency: CONCURRENCY },
  );

  return {
    configuration,

    async validate(config, ownAccount) {
      const own: ReplicationDestination[] = [];
      for (const rule of config.rules) {
        const account = rule.destination.account;
        if (account === undefined || isOwn(rule.destination, ownAccount)) {
          own.push(rule.destination);
          continue;
        }
        if (!(await remotes.get(account)))
          throw badRequest(
            'InvalidRequest',
            `Destination account ${account} is not registered; register its endpoint with \`seawall remote add\`.`,
          );
      }
      return own;
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
        destination: JSON.stringify({ ...rule.destination, role: config.role } satisfies RowDestination),
        target: `${rule.destination.account ?? ''}/${rule.destination.bucket}`,
        size: candidate.size,
        created_at: now,
      }));
    },

    wake: () => worker.wake(),
    start: (runtime) => worker.start(runtime),
    connect(connected) {
      source = connected;
    },
    useRoles(roles) {
      actAs = roles;
    },
    useSelf(endpoint) {
      self = endpoint;
    },
    close() {
      for (const { client } of clients.values()) client.destroy();
      clients.clear();
      for (const client of selfClients.values()) client.destroy();
      selfClients.clear();
    },
  };
}

/**
 * Representation headers sent as the source stored them: S3 keeps an Expires that is no date as it was given
 * (hence the SDK's ExpiresString), which the SDK's Date-typed Expires could not carry.
 */
function carriedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return headers.expires ? { expires: headers.expires } : {};
}

/**
 * Reads a stream in consecutive slices: `next(n)` yields its next `n` bytes (and fails if it ends first), the
 * bytes read past a slice kept for the next one.
 */
export function sliced(body: AsyncIterable<Uint8Array>): (bytes: number) => AsyncGenerator<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]();
  let rest: Uint8Array | undefined;
  return async function* next(bytes: number) {
    let left = bytes;
    while (left > 0) {
      let chunk = rest;
      rest = undefined;
      if (!chunk) {
        const read = await chunks.next();
        if (read.done) throw new Error(`the version ended ${left} bytes before its size`);
        chunk = read.value;
      }
      if (chunk.length > left) {
        rest = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.length;
      if (chunk.length > 0) yield chunk;
    }
  };
}
