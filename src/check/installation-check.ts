import { existsSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { checkAuditTrail } from '../audit/audit-check.js';
import type { Config } from '../config.js';
import { dataDirLayout } from '../data-dir.js';
import { acceptLossAdvice, lostDatabases } from '../data-dir-databases.js';
import { openSqliteReadOnly } from '../db/database.js';
import { sealMismatch } from '../db/sqlite-seal.js';
import { checkAccessKeySecrets } from '../iam/index.js';
import {
  createDataKeyOpener,
  createOfflineKms,
  createSecretBox,
  type MaterialCheck,
  OfflineKeyError,
  type OfflineKms,
} from '../kms/index.js';
import type { CheckReport } from '../lib/check-report.js';
import { keyStoreOf, rootKeyOf } from '../root-of-trust.js';
import {
  type BlobTiers,
  checkRemoteSecrets,
  checkStoredObjects,
  offlineBucket,
  REMOTE_SECRETS_PURPOSE,
} from '../storage/index.js';
import { type OfflineMetadata, openOfflineMetadata } from './offline-metadata.js';
import { checkSqliteFile, messageOf } from './sqlite-check.js';

/**
 * `seawall check`: an installation verified offline, each domain checking what it keeps, read only. What it
 * cannot do at all (no root key, no metadata, the wrong root key) is a CheckError; everything else is a finding.
 */
export class CheckError extends Error {
  override readonly name = 'CheckError';
}

export interface CheckOptions {
  /** SQLite's quick_check instead of integrity_check. */
  quick?: boolean;
}

/** The root key as the server reads it; a missing or mismatched one means the check cannot run. */
async function rootKeyFor(config: Config): Promise<Buffer> {
  if (!config.rootKey && !existsSync(dataDirLayout(config.dataDir).rootKey))
    throw new CheckError(
      `${config.dataDir} has no root.key; give its root key in SEAWALL_ROOT_KEY, or choose a Seawall data directory with --data-dir`,
    );
  try {
    return await rootKeyOf(config);
  } catch (error) {
    throw new CheckError(messageOf(error));
  }
}

/** A report that keeps what it is told, to pass on later (or not). */
function buffered() {
  const held: ((report: CheckReport) => void)[] = [];
  const report: CheckReport = {
    problem: (subject, detail) => held.push((r) => r.problem(subject, detail)),
    note: (subject, detail) => held.push((r) => r.note(subject, detail)),
    ok: (kind, subject) => held.push((r) => r.ok(kind, subject)),
  };
  return {
    report,
    replay: (to: CheckReport) => {
      for (const pass of held) pass(to);
    },
  };
}

/** Every access key's secret: none opening means the root key is another installation's. */
async function checkRootKey(metadata: OfflineMetadata, rootKey: Buffer, config: Config, report: CheckReport) {
  const held = buffered();
  const { opened, failed } = await checkAccessKeySecrets(
    metadata.db,
    createSecretBox(rootKey, 'iam-secrets'),
    held.report,
  );
  if (opened === 0 && failed > 0)
    throw new CheckError(
      `the root key does not open the secrets of ${config.dataDir}: it is not the key the directory was initialised with (root.key or SEAWALL_ROOT_KEY)`,
    );
  held.replay(report);
  await checkRemoteSecrets(metadata.db, createSecretBox(rootKey, REMOTE_SECRETS_PURPOSE), report);
}

function date(ms: number): string {
  return new Date(ms).toISOString();
}

function reportMaterial(found: MaterialCheck, store: string, report: CheckReport, noted: Set<string>): void {
  switch (found.kind) {
    case 'service-key':
      if (found.error)
        report.problem(`Seawall's ${found.name} key`, `does not unwrap with ${store} (${found.error})`);
      else report.ok('KMS key material', `Seawall's ${found.name} key`);
      return;
    case 'no-material':
      report.problem(`KMS key ${found.keyId}`, 'has no key material');
      return;
    case 'stray-material':
      report.problem(
        `KMS key material ${found.materialId}`,
        `names KMS key ${found.keyId}, which does not exist`,
      );
      return;
    case 'key': {
      const subject = `KMS key ${found.keyId}`;
      if (found.state === 'PendingDeletion' && !noted.has(found.keyId)) {
        noted.add(found.keyId);
        const at = found.deletionAt;
        report.note(
          subject,
          at !== null && at <= Date.now()
            ? `pending deletion, due since ${date(at)}: the next start destroys it and its material`
            : `pending deletion (destroyed ${at === null ? 'when due' : `on ${date(at)}`}); not damage`,
        );
      }
      if (found.error)
        report.problem(
          subject,
          `material version ${found.version} (${found.materialId}) does not unwrap with ${store}`,
        );
      else report.ok('KMS key material', `${subject} material version ${found.version}`);
    }
  }
}

/** Every KMS key's material, every version, and Seawall's own keys. */
async function checkKeys(kms: OfflineKms, config: Config, report: CheckReport): Promise<void> {
  const store = config.kmsKeyStoreKey ? 'the key store' : 'the root key';
  const noted = new Set<string>();
  for await (const found of kms.checkMaterials()) reportMaterial(found, store, report, noted);
}

/** How a path is named in findings: relative to the data directory when it is inside it. */
function displayFor(dataDir: string) {
  return (path: string) => {
    const inside = relative(dataDir, path);
    return inside.startsWith('..') || inside === '' ? path : inside.split(sep).join('/');
  };
}

/** Runs a part of the check; what stops it is one finding, and the rest of the check goes on. */
async function phase(report: CheckReport, subject: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CheckError) throw error;
    report.problem(subject, `cannot be checked: ${messageOf(error)}`);
  }
}

