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

/** A bucket's policy and public access block (S3's bucket access settings); null when not set. */
export interface BucketAccessTable {
  bucket: string;
  /** The policy document exactly as it was put. */
  policy: string | null;
  /** JSON: the four PublicAccessBlockConfiguration flags. */
  public_access_block: string | null;
  updated_at: Millis;
}

/**
 * One of a bucket's configuration documents (versioning, CORS, lifecycle, tagging, ownership controls…),
 * stored as its operation reads it back; no row when it is not set.
 */
export interface BucketSettingTable {
  bucket: string;
  /** Which configuration: a BucketSettingName (storage/bucket-settings.ts). */
  name: string;
  value: string;
  updated_at: Millis;
}

/** An account's S3 Block Public Access settings (the S3 Control API's); no row when none is set. */
export interface AccountAccessTable {
  account_id: string;
  /** JSON: the four PublicAccessBlockConfiguration flags. */
  public_access_block: string;
  updated_at: Millis;
}

/**
 * One version of an object, or a delete marker (S3's versioning). A bucket that never had versioning holds
 * one version per key, the "null" one. Exactly one row of a key is its latest.
 */
export interface ObjectTable {
  bucket: string;
  key: string;
  /** S3's version id; "null" for the version an unversioned or suspended bucket writes. */
  version_id: string;
  /** Orders a key's versions: higher is newer. */
  seq: number;
  /** 1 for the key's current version (or delete marker), else 0. */
  is_latest: number;
  /** 1 for a delete marker, which has no bytes. */
  delete_marker: number;
  blob_id: string | null;
  size: number;
  etag: string;
  content_type: string;
  /** JSON: user metadata (x-amz-meta-*) and stored representation headers (Content-Encoding…). */
  metadata: string;
  checksum_algorithm: string | null;
  checksum_value: string | null;
  /** How the checksum was made: of the whole object, or (multipart) of its parts' checksums; null is FULL_OBJECT. */
  checksum_type: 'COMPOSITE' | 'FULL_OBJECT' | null;
  last_modified: Millis;
  /** JSON: the version's tag set (object tagging); null when it has none. */
  tags: string | null;
  /** JSON: the version's access control list, where one was set; null for the owner's full control. */
  acl: string | null;
  /** JSON: further per-version settings (Object Lock retention and legal hold, storage class…); null when none. */
  attributes: string | null;
  /**
   * JSON: how the version's data key is sealed (storage/object-encryption.ts); null for a version an earlier
   * Seawall stored in plaintext, or a delete marker.
   */
  encryption: string | null;
}

export interface CatalogDatabaseTable {
  name: string;
  /** JSON: Description, LocationUri, Parameters. */
  definition: string;
  create_time: Millis;
}

export interface CatalogTableTable {
  database: string;
  name: string;
  version: number;
  /** JSON: the TableInput as given (names lower-cased). */
  definition: string;
  create_time: Millis;
  update_time: Millis;
}

export interface CatalogTableVersionTable {
  database: string;
  name: string;
  version: number;
  definition: string;
  update_time: Millis;
}

export interface CatalogPartitionTable {
  database: string;
  table_name: string;
  /** JSON array of the partition values: the key among a table's partitions. */
  values_key: string;
  definition: string;
  create_time: Millis;
}

export interface CatalogCrawlerTable {
  name: string;
  definition: string;
  state: 'READY' | 'RUNNING' | 'STOPPING';
  /** The job ref of the crawl under way (or last started). */
  run_ref: string | null;
  last_crawl: string | null;
  version: number;
  elapsed_ms: number;
  create_time: Millis;
  update_time: Millis;
}

