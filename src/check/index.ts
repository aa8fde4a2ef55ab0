/**
 * The offline check of an installation (`seawall check`): each domain verifies what it keeps (storage its
 * blobs, KMS its key material, IAM its secrets, the audit trail its records and digests), read only, and says
 * exactly what is wrong through a CheckReport.
 */
export { CheckError, type CheckOptions, checkInstallation } from './installation-check.js';
/** SQLite's own checks of a database file, reported as findings (also a backup's verification). */
export { checkSqliteFile } from './sqlite-check.js';
