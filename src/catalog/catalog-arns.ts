import type { Authorize, AuthzCheck } from '../lib/operation.js';
import { keyCheck, type StorageService } from '../storage/index.js';
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
  const { bucket, key } = s3UrlObject(url);
  return `arn:aws:s3:::${bucket}/${key}`;
}

/** The bucket and key an s3:// URL names as it is written (no `/` added, as parseS3Url adds to a folder). */
export function s3UrlObject(url: string): { bucket: string; key: string } {
  return { bucket: parseS3Url(url).bucket, key: url.replace(/^s3a?:\/\/[^/]+\/?/, '') };
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
 * Authorizes a reader (a query's caller, a crawler's or a job's role, of `arns`' account) to read everything
 * under an s3:// location as engines read it, as files: `readChecks`, and what S3 would check of it on each
 * SSE-KMS object's GetObject (kms:Decrypt with the object's encryption context, through S3; the key usable).
 * `wanted` picks the objects the reader will read; a location with no bucket has nothing more to check.
 */
export async function authorizeLocationRead(
  storage: Pick<StorageService, 'checkKeyReads'>,
  authorize: Authorize,
  arns: Pick<GlueArns, 'account'>,
  location: string,
  wanted: (key: string) => boolean = () => true,
): Promise<void> {
  for (const check of readChecks(location)) await authorize(check);
  const { bucket, prefix } = parseS3Url(location);
  await storage
    .checkKeyReads(bucket, prefix, { check: keyCheck(authorize, arns.account) }, wanted)
    .catch((error: { code?: string }) => {
      if (error.code !== 'NoSuchBucket') throw error;
    });
}