export interface QueryExecutionTable {
  id: string;
  account_id: string;
  workgroup: string;
  query: string;
  database: string | null;
  client_request_token: string | null;
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  state_change_reason: string | null;
  output_location: string;
  /** JSON: ColumnInfo list of the result, once known. */
  columns: string | null;
  data_scanned: number;
  submitted_at: Millis;
  started_at: Millis | null;
  completed_at: Millis | null;
  engine_ms: number;
  /** Athena's AthenaError ErrorCategory (1 system, 2 user) and ErrorType, for a failed query. */
  error_category: number | null;
  error_type: number | null;
  /** JSON: who started the query and from where (QueryCaller); null on queries from before it was kept. */
  caller: string | null;
  /** JSON: StartQueryExecution's ExecutionParameters, as given; null when there were none. */
  execution_parameters: string | null;
  /** ResultReuseByAgeConfiguration.MaxAgeInMinutes when result reuse was asked for. */
  reuse_max_age: number | null;
  /** 1 when the answer is a previous execution's result (no engine ran). */
  reused: number;
  /** Rows and bytes of the result, once it is written. */
  output_rows: number | null;
  output_bytes: number | null;
  /** 0 while the query waits for a free slot of its workgroup, 1 once its job is queued. */
  admitted: number;
  /** Athena's StatementType and SubstatementType; null (a SELECT: DML, SELECT) on queries from before they were kept. */
  statement_type?: string | null;
  substatement_type?: string | null;
  /** Rows a CTAS, INSERT INTO or UNLOAD wrote (GetQueryResults' UpdateCount); null for other queries. */
  update_count?: number | null;
}

export interface WorkgroupTable {
  name: string;
  description: string;
  output_location: string;
  enforce: number;
  create_time: Millis;
  /** The time limit of the workgroup's queries; null for the server's default. */
  query_timeout_ms: number | null;
  /** JSON: the workgroup's tags, [{Key, Value}]. */
  tags: string;
  state: 'ENABLED' | 'DISABLED';
  /** BytesScannedCutoffPerQuery; null for none. */
  bytes_cutoff: number | null;
  /** Queries of the workgroup running at once (its seawall:max-concurrent-queries tag); null for no limit. */
  max_concurrent: number | null;
  publish_metrics: number;
}

export interface NamedQueryTable {
  id: string;
  workgroup: string;
  name: string;
  description: string | null;
  database: string;
  query: string;
  client_request_token: string | null;
  create_time: Millis;
}

export interface PreparedStatementTable {
  workgroup: string;
  name: string;
  statement: string;
  description: string | null;
  last_modified: Millis;
}

export interface RecipeTable {
  name: string;
  /** LATEST_WORKING, or a published version such as 1.0. */
  version: string;
  description: string;
  /** JSON: the DataBrew steps as given. */
  steps: string;
  published_at: Millis | null;
  create_time: Millis;
  update_time: Millis;
}

export interface DatasetTable {
  name: string;
  /** JSON: Format, FormatOptions, Input as given. */
  definition: string;
  create_time: Millis;
  update_time: Millis;
}

export interface JobTable {
  name: string;
  type: 'RECIPE' | 'PROFILE';
  /** JSON: the CreateRecipeJob request. */
  definition: string;
  create_time: Millis;
  update_time: Millis;
}

export interface JobRunTable {
  job_name: string;
  run_id: string;
  state: 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED' | 'TIMEOUT';
  error_message: string | null;
  started_at: Millis;
  completed_at: Millis | null;
  /** JSON: what the run wrote (rows, files, bytes, tables). */
  outcome: string | null;
}

export interface MultipartUploadTable {
  upload_id: string;
  bucket: string;
  key: string;
  /** JSON: content type, user metadata and stored headers of the object to be. */
  settings: string;
  initiated_at: Millis;
  /** The checksum the upload was created with (x-amz-checksum-algorithm), and how the object's is made. */
  checksum_algorithm: string | null;
  checksum_type: 'COMPOSITE' | 'FULL_OBJECT' | null;
  /** JSON: who created the upload, as ListParts and ListMultipartUploads name its Initiator (ID, DisplayName). */
  initiator: string | null;
  /** JSON: how the upload's data key (every part's, and the object's) is sealed; null for an older upload. */
  encryption: string | null;
}

export interface MultipartPartTable {
  upload_id: string;
  part_number: number;
  blob_id: string;
  size: number;
  etag: string;
  last_modified: Millis;
  /** The part's checksum, verified against its bytes. */
  checksum_algorithm: string | null;
  checksum_value: string | null;
}

/**
 * What a completed multipart upload made, kept as long as the object's blob: its parts (for GET ?partNumber and
 * the parts' checksums) and the completion's answer (for a repeated CompleteMultipartUpload).
 */
