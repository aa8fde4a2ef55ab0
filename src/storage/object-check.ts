import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { CorruptObjectError } from '../kms/object-cipher.js';
import type { CheckReport } from '../lib/check-report.js';
import { checkBlobFiles } from './blob-files-check.js';
import {
  type BlobTiers,
  type ContentExpectations,
  locateBlob,
  storedSize,
  verifyContent,
} from './blob-verify.js';
import { objectPartsOf } from './multipart-objects.js';
import { type ObjectEncryption, type ObjectKeyring, parseStoredEncryption } from './object-encryption.js';
import { storageClassOf } from './storage-class.js';

/**
 * The offline check of what storage keeps (`seawall check`): every object version and every uploaded part
 * against its blob (there, the right size, decrypting, matching its ETag and checksums), then every blob file
 * against the rows (an orphan is named). Read only: nothing in the metadata or the blob directories changes.
 */
export interface ObjectCheckDeps {
  db: Kysely<Database>;
  /** Opens data keys as reads do (the offline check's KMS behind it). */
  keys: Pick<ObjectKeyring, 'open'>;
  tiers: BlobTiers;
  report: CheckReport;
  /** Words for a data key that cannot be opened because its key is gone (a note), else undefined (a problem). */
  keyUnavailable(error: unknown): string | undefined;
}

const PAGE = 200;
/** A multipart object's ETag: the MD5 of its parts' ETags, then how many parts. */
const MULTIPART = /-\d+"$/;

/** One blob to verify, as its row describes it. */
interface BlobClaim {
  subject: string;
  blobId: string;
  size: number;
  encryption: ObjectEncryption | undefined;
  bucket: string;
  key: string;
  storageClass: string;
  expected: ContentExpectations;
}

/** What kind of encryption a finding names. */
function sealing(encryption: ObjectEncryption | undefined): string {
  if (!encryption) return 'plaintext';
  if (encryption.customerKeyMd5 !== undefined) return 'SSE-C';
  return encryption.algorithm === 'AES256' ? 'SSE-S3' : `SSE-KMS under ${encryption.keyId}`;
}

/** The data key of a claim, or undefined once what stops the check is reported. */
async function dataKeyOf(claim: BlobClaim, deps: ObjectCheckDeps): Promise<Uint8Array | null | undefined> {
  try {
    return await deps.keys.open(claim.encryption, { bucket: claim.bucket, key: claim.key, accountId: '' });
  } catch (error) {
    const unavailable = deps.keyUnavailable(error);
    if (unavailable !== undefined) deps.report.note(claim.subject, `not checkable: ${unavailable}`);
    else if (error instanceof CorruptObjectError)
      deps.report.problem(
        claim.subject,
        `its data key (SSE-S3) does not open under Seawall's S3 key: the sealed key was altered`,
      );
    else
      deps.report.problem(
        claim.subject,
        `its data key (${sealing(claim.encryption)}) does not open: ${(error as Error).message}`,
      );
    return undefined;
  }
}

/** Verifies the blob of one row; what stops it (an unreadable row, a file system error) is a finding of its own. */
async function verifyRow(
  subject: string,
  deps: ObjectCheckDeps,
  claimOf: () => Promise<BlobClaim>,
  kind: string,
) {
  try {
    await verifyClaim(await claimOf(), deps, kind);
  } catch (error) {
    deps.report.problem(subject, `cannot be checked: ${(error as Error).message}`);
  }
}

/** Verifies one blob against its claim, reporting each thing wrong. */
async function verifyClaim(claim: BlobClaim, deps: ObjectCheckDeps, kind: string): Promise<void> {
  const { report, tiers } = deps;
  const found = await locateBlob(tiers, claim.blobId, claim.storageClass);
  if ('missing' in found) {
    report.problem(claim.subject, found.missing);
    return;
  }
  const display = tiers.display(found.path);
  if (found.inBoth)
    report.note(
      claim.subject,
      `blob ${display} has a copy in each tier (a transition cut short; the next start removes one)`,
    );
  const expectedSize = storedSize(claim.size, claim.encryption);
  if (found.size !== expectedSize) {
    const how = found.size < expectedSize ? 'truncated' : 'extended';
    report.problem(
      claim.subject,
      `blob ${display} is ${found.size} bytes, not the ${expectedSize} its ${claim.size} bytes of content are stored in (${how})`,
    );
    return;
  }
  if (claim.encryption?.customerKeyMd5 !== undefined) {
    report.note(
      claim.subject,
      `not checkable: SSE-C (Seawall keeps no customer key); its blob ${display} is the right size`,
    );
    return;
  }
  const key = await dataKeyOf(claim, deps);
  if (key === undefined) return;
  const findings = await verifyContent(
    found,
    { id: claim.blobId, size: claim.size, key, encryption: claim.encryption },
    claim.expected,
    display,
  );
  for (const problem of findings.problems) report.problem(claim.subject, problem);
  for (const note of findings.notes) report.note(claim.subject, note);
  if (findings.problems.length === 0)
    report.ok(kind, `${claim.subject} (${claim.size} bytes, ${sealing(claim.encryption)})`);
}

