import { z } from 'zod';
import { badRequest } from '../errors.js';
import { type JsonInput, jsonOperation, optionalNumber, optionalString } from '../lib/aws-json.js';
import type { ApiRequest } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import { offsetPage } from '../lib/page-token.js';
import { catalogArns, type GlueArns } from './catalog-arns.js';

/** Glue names: 1–255 characters of Glue's single-line string pattern; stored lower-cased, as Glue does. */
const name = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\u0020-\uD7FF\uE000-\uFFFD\t]+$/, 'must be a single-line string');

const parameters = z.record(z.string().max(255), z.string().max(512_000));

/*
 * Input shapes are strict: a member Glue defines that is not here (a schema-registry reference, a resource
 * link, Lake Formation permissions, a non-S3 crawler target…) would change what the request means, so it is
 * refused by name rather than dropped.
 */

export const columnShape = z.strictObject({
  Name: name,
  Type: z.string().max(131_072).optional(),
  Comment: z.string().max(255).optional(),
  Parameters: parameters.optional(),
});

export const serdeShape = z.strictObject({
  Name: z.string().max(255).optional(),
  SerializationLibrary: z.string().max(255).optional(),
  Parameters: parameters.optional(),
});

const skewedInfoShape = z.strictObject({
  SkewedColumnNames: z.array(z.string()).optional(),
  SkewedColumnValues: z.array(z.string()).optional(),
  SkewedColumnValueLocationMaps: z.record(z.string(), z.string()).optional(),
});

export const storageDescriptorShape = z.strictObject({
  Columns: z.array(columnShape).max(10_000).optional(),
  Location: z.string().max(2056).optional(),
  AdditionalLocations: z.array(z.string()).optional(),
  InputFormat: z.string().max(128).optional(),
  OutputFormat: z.string().max(128).optional(),
  Compressed: z.boolean().optional(),
  NumberOfBuckets: z.number().int().optional(),
  SerdeInfo: serdeShape.optional(),
  BucketColumns: z.array(z.string()).optional(),
  SortColumns: z.array(z.strictObject({ Column: z.string(), SortOrder: z.number().int() })).optional(),
  Parameters: parameters.optional(),
  // Skew is a layout hint for writers; readers get the same rows with or without it, so it is kept as given.
  SkewedInfo: skewedInfoShape.optional(),
  StoredAsSubDirectories: z.boolean().optional(),
});

export const tableInputShape = z.strictObject({
  Name: name,
  Description: z.string().max(2048).optional(),
  Owner: z.string().max(255).optional(),
  LastAccessTime: z.number().optional(),
  LastAnalyzedTime: z.number().optional(),
  Retention: z.number().int().min(0).optional(),
  StorageDescriptor: storageDescriptorShape.optional(),
  PartitionKeys: z.array(columnShape).max(100).optional(),
  TableType: z.string().max(255).optional(),
  Parameters: parameters.optional(),
  ViewOriginalText: z.string().optional(),
  ViewExpandedText: z.string().optional(),
});

export const databaseInputShape = z.strictObject({
  Name: name,
  Description: z.string().max(2048).optional(),
  LocationUri: z.string().max(1024).optional(),
  Parameters: parameters.optional(),
});

export const partitionInputShape = z.strictObject({
  Values: z.array(z.string().max(1024)).min(1).max(100),
  StorageDescriptor: storageDescriptorShape.optional(),
  Parameters: parameters.optional(),
  LastAccessTime: z.number().optional(),
  LastAnalyzedTime: z.number().optional(),
});

/** What the crawler does, and so the only values of Glue's crawler policies Seawall accepts. */
const implemented = (value: string, what: string) =>
  z.literal(value, { error: `${value} is the only ${what} Seawall implements` });

/**
 * A crawler Seawall can run: S3 targets (path and exclusions), crawled in full each time, updating tables in
 * the database. Schedules, classifiers, configuration, security and Lake Formation settings, sampling and
 * event-mode recrawls are not implemented, so they are refused. No DeleteBehavior is accepted: the crawler
 * removes partitions whose folders are gone but keeps tables whose folders are gone, which none describes.
 */
