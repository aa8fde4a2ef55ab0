import type { StatsFs } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { type AuditStore, openAuditStore } from './audit/audit-store.js';
import {
  createAuditSink,
  recordingConfirmations,
  recordingSignIn,
  recordingTableReads,
} from './audit/audit-trail.js';
import { createCloudTrailApi, createLookupOperations } from './audit/cloudtrail-api.js';
import { createTrails } from './audit/trail-setup.js';
import { removeStalePins } from './backup/blob-pins.js';
import {
  type CrawlerService,
  createCatalogOperations,
  createCatalogService,
  createCatalogStore,
  createCrawlerOperations,
  createCrawlerService,
  createGlueApi,
} from './catalog/index.js';
import type { Config } from './config.js';
import { dataDirLayout, exists, PROFILE, writeFileOnce } from './data-dir.js';
import { claimDataDir } from './data-dir-claim.js';
import { recordDatabases, refuseLostDatabases } from './data-dir-databases.js';
import { prepareDataDir } from './data-dir-modes.js';
import { type MetadataDb, missingDatabase, openMetadataDb } from './db/database.js';
import { DEMO_DATASETS } from './demo/datasets.js';
import { CURATED_DATABASE } from './demo/zones.js';
import { createEngineLauncher, type EngineLauncher } from './engine/index.js';
import {
  createDatabrewApi,
  createDatabrewService,
  createEtlStore,
  type DatabrewService,
  RUN_MESSAGE_SECRETS_PURPOSE,
} from './etl/index.js';
import { createAuthorizer } from './iam/authorizer.js';
import {
  createConsoleSignIn,
  createIamApi,
  createIamService,
  createIamStore,
  createStsApi,
  type IamService,
  iamMigrations,
  type RootCredentials,
} from './iam/index.js';
import { createJobRuntime, createJobStore, type DeliveryRetries, type JobRuntime } from './jobs/index.js';
import {
  createKmsApi,
  createKmsService,
  createObjectKeyring,
  createSealedText,
  createSecretBox,
  deriveKey,
  ensureRootKeyFile,
  kmsMigrations,
} from './kms/index.js';
import { type Clock, systemClock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';
import {
  type AnyOperation,
  type Authorizer,
  actAsRole,
  type OperationEvent,
  type ServiceEndpoint,
} from './lib/operation.js';
import {
  ALARM_TOPIC,
  defaultAlarms,
  ensureDefaultAlarms,
  ensureDefaultDashboards,
} from './monitor/defaults.js';
import { createMonitor, type Monitor, rateCardOf } from './monitor/index.js';
import { createPrometheusExporter } from './monitor/prometheus.js';
import {
  confirmingWith,
  createConfirmSubscriptionRoute,
  createSnsApi,
  createSnsService,
  notifyMigrations,
} from './notify/index.js';
import {
  type AthenaLimits,
  type AthenaService,
  createAthenaApi,
  createAthenaService,
  createQueryStore,
  createSavedQueryStore,
  queryMigrations,
  REASON_SECRETS_PURPOSE,
} from './query/index.js';
import { keyStoreOf, rootKeyOf } from './root-of-trust.js';
import { type AuthThrottleOptions, createHttpServer, type HttpLimits } from './server/http-server.js';
import { createInternalRoutes } from './server/internal-routes.js';
import { createSignInRoute } from './server/signin-route.js';
import { readTlsCredentials } from './server/tls.js';
import {
  type BlobStore,
  bucketPolicies,
  createAccountAccessService,
  createAccountAccessStore,
  createEventOutbox,
  createLocalBlobStore,
  createMultipartStore,
  createRemoteStore,
  createS3Api,
  createStorageService,
  createStorageStore,
  type EngineScratch,
  REMOTE_SECRETS_PURPOSE,
  REPLICATION_SERVICE,
  type ReplicationMultipart,
  type StorageService,
  scheduleLifecycle,
  storageMigrations,
  withS3Control,
} from './storage/index.js';

/**
 * What each Athena query gets: two ordinary slots, and a lane of four for queries that have run past three
 * seconds, so runaways never hold the slots short queries need; Athena's default 30-minute timeout; an engine
 * of half the machine's memory shared by at most four warm engines, with bounded spill.
 */
export function defaultAthenaLimits(): AthenaLimits {
  return {
    concurrency: 2,
    longConcurrency: 4,
    longAfterMs: 3000,
    timeoutMs: 30 * 60_000,
    engineMemoryMb: Math.max(512, Math.min(4096, Math.floor(totalmem() / 2 ** 20 / 2 / 4))),
    maxSpillMb: 8192,
    threads: availableParallelism(),
    stateChangeWaitMs: 100,
  };
}

/**
 * Records when each long-term access key was last used (GetAccessKeyLastUsed), from the pipeline's events:
 * at most once a minute per key, off the request's path.
 */
function keyUseRecorder(iam: IamService, logger: Logger): (event: OperationEvent) => void {
  const noted = new Map<string, number>();
  return (event) => {
    const keyId = event.principal?.accessKeyId;
    if (!keyId || !event.service || keyId.startsWith('ASIA')) return;
    const at = event.time.getTime();
    if (at - (noted.get(keyId) ?? 0) < 60_000) return;
    if (noted.size > 10_000) noted.clear();
    noted.set(keyId, at);
    iam.noteKeyUse(keyId, event.service, event.region ?? '').catch((error: unknown) => {
      logger.warn({ err: error }, 'could not record when an access key was used');
    });
  };
}

/** Each domain's own schema changes, after the foundation's. */
const DOMAIN_MIGRATIONS = [
  iamMigrations,
  queryMigrations,
  storageMigrations,
  notifyMigrations,
  kmsMigrations,
];

/** The installation's metadata database, migrated to this version's schema. */
export async function openStore(config: Config, options: { create?: boolean } = {}): Promise<MetadataDb> {
  const layout = dataDirLayout(config.dataDir);
  // Only init makes metadata.db: anything else that finds it gone must not make a new, empty one and use it.
  if (!config.metadataUrl && !options.create && !(await exists(layout.metadataDb)))
    throw missingDatabase(layout.metadataDb);
  return openMetadataDb(
    config.metadataUrl ? { postgresUrl: config.metadataUrl } : { sqlitePath: layout.metadataDb },
    DOMAIN_MIGRATIONS,
  );
}

function createIam(db: MetadataDb, rootKey: Buffer, clock: Clock): IamService {
  return createIamService({
    store: createIamStore(db.db),
    secrets: createSecretBox(rootKey, 'iam-secrets'),
    clock,
  });
}

/**
 * The data directory's root account, whose secret the root key must open: a different key (another
 * SEAWALL_ROOT_KEY) is said so, not as the cipher's "unable to authenticate data".
 */
async function rootAccountOf(iam: IamService, config: Config): Promise<RootCredentials> {
  try {
    return await iam.ensureRootAccount(config.region);
  } catch (error) {
    if (!/unable to authenticate data/.test((error as Error).message)) throw error;
    throw new Error(
      `the root key does not open the secrets of ${config.dataDir}: it is not the key the directory was initialised with (root.key or SEAWALL_ROOT_KEY)`,
      { cause: error },
    );
  }
}

/** Linux's magic numbers for tmpfs and ramfs (statfs(2)): file systems that live in memory. */
const MEMORY_FILE_SYSTEMS = new Set([0x01021994, 0x858458f6]);

/**
 * The engines' scratch space: a memory-backed directory (DESIGN.md, decision 3: plaintext never reaches a
 * persistent disk), bounded by SEAWALL_SCRATCH_BYTES or half its file system's size. A directory on disk is
 * refused rather than used.
 */
async function engineScratchOf(config: Config): Promise<EngineScratch> {
  let stats: StatsFs;
  try {
    stats = await statfs(config.scratchDir);
  } catch (error) {
    throw new Error(
      `the scratch directory ${config.scratchDir} cannot be used (${(error as Error).message}); set SEAWALL_SCRATCH_DIR to a directory on tmpfs`,
    );
  }
  if (!MEMORY_FILE_SYSTEMS.has(stats.type))
    throw new Error(
      `the scratch directory ${config.scratchDir} is not on a memory-backed file system (tmpfs), so decrypted files would reach a disk; set SEAWALL_SCRATCH_DIR to a directory on tmpfs`,
    );
  return {
    dir: config.scratchDir,
    limitBytes: config.scratchBytes ?? Math.floor((stats.blocks * stats.bsize) / 2),
  };
}

/**
 * `seawall init`: the data directory, its root key (0600; none when SEAWALL_ROOT_KEY gives it), the account
 * and root access key, and the aws cli credentials and config files. Idempotent: what exists is left as it is.
 */
export async function initDataDir(config: Config): Promise<RootCredentials> {
  const layout = dataDirLayout(config.dataDir);
  await prepareDataDir(layout.root);
  if (!config.rootKey) await ensureRootKeyFile(layout.rootKey);
  const rootKey = await rootKeyOf(config);
  const db = await openStore(config, { create: true });
  try {
    const credentials = await rootAccountOf(createIam(db, rootKey, systemClock), config);
    await writeFileOnce(
      layout.credentials,
      `[${PROFILE}]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey}\n`,
      0o600,
    );
    await writeFileOnce(layout.awsConfig, `[profile ${PROFILE}]\nregion = ${credentials.region}\n`, 0o600);
    return credentials;
  } finally {
    await db.close();
  }
}

export interface Seawall {
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly storage: StorageService;
  readonly crawlers: CrawlerService;
  readonly athena: AthenaService;
  readonly databrew: DatabrewService;
  readonly runtime: JobRuntime;
  /** CloudWatch: metrics, dashboards, alarms and the built-in metrics (tests flush and evaluate it). */
  readonly monitor: Monitor;
  readonly logger: Logger;
  /** Every operation of every service: the registry. */
  readonly operations: readonly AnyOperation[];
  /** The authorizer every request's checks go through (benchmarks time it in-process). */
  readonly authorizer: Authorizer;
  /** Subscribes to the one event each request makes; returns the unsubscribe. */
  onOperation(listener: (event: OperationEvent) => void): () => void;
  close(): Promise<void>;
}

/** `seawall serve`: builds every service over an initialised data directory and starts the one listener. */
export async function startSeawall(
  config: Config,
  options: {
    logger?: Logger;
    clock?: Clock;
    athenaLimits?: Partial<AthenaLimits>;
    crawlTimeoutMs?: number;
    /** What requests may buffer at once, in all (the server's default unless given). */
    memoryBudgetBytes?: number;
    /** How failed deliveries (S3 event notifications, SNS messages) are retried (tests shorten the waits). */
    eventRetries?: DeliveryRetries;
    /** How failed replications are retried (tests shorten the waits). */
    replicationRetries?: DeliveryRetries;
    /** From what size, and in what parts, replicas are sent as multipart uploads (tests make them small). */
    replicationMultipart?: ReplicationMultipart;
    /** How failed authentication backs off (tests shorten the waits, and throttle loopback too). */
    authThrottle?: AuthThrottleOptions;
    /** The listener's timeouts and intervals (server/connection-guards.ts has the defaults). */
    httpLimits?: Partial<HttpLimits>;
    /**
     * Start the query engines' processes ahead of need (serve and demo): the launcher's spare and the parser's
     * engine, so the first query after a start waits for neither. Tests, which mostly never query, leave it.
     */
    enginesAhead?: boolean;
  } = {},
): Promise<Seawall> {
  const layout = dataDirLayout(config.dataDir);
  if (await exists(layout.restoring))
    throw new Error(
      `${config.dataDir} is a restore that did not finish; remove the directory and run seawall restore again`,
    );
  // Initialised: its root key file is there, or (the key given in the environment) its credentials are.
  if (!(await exists(layout.rootKey)) && !(config.rootKey && (await exists(layout.credentials)))) {
    throw new Error(
      `${config.dataDir} is not a Seawall data directory; run: seawall init --data-dir ${config.dataDir}`,
    );
  }
  // Before anything is claimed: a certificate that cannot be served is a start-up error naming its file.
  const tls =
    config.tlsCert && config.tlsKey ? await readTlsCredentials(config.tlsCert, config.tlsKey) : undefined;
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const claim = await claimDataDir(config, logger);
  const rootKey = await claim.guard(rootKeyOf(config));
  const db = await claim.guard(openStore(config));
  let server: Server | undefined;
  let launcher: EngineLauncher | undefined;
  let stopLifecycle: (() => void) | undefined;
  let stopTrails: (() => void) | undefined;
  let stopEvents: (() => void) | undefined;
  let stopSns: (() => void) | undefined;
  let closeKeyStore: (() => void) | undefined;
  let stopKmsPurge: (() => void) | undefined;
  let blobs: BlobStore | undefined;
  let auditStore: AuditStore | undefined;
  let monitor: Monitor | undefined;
  /** Where Seawall serves, once it listens (SNS's SubscribeURLs point at it). */
  let publicUrl = '';
  try {
    // A database an earlier start made, gone since, is not made afresh and empty (its records lost unsaid),
    // unless the operator says it is lost for good.
    await refuseLostDatabases(db.db, config.dataDir, config.acceptLostDatabases, logger);
    const iam = createIam(db, rootKey, clock);
    const account = await rootAccountOf(iam, config);
    // Every call is recorded here before it is answered; calls a dead process left become records first.
    const audit = openAuditStore(layout.auditDb);
    auditStore = audit;
    const keyStore = await keyStoreOf(config, rootKey, account.region);
    closeKeyStore = keyStore.close;
    const kms = createKmsService({
      db: db.db,
      keyStore: keyStore.store,
      clock,
      // With an external key store, a key disabled there stops every use here within a minute.
      ...(config.kmsKeyStoreKey ? { materialTtlMs: 60_000 } : {}),
      identities: { identityPolicies: (principal) => iam.authorizationContext(principal) },
      unknownPrincipal: (account, policy) => iam.unknownPrincipal(account, policy),
    });
    const blobStore = await createLocalBlobStore(
      layout.objects,
      config.coldStorageDir
        ? { root: config.coldStorageDir, storageClass: config.coldStorageClass }
        : undefined,
      await engineScratchOf(config),
    );
    blobs = blobStore;
    const storage = createStorageService({
      store: createStorageStore(db.db),
      multipart: createMultipartStore(db.db),
      blobs: blobStore,
      accounts: createAccountAccessService({ store: createAccountAccessStore(db.db), clock }),
      clock,
      logger,
      lifecycleDayMs: config.lifecycleDaySeconds * 1000,
      outbox: createEventOutbox(db.db),
      region: account.region,
      ...(options.eventRetries ? { deliveryRetries: options.eventRetries } : {}),
      keys: createObjectKeyring(kms, account.region),
      replication: {
        db: db.db,
        remotes: createRemoteStore(db.db, createSecretBox(rootKey, REMOTE_SECRETS_PURPOSE), () =>
          clock.now().getTime(),
        ),
        ...(options.replicationRetries ? { retries: options.replicationRetries } : {}),
        ...(options.replicationMultipart ? { multipart: options.replicationMultipart } : {}),
      },
    });
    // Objects an earlier Seawall stored in plaintext are sealed before anything is served; the sweep after it
    // also removes what a sealing cut short left.
    const sealed = await storage.sealPlaintextObjects();
    if (sealed > 0) logger.info({ sealed }, 'encrypted objects an earlier version stored in plaintext');
    const swept = await storage.sweepOrphanBlobs();
    if (swept > 0) logger.info({ swept }, 'removed blobs left by an interrupted write');
    // A killed backup's pins would hold the space of blobs deleted since.
    await removeStalePins([layout.objects, ...(config.coldStorageDir ? [config.coldStorageDir] : [])]);

    const sns = createSnsService({
      db: db.db,
      clock,
      logger,
      baseUrl: () => publicUrl,
      endpoints: config.snsEndpoints,
      unknownPrincipal: (account, policy) => iam.unknownPrincipal(account, policy),
      ...(config.smtpUrl ? { smtp: { url: config.smtpUrl, from: config.smtpFrom } } : {}),
      ...(options.eventRetries ? { retries: options.eventRetries } : {}),
    });
    // Keys whose deletion fell due are destroyed at start and then hourly, not only when next looked up.
    const purgeKeys = () =>
      kms.purgeDue().catch((error: unknown) => logger.warn({ err: error }, 'could not destroy keys due'));
    await purgeKeys();
    const purgeTimer = setInterval(purgeKeys, 3_600_000);
    purgeTimer.unref();
    stopKmsPurge = () => clearInterval(purgeTimer);
    // The resource-based policies: a bucket's (with its ACLs) for S3 resources, a topic's for SNS topics, a
    // key's policy and grants for KMS keys, which must allow whoever uses the key (its account's IAM policies
    // count only where the key policy lets the account decide).
    const authorizer = createAuthorizer({
      identityPolicies: (principal) => iam.authorizationContext(principal),
      resourcePolicies: async (resource, principal, conditions) => {
        if (resource.startsWith('arn:aws:sns:')) {
          const policy = await sns.topicPolicy(resource);
          return policy && [policy];
        }
        if (resource.startsWith('arn:aws:kms:')) return kms.keyPolicies(resource);
        return bucketPolicies(storage, resource, principal, conditions);
      },
      resourcePolicyRequired: (resource) => /^arn:aws:kms:[^:]*:\d{12}:key\//.test(resource),
    });
    // Replication reads each version as its configuration's role (which must trust s3.amazonaws.com).
    const roleAccount = (role: string) => /^arn:aws:iam::(\d{12}):/.exec(role)?.[1] ?? account.accountId;
    storage.replication.useRoles((role) =>
      actAsRole(
        { authorizer, roles: iam },
        roleAccount(role),
        role,
        REPLICATION_SERVICE,
        'replication',
        3600,
      ),
    );
    // A destination of the same account is written through this server's own API, as the role.
    storage.replication.useSelf({
      accountId: account.accountId,
      region: account.region,
      url: () => publicUrl,
      ...(tls ? { tlsCert: tls.cert } : {}),
      credentials: (role) =>
        iam.serviceCredentials(roleAccount(role), role, REPLICATION_SERVICE, 'replication', 3600),
    });
    launcher = createEngineLauncher({ logger, forkAhead: options.enginesAhead === true });
    const runtime = createJobRuntime({ store: createJobStore(db.db), clock, logger });
    storage.notifications.connect(sns);
    const stopNotifications = storage.notifications.start(runtime);
    const stopReplication = storage.replication.start(runtime);
    stopEvents = () => {
      stopNotifications();
      stopReplication();
      storage.replication.close();
    };
    stopSns = sns.start(runtime);
    stopLifecycle = scheduleLifecycle({
      runtime,
      lifecycle: storage.lifecycle,
      dayMs: config.lifecycleDaySeconds * 1000,
      logger,
    });
    // Trails: their API, the data events they select, and their delivery on the job runtime.
    const trails = createTrails({
      store: audit,
      secrets: createSecretBox(rootKey, 'cloudtrail-digest-keys'),
      storage,
      runtime,
      accountId: account.accountId,
      region: account.region,
      now: () => clock.now().getTime(),
      logger,
      deliverySeconds: config.trailDeliverySeconds,
      digestSeconds: config.trailDigestSeconds,
    });
    stopTrails = trails.stop;
    const catalogStore = createCatalogStore(db.db);
    const catalog = createCatalogService({ store: catalogStore, clock });
    const crawlers = createCrawlerService({
      authorizer,
      roles: iam,
      accountId: account.accountId,
      region: account.region,
      store: catalogStore,
      catalog,
      storage,
      launcher,
      runtime,
      clock,
      logger,
      ...(options.crawlTimeoutMs !== undefined ? { timeoutMs: options.crawlTimeoutMs } : {}),
    });
    const athena = createAthenaService({
      // Each table a query reads is recorded as the GetTable call Athena makes for its caller.
      authorizer: recordingTableReads(authorizer, {
        store: audit,
        accountId: account.accountId,
        region: account.region,
        invokedBy: 'athena.amazonaws.com',
      }),
      store: createQueryStore(db.db, createSealedText(createSecretBox(rootKey, REASON_SECRETS_PURPOSE))),
      savedStore: createSavedQueryStore(db.db),
      catalog,
      storage,
      launcher,
      runtime,
      clock,
      logger,
      region: account.region,
      limits: { ...defaultAthenaLimits(), ...options.athenaLimits },
      warmParser: options.enginesAhead === true,
    });
    const databrew = createDatabrewService({
      access: { authorizer, roles: iam, accountId: account.accountId, region: account.region },
      store: createEtlStore(db.db, createSealedText(createSecretBox(rootKey, RUN_MESSAGE_SECRETS_PURPOSE))),
      clock,
      logger,
      runtime,
      job: {
        catalog,
        storage,
        launcher,
        hashKey: (variable) => deriveKey(rootKey, 'databrew-hash', variable),
      },
    });
    // Work left by a version without the durable queue, then the queue itself: running jobs were cut short
    // by the stop, queued ones run again.
    await crawlers.recover();
    await athena.init(account.accountId);
    await databrew.recover();
    await runtime.recover();
    await athena.resume();

    // CloudWatch: its metrics, dashboards and alarms, and the metrics Seawall publishes about itself.
    const watch = createMonitor({
      metricsDb: layout.metricsDb,
      logsDb: layout.logsDb,
      dataDir: config.dataDir,
      metadata: db.db,
      accountId: account.accountId,
      region: account.region,
      clock,
      logger,
      alarmEvaluationMs: config.alarmEvaluationSeconds * 1000,
      // Alarms publish to their own account's topics as that account does; another account's topic must allow
      // CloudWatch in its policy.
      publish: async (topicArn, message, alarmArn) => {
        if (topicArn.split(':')[4] !== account.accountId) {
          const refused = await sns.refusal(topicArn, {
            service: 'cloudwatch.amazonaws.com',
            sourceArn: alarmArn,
            sourceAccount: account.accountId,
          });
          if (refused)
            throw new Error(`the topic's policy does not allow CloudWatch to publish (${refused})`);
        }
        await sns.publish(topicArn, message);
      },
      rateCard: rateCardOf(config.rateCard ? JSON.parse(await readFile(config.rateCard, 'utf8')) : undefined),
      flushMs: config.metricsFlushSeconds * 1000,
    });
    monitor = watch;
    // audit.db, metrics.db and logs.db are all made by now: from here on, one missing is one lost.
    await recordDatabases(db.db, config.dataDir, clock.now().getTime());
    // The shipped alarms notify their own topic; the Platform dashboard shows them.
    const alarmTopic = await sns.createTopic(account.accountId, account.region, ALARM_TOPIC, {}, []);
    ensureDefaultAlarms(watch.alarms, alarmTopic);
    ensureDefaultDashboards(
      watch.dashboards,
      account.region,
      { database: CURATED_DATABASE, tables: DEMO_DATASETS.map((dataset) => dataset.key) },
      defaultAlarms(alarmTopic).map((alarm) => watch.alarms.arn(alarm.AlarmName)),
    );

    const s3 = withS3Control(
      createS3Api({
        storage,
        roles: iam,
        principals: iam,
        baseDomains: ['localhost', `s3.${account.region}.localhost`],
      }),
      storage,
    );
    const services: Record<string, ServiceEndpoint> = {
      s3,
      glue: createGlueApi([createCatalogOperations(catalog), createCrawlerOperations(crawlers, iam)]),
      athena: createAthenaApi(athena, catalog),
      databrew: createDatabrewApi(databrew, iam),
      iam: createIamApi(iam),
      sts: createStsApi(iam),
      sns: createSnsApi(sns),
      kms: createKmsApi(kms),
      cloudtrail: createCloudTrailApi([createLookupOperations(audit, () => clock.now()), trails.operations]),
      monitoring: watch.api,
      logs: watch.logs.api,
    };
    const listeners = new Set<(event: OperationEvent) => void>();
    const prometheus = createPrometheusExporter({
      operations: Object.values(services).flatMap((service) => service.operations),
      ...(config.metricsToken ? { token: config.metricsToken } : {}),
    });
    const keyUse = keyUseRecorder(iam, logger);
    server = createHttpServer({
      services,
      onEvent: (event) => {
        keyUse(event);
        if (config.requestMetrics === 'on') watch.onEvent(event);
        prometheus.onEvent(event);
        for (const listener of listeners) listener(event);
      },
      audit: createAuditSink({
        store: audit,
        accountId: account.accountId,
        region: account.region,
        selection: () => trails.selection,
      }),
      internal: createInternalRoutes({
        region: account.region,
        metrics: prometheus.route,
        signIn: createSignInRoute(
          recordingSignIn(createConsoleSignIn(iam, { clock }).signIn, {
            store: audit,
            accountId: account.accountId,
            region: account.region,
            now: () => clock.now(),
          }),
        ),
        confirmSubscription: createConfirmSubscriptionRoute(
          recordingConfirmations(confirmingWith(sns), {
            store: audit,
            accountId: account.accountId,
            region: account.region,
            now: () => clock.now(),
          }),
        ),
      }),
      iam,
      authorizer,
      clock,
      region: account.region,
      logger,
      ...(options.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: options.memoryBudgetBytes } : {}),
      ...(tls ? { tls } : {}),
      authThrottle: { loopback: config.throttleLoopback === 'on', ...options.authThrottle },
      ...(options.httpLimits ? { limits: options.httpLimits } : {}),
    });
    const listening = server;
    const engines = launcher;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(config.port, config.host, () => resolve());
    });
    const { port } = listening.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
    publicUrl = url;
    await claim.listening(url, port);
    logger.info({ url }, 'seawall is serving');
    return {
      url,
      port,
      region: account.region,
      accountId: account.accountId,
      storage,
      crawlers,
      athena,
      databrew,
      runtime,
      monitor: watch,
      logger,
      operations: Object.values(services).flatMap((service) => service.operations),
      authorizer,
      onOperation(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async close() {
        await new Promise<void>((resolve) => {
          listening.close(() => resolve());
          listening.closeIdleConnections();
          setTimeout(() => listening.closeAllConnections(), 5000).unref();
        });
        stopLifecycle?.();
        stopTrails?.();
        stopEvents?.();
        stopSns?.();
        try {
          await runtime.close();
          await athena.close();
          await engines.close();
        } finally {
          stopKmsPurge?.();
          closeKeyStore?.();
          await blobStore.close();
          watch.close();
          audit.close();
          await db.close();
          await claim.release();
        }
      },
    };
  } catch (error) {
    stopLifecycle?.();
    stopTrails?.();
    stopEvents?.();
    stopSns?.();
    stopKmsPurge?.();
    closeKeyStore?.();
    server?.close();
    await launcher?.close();
    await blobs?.close();
    auditStore?.close();
    monitor?.close();
    await db.close();
    await claim.release();
    throw error;
  }
}
