/**
 * Whether a backup's location is in S3 (`s3://bucket/prefix`) rather than a directory. A module of its own, so
 * the CLI judges its flags without loading the backup code.
 */
export function isS3Location(where: string): boolean {
  return where.startsWith('s3://');
}
