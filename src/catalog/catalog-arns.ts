import type { AuthzCheck } from '../lib/operation.js';
import { parseStoredEncryption } from '../storage/object-encryption.js';
import type { StorageService } from '../storage/storage-types.js';
import { parseS3Url } from './table-reader.js';

/** A name as Glue keeps it in an ARN (lower case); a name that is not a string gives an empty name. */
function nameIn(value: unknown): string {
  return typeof value === 'string' ? value.toLowerCase() : '';
}

/** The ARNs of one Data Catalog's resources. */
export interface GlueArns {
  region: string;
  account: string;
  catalog: string;
  database(name: unknown): string;
  table(database: unknown, table: unknown): string;
  crawler(name: unknown): string;
  /** What a table's operations touch: the catalog, its database and the table. */
  tablePath(database: unknown, table: unknown): string[];
}

/** The Data Catalog of `account` in `region`. */
export function catalogArns(region: string, account: string): GlueArns {
  const base = `arn:aws:glue:${region}:${account}`;
  const arns: GlueArns = {
    region,
    account,
    catalog: `${base}:catalog`,
    database: (name) => `${base}:database/${nameIn(name)}`,
    table: (database, table) => `${base}:table/${nameIn(database)}/${nameIn(table)}`,
    crawler: (name) => `${base}:crawler/${typeof name === 'string' ? name : ''}`,
    tablePath: (database, table) => [arns.catalog, arns.database(database), arns.table(database, table)],
  };
  return arns;
}

/** The ARN of what an s3:// URL names, its key as written (an object's, or a prefix). */
export function s3UrlArn(url: string): string {
  const { bucket } = parseS3Url(url);
  return `arn:aws:s3:::${bucket}/${url.replace(/^s3a?:\/\/[^/]+\/?/, '')}`;
}

/**
 * What reading everything under an s3:// location is authorized for (a query's tables, a crawler's targets,
 * a recipe job's dataset): s3:ListBucket on its bucket with s3:prefix, and s3:GetObject on its prefix.
 */
export function readChecks(location: string): AuthzCheck[] {
  const { bucket, prefix } = parseS3Url(location);
  return [
    { action: 's3:ListBucket', resources: [`arn:aws:s3:::${bucket}`], conditions: { 's3:prefix': prefix } },
    { action: 's3:GetObject', resources: [`arn:aws:s3:::${bucket}/${prefix}`] },
  ];
}

/**
 * kms:Decrypt on each KMS key that seals an object under an s3:// location: what reading SSE-KMS objects
 * through S3 takes of a reader in `arns`' account (a query's caller, a crawler's or job's role), as GetObject
 * checks it, through S3 (kms:ViaService). Each object's own encryption context is not weighed here. A
 * location with no bucket has nothing to check (reading it fails on its own).
 */
export async function keyReadChecks(
  storage: Pick<StorageService, 'listAll'>,
  location: string,
  arns: Pick<GlueArns, 'region' | 'account'>,
): Promise<AuthzCheck[]> {
  const { bucket, prefix } = parseS3Url(location);
  const keys = new Set<string>();
  try {
    for await (const object of storage.listAll(bucket, prefix)) {
      const keyId = parseStoredEncryption(object.encryption)?.keyId;
      if (keyId !== undefined) keys.add(keyId);
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'NoSuchBucket') return [];
    throw error;
  }
  return [...keys].map((keyId) => ({
    action: 'kms:Decrypt',
    resources: [keyId],
    conditions: { 'kms:ViaService': `s3.${arns.region}.amazonaws.com`, 'kms:CallerAccount': arns.account },
  }));
}