/** The account's region: where stored objects' KMS keys are looked up, as the server's keyring does. */
async function regionOf(metadata: OfflineMetadata, config: Config): Promise<string> {
  const account = await metadata.db
    .selectFrom('accounts')
    .select('region')
    .orderBy('created_at')
    .executeTakeFirst();
  if (!account)
    throw new CheckError(
      `${config.dataDir} has no account yet; run: seawall init --data-dir ${config.dataDir}`,
    );
  return account.region;
}

/**
 * Checks the installation of `config.dataDir`, whose server is not running (the caller holds its lock): the
 * SQLite databases, the root key against the access keys' secrets, every KMS key's material, every object
 * version and uploaded part against its blob and every blob file against the rows, and the audit trail.
 */
export async function checkInstallation(config: Config, report: CheckReport, options: CheckOptions = {}) {
  const layout = dataDirLayout(config.dataDir);
  const rootKey = await rootKeyFor(config);
  const sqlite = !config.metadataUrl;
  if (sqlite && !existsSync(layout.metadataDb))
    throw new CheckError(
      `${config.dataDir} has no metadata.db; if its metadata is in PostgreSQL, give --metadata-url (or SEAWALL_METADATA_URL)`,
    );
  const quick = options.quick === true;
  const readable = sqlite ? checkSqliteFile(layout.metadataDb, 'metadata.db', report, { quick }) : true;
  // What SQLite's check cannot see: a row's bytes changed since the server last stopped (db/sqlite-seal.ts).
  const changed = sqlite ? await sealMismatch(layout.metadataDb) : undefined;
  if (changed) report.problem('metadata.db', changed);
  for (const [path, name] of [
    [layout.auditDb, 'audit.db'],
    [layout.metricsDb, 'metrics.db'],
    [layout.logsDb, 'logs.db'],
  ] as const)
    checkSqliteFile(path, name, report, { quick });

  const metadata = openOfflineMetadata(
    config.metadataUrl ? { postgresUrl: config.metadataUrl } : { sqlitePath: layout.metadataDb },
  );
  const closers: (() => unknown)[] = [() => metadata.close()];
  try {
    let region: string;
    try {
      region = await regionOf(metadata, config);
      await checkRootKey(metadata, rootKey, config, report);
      // What SQLite's check above cannot see: a file that is not there at all, though the server made it.
      for (const name of await lostDatabases(metadata.db, config.dataDir))
        report.problem(
          name,
          `is missing (deleted or moved), though the metadata records that Seawall made it: its contents are lost; restore it from a backup, ${acceptLossAdvice([name])}`,
        );
    } catch (error) {
      if (error instanceof CheckError) throw error;
      // Damage SQLite's own check has named already; PostgreSQL that does not answer is the caller's to fix.
      if (sqlite && !readable) return;
      if (sqlite) report.problem(metadata.name, `cannot be read: ${messageOf(error)}`);
      else throw new CheckError(`the PostgreSQL metadata cannot be read: ${messageOf(error)}`);
      return;
    }
    let keyStore: Awaited<ReturnType<typeof keyStoreOf>>;
    try {
      keyStore = await keyStoreOf(config, rootKey, region);
    } catch (error) {
      throw new CheckError(messageOf(error));
    }
    closers.push(keyStore.close);
    const kms = createOfflineKms(metadata.db, keyStore.store);
    await phase(report, 'KMS keys', () => checkKeys(kms, config, report));
    const tiers: BlobTiers = {
      hot: layout.objects,
      ...(config.coldStorageDir
        ? { cold: { root: config.coldStorageDir, storageClass: config.coldStorageClass } }
        : {}),
      display: displayFor(config.dataDir),
    };
    const keys = createDataKeyOpener(kms, region);
    await phase(report, 'objects', () =>
      checkStoredObjects({
        db: metadata.db,
        keys,
        tiers,
        report,
        keyUnavailable: (error) =>
          error instanceof OfflineKeyError && error.reason === 'key-gone' ? error.message : undefined,
      }),
    );
    if (existsSync(layout.auditDb)) {
      const audit = openSqliteReadOnly(layout.auditDb);
      closers.push(() => audit.close());
      await phase(report, 'audit.db', () =>
        checkAuditTrail({
          db: audit,
          secrets: createSecretBox(rootKey, 'cloudtrail-digest-keys'),
          bucket: (name) => offlineBucket({ db: metadata.db, keys, tiers }, name),
          report,
        }),
      );
    }
  } finally {
    for (const close of closers.reverse()) await close();
  }
}