export interface MultipartObjectTable {
  /** The object's blob: each object (and, later, each version) has its own. */
  blob_id: string;
  upload_id: string;
  bucket: string;
  key: string;
  etag: string;
  /** JSON: [partNumber, size, checksum or null][] in part order. */
  parts: string;
  /** The object's checksum as the completion answered it, and the upload's type. */
  checksum_algorithm: string | null;
  checksum_value: string | null;
  checksum_type: 'COMPOSITE' | 'FULL_OBJECT' | null;
}

/** The job runtime's durable queue: a row per queued or running job, gone once it has finished. */
export interface JobQueueTable {
  kind: string;
  /** The job's id in its own domain (a query execution id, a crawler name, a job run id). */
  ref: string;
  state: 'QUEUED' | 'RUNNING';
  timeout_ms: number;
  submitted_at: Millis;
  started_at: Millis | null;
}

/**
 * Versions and delete markers waiting to be replicated, one row per destination (see storage/replication.ts):
 * written in the transaction that made the version, deleted with the version's status settled.
 */
export interface S3ReplicationOutboxTable {
  /** Increasing with every change: the order a key's versions are replicated in. */
  id: string;
  bucket: string;
  key: string;
  version_id: string;
  delete_marker: number;
  rule_id: string;
  /** JSON: the rule's destination (replication-config.ts, ReplicationDestination) and the role. */
  destination: string;
  /** `account/bucket` of the destination: a key's rows are delivered in order per target. */
  target: string;
  size: number;
  created_at: Millis;
  attempts: number;
  next_attempt_at: Millis;
  /**
   * A later change of the version to carry to its replica ('tags': its tag set; 'retention', 'legal-hold': that
   * part of its Object Lock; 'acl': its ACL); null for the version itself.
   */
  change?: ReplicationChange | null;
  /** JSON: multipart uploads earlier attempts started at the destination, to abort (storage/replication-uploads.ts). */
  uploads?: string | null;
}

/** What a later change of a replicated version changed, which its replicas are given (replication.ts). */
export type ReplicationChange = 'tags' | 'retention' | 'legal-hold' | 'acl';

export interface ReplicationRemoteTable {
  account_id: string;
  endpoint: string;
  region: string;
  access_key_id: string;
  /** The secret access key, sealed by the root key (replication-remotes.ts). */
  sealed_secret: string;
  created_at: Millis;
}

/**
 * S3 event notifications waiting to be delivered (see storage/notifications.ts): written in the transaction
 * that made the change, deleted once every destination has it.
 */
export interface S3EventOutboxTable {
  /** S3's sequencer: uppercase hex, increasing with every event; the order events are delivered in. */
  id: string;
  bucket: string;
  /** JSON: the event record but its sequencer and configurationId. */
  record: string;
  /** JSON: the destinations (see notifications.ts, EventDestinations). */
  destinations: string;
  created_at: Millis;
  attempts: number;
  next_attempt_at: Millis;
}

/** SNS topics (notify/). */
export interface SnsTopicTable {
  arn: string;
  account_id: string;
  name: string;
  /** JSON: the attributes set (DisplayName, Policy). */
  attributes: string;
  /** JSON: [{Key, Value}]. */
  tags: string;
  created_at: Millis;
}

/** SNS subscriptions: an HTTP(S) endpoint of a topic, pending until it confirms. */
export interface SnsSubscriptionTable {
  arn: string;
  topic_arn: string;
  owner: string;
  protocol: 'http' | 'https' | 'email' | 'email-json';
  endpoint: string;
  /** The confirmation token (hex); it proves the endpoint received the SubscriptionConfirmation. */
  token: string;
  confirmed: number;
  created_at: Millis;
}

/** SNS messages waiting to be POSTed to a subscription's endpoint; deleted once it answers 2xx. */
export interface SnsDeliveryTable {
  /** Increasing with every message: the order they are delivered in. */
  id: string;
  subscription_arn: string;
  /** The JSON document POSTed. */
  body: string;
  /** SubscriptionConfirmation or Notification. */
  message_type: string;
  attempts: number;
  next_attempt_at: Millis;
  created_at: Millis;
}

