/** Athena: SQL over the catalog's tables, sandboxed in DuckDB, results as CSV in the results bucket. */
export { createAthenaApi } from './athena-api.js';
export {
  type AthenaLimits,
  createAthenaService,
  defaultResultsBucket,
  PRIMARY_WORKGROUP,
} from './athena-service.js';
export { queryMigrations } from './query-migrations.js';
export { createQueryStore, REASON_SECRETS_PURPOSE } from './query-store.js';
export type { AthenaService } from './query-types.js';
export { analyzeQuery, QueryRejected, RESERVED_SCHEMAS } from './sandbox.js';
export type { SavedQueries } from './saved-queries.js';
export { createSavedQueryStore } from './saved-query-store.js';
export { CONCURRENCY_TAG, TIMEOUT_TAG } from './workgroup-tags.js';
