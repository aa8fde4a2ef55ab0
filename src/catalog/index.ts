/** Glue Data Catalog: databases, tables with versions, partitions, and crawlers that infer them. */
export { createCatalogOperations, createGlueApi } from './catalog-api.js';
export {
  authorizeLocationRead,
  catalogArns,
  type GlueArns,
  readChecks,
  s3UrlArn,
  s3UrlObject,
} from './catalog-arns.js';
export { catalogName, createCatalogService } from './catalog-service.js';
export { createCatalogStore } from './catalog-store.js';
export type { CatalogService, CatalogTable } from './catalog-types.js';
/** The input format that marks a table as CloudTrail log files (read-only, records inside each document). */
export { CLOUDTRAIL_INPUT_FORMAT } from './cloudtrail-reader.js';
/** AWS's documented CloudTrail table as a Glue TableInput, for a trail to register over its log files. */
export { cloudTrailTableInput } from './cloudtrail-table.js';
export { type CrawlerService, createCrawlerService } from './crawler-service.js';
export { createCrawlerOperations } from './glue-crawler-api.js';
export {
  type ColumnShape,
  databaseInputShape,
  parseShape,
  partitionInputShape,
  type TableInput,
  tableInputShape,
} from './glue-shapes.js';
export { duckDbTypeOf, hiveTypeOf, parseDuckDbType, parseHiveType, type TypeTree } from './hive-types.js';
export {
  dataLocations,
  isDataKey,
  linkTable,
  openTableForEngine,
  parseS3Url,
  planTable,
  type ReadableTable,
  type TablePlan,
  tableRelation,
} from './table-reader.js';