/** KMS keys (kms/): one row a key; its key material is in kms_key_materials. */
export interface KmsKeyTable {
  /** The key id, a UUID. */
  id: string;
  account_id: string;
  region: string;
  description: string;
  /** ENCRYPT_DECRYPT or GENERATE_VERIFY_MAC. */
  key_usage: string;
  /** SYMMETRIC_DEFAULT or HMAC_256. */
  key_spec: string;
  /** Enabled, Disabled or PendingDeletion. */
  state: string;
  /** JSON: the key policy document, as it was put. */
  policy: string;
  /** JSON: [{TagKey, TagValue}]. */
  tags: string;
  /** When a PendingDeletion key is destroyed, with its material. */
  deletion_at: Millis | null;
  /** Days between automatic rotations; null while automatic rotation is off. */
  rotation_days: number | null;
  /** When the next automatic rotation falls due (null while automatic rotation is off). */
  next_rotation_at: Millis | null;
  created_at: Millis;
  /** AWS for an AWS managed key (aws/s3), made by a service on first use; null for a customer managed key. */
  key_manager: 'AWS' | null;
}

/** Key material Seawall owns for its own use (SSE-S3's key), sealed under the key store. */
export interface KmsServiceKeyTable {
  name: string;
  wrapped: string;
  created_at: Millis;
}

/** A KMS key's key material, one row a version: the first, then one per rotation. */
export interface KmsKeyMaterialTable {
  /** A UUID, named in every ciphertext it sealed. */
  id: string;
  key_id: string;
  /** The material, wrapped by the key store (the root key); never stored or logged in clear. */
  wrapped: string;
  /** CREATE, AUTOMATIC or ON_DEMAND. */
  origin: string;
  created_at: Millis;
}

/** KMS aliases: a friendly name for one key of the account and region. */
export interface KmsAliasTable {
  account_id: string;
  region: string;
  /** `alias/…`. */
  name: string;
  key_id: string;
  created_at: Millis;
  updated_at: Millis;
}

/** KMS grants: a principal allowed some operations on one key, under constraints on the encryption context. */
export interface KmsGrantTable {
  /** 64 hex digits. */
  id: string;
  key_id: string;
  /** The grant's name ('' when none was given). */
  name: string;
  /** The grantee principal's ARN. */
  grantee: string;
  /** The retiring principal's ARN, if the grant names one. */
  retiring: string | null;
  /** JSON: the operations, KMS's names. */
  operations: string;
  /** JSON: {EncryptionContextEquals} or {EncryptionContextSubset}; null without constraints. */
  constraints: string | null;
  /** The grant token CreateGrant answered. */
  token: string;
  created_at: Millis;
}

/**
 * A database file the server made in the data directory beside the metadata (audit.db, metrics.db, logs.db):
 * `seawall init` does not make them, the first start does, so only this row tells one lost from one not made yet.
 */
export interface DataDirFileTable {
  /** The file's name in the data directory. */
  name: string;
  made_at: Millis;
}

export interface Database {
  accounts: AccountTable;
  access_keys: AccessKeyTable;
  buckets: BucketTable;
  bucket_access: BucketAccessTable;
  bucket_settings: BucketSettingTable;
  account_access: AccountAccessTable;
  object_versions: ObjectTable;
  catalog_databases: CatalogDatabaseTable;
  catalog_tables: CatalogTableTable;
  catalog_table_versions: CatalogTableVersionTable;
  catalog_partitions: CatalogPartitionTable;
  catalog_crawlers: CatalogCrawlerTable;
  query_executions: QueryExecutionTable;
  workgroups: WorkgroupTable;
  named_queries: NamedQueryTable;
  prepared_statements: PreparedStatementTable;
  databrew_recipes: RecipeTable;
  databrew_datasets: DatasetTable;
  databrew_jobs: JobTable;
  databrew_job_runs: JobRunTable;
  multipart_uploads: MultipartUploadTable;
  multipart_parts: MultipartPartTable;
  multipart_objects: MultipartObjectTable;
  jobs: JobQueueTable;
  s3_event_outbox: S3EventOutboxTable;
  s3_replication_outbox: S3ReplicationOutboxTable;
  replication_remotes: ReplicationRemoteTable;
  sns_topics: SnsTopicTable;
  sns_subscriptions: SnsSubscriptionTable;
  sns_deliveries: SnsDeliveryTable;
  kms_keys: KmsKeyTable;
  kms_key_materials: KmsKeyMaterialTable;
  kms_service_keys: KmsServiceKeyTable;
  kms_aliases: KmsAliasTable;
  kms_grants: KmsGrantTable;
  data_dir_files: DataDirFileTable;
}
