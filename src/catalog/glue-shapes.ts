import { z } from 'zod';
import { badRequest } from '../errors.js';

/** Glue names: 1–255 characters of Glue's single-line string pattern; stored lower-cased, as Glue does. */
const name = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\u0020-\uD7FF\uE000-\uFFFD\t]+$/, 'must be a single-line string');

const parameters = z.record(z.string().max(255), z.string().max(512_000));

export const columnShape = z.object({
  Name: name,
  Type: z.string().max(131_072).optional(),
  Comment: z.string().max(255).optional(),
  Parameters: parameters.optional(),
});

export const serdeShape = z.object({
  Name: z.string().max(255).optional(),
  SerializationLibrary: z.string().max(255).optional(),
  Parameters: parameters.optional(),
});

export const storageDescriptorShape = z.object({
  Columns: z.array(columnShape).max(10_000).optional(),
  Location: z.string().max(2056).optional(),
  AdditionalLocations: z.array(z.string()).optional(),
  InputFormat: z.string().max(128).optional(),
  OutputFormat: z.string().max(128).optional(),
  Compressed: z.boolean().optional(),
  NumberOfBuckets: z.number().int().optional(),
  SerdeInfo: serdeShape.optional(),
  BucketColumns: z.array(z.string()).optional(),
  SortColumns: z.array(z.object({ Column: z.string(), SortOrder: z.number().int() })).optional(),
  Parameters: parameters.optional(),
  StoredAsSubDirectories: z.boolean().optional(),
});

export const tableInputShape = z.object({
  Name: name,
  Description: z.string().max(2048).optional(),
  Owner: z.string().max(255).optional(),
  Retention: z.number().int().min(0).optional(),
  StorageDescriptor: storageDescriptorShape.optional(),
  PartitionKeys: z.array(columnShape).max(100).optional(),
  TableType: z.string().max(255).optional(),
  Parameters: parameters.optional(),
  ViewOriginalText: z.string().optional(),
  ViewExpandedText: z.string().optional(),
});

export const databaseInputShape = z.object({
  Name: name,
  Description: z.string().max(2048).optional(),
  LocationUri: z.string().max(1024).optional(),
  Parameters: parameters.optional(),
});

export const partitionInputShape = z.object({
  Values: z.array(z.string().max(1024)).min(1).max(100),
  StorageDescriptor: storageDescriptorShape.optional(),
  Parameters: parameters.optional(),
  LastAccessTime: z.number().optional(),
});

export const crawlerInputShape = z.object({
  Name: name,
  Role: z.string().min(1),
  DatabaseName: z.string().max(255).optional(),
  Description: z.string().max(2048).optional(),
  Targets: z.object({
    S3Targets: z
      .array(
        z.object({
          Path: z.string().regex(/^s3:\/\/[a-z0-9.-]+(\/.*)?$/, 'must be an s3://bucket/prefix path'),
          Exclusions: z.array(z.string().max(1024)).max(100).optional(),
          SampleSize: z.number().int().min(1).max(249).optional(),
        }),
      )
      .min(1)
      .max(100),
  }),
  TablePrefix: z.string().max(128).optional(),
  SchemaChangePolicy: z
    .object({
      UpdateBehavior: z.enum(['LOG', 'UPDATE_IN_DATABASE']).optional(),
      DeleteBehavior: z.enum(['LOG', 'DELETE_FROM_DATABASE', 'DEPRECATE_IN_DATABASE']).optional(),
    })
    .optional(),
  RecrawlPolicy: z
    .object({
      RecrawlBehavior: z.enum(['CRAWL_EVERYTHING', 'CRAWL_NEW_FOLDERS_ONLY', 'CRAWL_EVENT_MODE']).optional(),
    })
    .optional(),
  Configuration: z.string().max(65_536).optional(),
  Schedule: z.string().optional(),
  Tags: z.record(z.string(), z.string()).optional(),
});

export type ColumnShape = z.infer<typeof columnShape>;
export type StorageDescriptorShape = z.infer<typeof storageDescriptorShape>;
export type TableInput = z.infer<typeof tableInputShape>;
export type DatabaseInput = z.infer<typeof databaseInputShape>;
export type PartitionInput = z.infer<typeof partitionInputShape>;
export type CrawlerInput = z.infer<typeof crawlerInputShape>;

/** Validates an input member with Glue's error: InvalidInputException naming the bad field. */
export function parseShape<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw badRequest(
    'InvalidInputException',
    `1 validation error detected: Value at '${what}${path ? `.${path}` : ''}' failed to satisfy constraint: ${issue?.message ?? 'invalid'}`,
  );
}
