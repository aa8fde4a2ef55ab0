/** ETL: DataBrew recipes compiled to DuckDB SQL, datasets, and recipe jobs that write curated Parquet. */
export { createDatabrewApi } from './databrew-api.js';
export { createDatabrewService } from './databrew-service.js';
export { createEtlStore, RUN_MESSAGE_SECRETS_PURPOSE } from './etl-store.js';
export type { DatabrewService } from './etl-types.js';
export { parseRecipe } from './recipe.js';
export { compileRecipe } from './recipe-compiler.js';
export type { DatasetDefinition, RecipeJobDefinition } from './recipe-job.js';
