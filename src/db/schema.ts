/** Times are stored as integer milliseconds since the epoch in both SQLite and PostgreSQL. */
export type Millis = number;

export interface AccountTable {
  id: string;
  region: string;
  created_at: Millis;
}

export interface AccessKeyTable {
  access_key_id: string;
  account_id: string;
  /** The IAM principal the key belongs to, as an ARN. */
  principal_arn: string;
  /** The secret, sealed with the root key (see SecretBox); never stored or logged in clear. */
  sealed_secret: string;
  status: 'Active' | 'Inactive';
  created_at: Millis;
}

export interface BucketTable {
  name: string;
  account_id: string;
  region: string;
  created_at: Millis;
}

export interface ObjectTable {
  bucket: string;
  key: string;
  blob_id: string;
  size: number;
  etag: string;
  content_type: string;
  /** JSON: user metadata (x-amz-meta-*) and stored representation headers (Content-Encoding…). */
  metadata: string;
  checksum_algorithm: string | null;
  checksum_value: string | null;
  last_modified: Millis;
}

export interface Database {
  accounts: AccountTable;
  access_keys: AccessKeyTable;
  buckets: BucketTable;
  objects: ObjectTable;
}
