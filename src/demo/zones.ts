/** Where the demo's data lives: the raw and curated zones (buckets) and their catalog databases. */
export const RAW_BUCKET = 'vancouver-raw';
export const CURATED_BUCKET = 'vancouver-curated';
export const RAW_DATABASE = 'vancouver_raw';
export const CURATED_DATABASE = 'vancouver';
/** The customer managed KMS key both zones and the Athena results bucket are encrypted under (SSE-KMS). */
export const LAKE_KEY_ALIAS = 'alias/vancouver-lake';
