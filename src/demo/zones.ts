/** Where the demo's data lives: the raw and curated zones (buckets) and their catalog databases. */
export const RAW_BUCKET = 'vancouver-raw';
export const CURATED_BUCKET = 'vancouver-curated';
export const RAW_DATABASE = 'vancouver_raw';
export const CURATED_DATABASE = 'vancouver';
/** The customer managed KMS key both zones and the Athena results bucket are encrypted under (SSE-KMS). */
export const LAKE_KEY_ALIAS = 'alias/vancouver-lake';
/** Where the demo's trail delivers its log files and digests: an Object Lock bucket. */
export const AUDIT_BUCKET = 'vancouver-audit';
export const AUDIT_TRAIL = 'vancouver-audit';
/** How long each delivered log file and digest is locked (GOVERNANCE mode). */
export const AUDIT_RETENTION_DAYS = 365;
/** The catalog database and table over the trail's log files (AWS's documented CloudTrail table). */
export const AUDIT_DATABASE = 'vancouver_audit';
export const AUDIT_TABLE = 'cloudtrail_logs';