/** Every object version that has bytes, a page at a time in (bucket, key, version) order. */
async function* versionRows(db: Kysely<Database>) {
  let after: { bucket: string; key: string; versionId: string } | undefined;
  for (;;) {
    let query = db.selectFrom('object_versions').selectAll().where('delete_marker', '=', 0);
    if (after) {
      const from = after;
      query = query.where((eb) =>
        eb.or([
          eb('bucket', '>', from.bucket),
          eb.and([eb('bucket', '=', from.bucket), eb('key', '>', from.key)]),
          eb.and([
            eb('bucket', '=', from.bucket),
            eb('key', '=', from.key),
            eb('version_id', '>', from.versionId),
          ]),
        ]),
      );
    }
    const rows = await query.orderBy('bucket').orderBy('key').orderBy('version_id').limit(PAGE).execute();
    yield* rows;
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    after = { bucket: last.bucket, key: last.key, versionId: last.version_id };
  }
}

/** Every uploaded part of an upload in progress, with its upload, in (upload, part) order. */
async function* partRows(db: Kysely<Database>) {
  let after: { uploadId: string; part: number } | undefined;
  for (;;) {
    let query = db
      .selectFrom('multipart_parts as p')
      .innerJoin('multipart_uploads as u', 'u.upload_id', 'p.upload_id')
      .select([
        'p.upload_id',
        'p.part_number',
        'p.blob_id',
        'p.size',
        'p.etag',
        'p.checksum_algorithm',
        'p.checksum_value',
        'u.bucket',
        'u.key',
        'u.encryption',
      ]);
    if (after) {
      const from = after;
      query = query.where((eb) =>
        eb.or([
          eb('p.upload_id', '>', from.uploadId),
          eb.and([eb('p.upload_id', '=', from.uploadId), eb('p.part_number', '>', from.part)]),
        ]),
      );
    }
    const rows = await query.orderBy('p.upload_id').orderBy('p.part_number').limit(PAGE).execute();
    yield* rows;
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    after = { uploadId: last.upload_id, part: last.part_number };
  }
}

/** A key as findings name it: as it is, or quoted (JSON) when it holds control characters such as newlines. */
function shown(key: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for.
  return /[\u0000-\u001f\u007f]/.test(key) ? JSON.stringify(key) : key;
}

/** A version's own name in findings: `object bucket/key version v`. */
export function versionSubject(bucket: string, key: string, versionId: string): string {
  return `object ${bucket}/${shown(key)} version ${versionId}`;
}

async function checkVersions(deps: ObjectCheckDeps): Promise<void> {
  for await (const row of versionRows(deps.db)) {
    const subject = versionSubject(row.bucket, row.key, row.version_id);
    if (row.blob_id === null) {
      deps.report.problem(subject, 'it is not a delete marker, yet names no blob');
      continue;
    }
    const blobId = row.blob_id;
    await verifyRow(
      subject,
      deps,
      async () => {
        const completed =
          MULTIPART.test(row.etag) || row.checksum_type === 'COMPOSITE'
            ? await deps.db
                .selectFrom('multipart_objects')
                .selectAll()
                .where('blob_id', '=', blobId)
                .executeTakeFirst()
            : undefined;
        return {
          subject,
          blobId,
          size: row.size,
          encryption: parseStoredEncryption(row.encryption),
          bucket: row.bucket,
          key: row.key,
          storageClass: storageClassOf(row.attributes),
          expected: {
            etag: row.etag,
            ...(completed ? { parts: objectPartsOf(completed) } : {}),
            ...(row.checksum_algorithm && row.checksum_value
              ? {
                  checksum: {
                    algorithm: row.checksum_algorithm,
                    value: row.checksum_value,
                    type: row.checksum_type,
                  },
                }
              : {}),
          },
        };
      },
      'object version',
    );
  }
}

async function checkParts(deps: ObjectCheckDeps): Promise<void> {
  for await (const row of partRows(deps.db)) {
    const subject = `upload ${row.upload_id} of ${row.bucket}/${shown(row.key)} part ${row.part_number}`;
    await verifyRow(
      subject,
      deps,
      async () => ({
        subject,
        blobId: row.blob_id,
        size: row.size,
        encryption: parseStoredEncryption(row.encryption),
        bucket: row.bucket,
        key: row.key,
        storageClass: 'STANDARD',
        expected: {
          etag: row.etag,
          ...(row.checksum_algorithm && row.checksum_value
            ? {
                checksum: {
                  algorithm: row.checksum_algorithm,
                  value: row.checksum_value,
                  type: 'FULL_OBJECT',
                },
              }
            : {}),
        },
      }),
      'uploaded part',
    );
  }
}

/**
 * Checks every object version and uploaded part against its blob, then every blob file against the rows.
 * Throws only when the metadata cannot be read at all.
 */
export async function checkStoredObjects(deps: ObjectCheckDeps): Promise<void> {
  await checkVersions(deps);
  await checkParts(deps);
  await checkBlobFiles(deps.tiers.hot, deps);
  if (deps.tiers.cold) await checkBlobFiles(deps.tiers.cold.root, deps);
}