export const crawlerInputShape = z.strictObject({
  Name: name,
  Role: z.string().min(1),
  DatabaseName: z.string().max(255).optional(),
  Description: z.string().max(2048).optional(),
  Targets: z.strictObject({
    S3Targets: z
      .array(
        z.strictObject({
          Path: z.string().regex(/^s3:\/\/[a-z0-9.-]+(\/.*)?$/, 'must be an s3://bucket/prefix path'),
          Exclusions: z.array(z.string().max(1024)).max(100).optional(),
        }),
      )
      .min(1)
      .max(100),
  }),
  TablePrefix: z.string().max(128).optional(),
  SchemaChangePolicy: z
    .strictObject({ UpdateBehavior: implemented('UPDATE_IN_DATABASE', 'UpdateBehavior').optional() })
    .optional(),
  RecrawlPolicy: z
    .strictObject({ RecrawlBehavior: implemented('CRAWL_EVERYTHING', 'RecrawlBehavior').optional() })
    .optional(),
  Tags: z.record(z.string(), z.string()).optional(),
});

export type ColumnShape = z.infer<typeof columnShape>;
export type StorageDescriptorShape = z.infer<typeof storageDescriptorShape>;
export type TableInput = z.infer<typeof tableInputShape>;
export type DatabaseInput = z.infer<typeof databaseInputShape>;
export type PartitionInput = z.infer<typeof partitionInputShape>;
export type CrawlerInput = z.infer<typeof crawlerInputShape>;

/**
 * Validates an input member with Glue's error: InvalidInputException naming the bad field, or naming the
 * member Seawall does not implement.
 */
export function parseShape<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  const at = (path: readonly PropertyKey[]) => [what, ...path.map(String)].join('.');
  if (unknown?.code === 'unrecognized_keys')
    throw badRequest(
      'InvalidInputException',
      `${at([...unknown.path, unknown.keys[0] ?? ''])} is not implemented by Seawall.`,
    );
  const issue = issues[0];
  throw badRequest(
    'InvalidInputException',
    `1 validation error detected: Value at '${at(issue?.path ?? [])}' failed to satisfy constraint: ${issue?.message ?? 'invalid'}`,
  );
}

/** One page of a listing, by Glue's NextToken (an offset here) and MaxResults. */
export function page<T>(
  items: T[],
  input: JsonInput<'NextToken' | 'MaxResults'>,
): { items: T[]; NextToken?: string } {
  const max = Math.min(optionalNumber(input, 'MaxResults') ?? 100, 1000);
  const token = input.NextToken === undefined ? undefined : String(input.NextToken);
  return offsetPage(items, token, max, () =>
    badRequest('InvalidInputException', 'The NextToken is not valid.'),
  );
}

/**
 * `CatalogId` names the caller's own catalog or is absent; another account's catalog is not reachable here,
 * and Glue answers that with AccessDeniedException.
 */
function checkCatalog(operation: string, input: JsonInput<'CatalogId'>, req: ApiRequest): void {
  const catalogId = optionalString(input, 'CatalogId');
  if (catalogId === undefined || catalogId === req.principal.accountId) return;
  throw badRequest(
    'AccessDeniedException',
    `User: ${req.principal.arn} is not authorized to perform: glue:${operation} on resource: arn:aws:glue:${req.region}:${catalogId.slice(0, 64)}:catalog`,
  );
}

/** Glue's resource ARNs in the catalog an input names: the caller's own unless `CatalogId` says another. */
export function glueArns(input: JsonInput<string>, req: ApiRequest): GlueArns {
  return catalogArns(
    req.region,
    typeof input.CatalogId === 'string' ? input.CatalogId : req.principal.accountId,
  );
}

/** A Data Catalog operation: it also takes `CatalogId`, checked before the handler runs. */
export function catalogOp<const M extends string>(
  name: string,
  members: readonly M[],
  resources: (arns: GlueArns, input: JsonInput<M | 'CatalogId'>) => string[],
  handle: (input: JsonInput<M | 'CatalogId'>, req: OperationRequest) => Promise<unknown>,
) {
  return jsonOperation(
    [...members, 'CatalogId'],
    (input, req) => resources(glueArns(input, req), input),
    async (input, req) => {
      checkCatalog(name, input, req);
      return handle(input, req);
    },
  );
}
