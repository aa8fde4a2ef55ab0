import type { ColumnInfo } from '../engine/index.js';
import type { KeyAccess } from '../storage/index.js';
import type { QueryCaller } from './query-access.js';
import type { QueryRow, WorkgroupRow } from './query-store.js';
import type { SavedQueries } from './saved-queries.js';

/** StartQueryExecution's request, with who made it. */
export interface StartInput {
  accountId: string;
  caller: QueryCaller;
  query: string;
  database?: string;
  workgroup?: string;
  outputLocation?: string;
  clientRequestToken?: string;
  /** ExecutionParameters: the values of the query's `?` placeholders, in order. */
  executionParameters?: string[];
  /** ResultReuseByAgeConfiguration's MaxAgeInMinutes, when reuse is enabled. */
  reuseMaxAgeMinutes?: number;
}

export interface WorkgroupTag {
  Key: string;
  Value: string;
}

/** CreateWorkGroup's request. */
export interface WorkgroupInput {
  name: string;
  description: string;
  /** Where its queries' results go; without one, each query must name its own. */
  outputLocation?: string;
  /** Whether the workgroup's output location overrides the one a query names. */
  enforce: boolean;
  /** BytesScannedCutoffPerQuery: a query that would scan more is cancelled. */
  bytesCutoff?: number;
  publishMetrics: boolean;
  tags: WorkgroupTag[];
}

/** UpdateWorkGroup's changes; what is absent stays. `null` removes an output location or a cutoff. */
export interface WorkgroupUpdate {
  description?: string;
  state?: 'ENABLED' | 'DISABLED';
  outputLocation?: string | null;
  enforce?: boolean;
  bytesCutoff?: number | null;
  publishMetrics?: boolean;
}

export interface ResultsPage {
  columns: ColumnInfo[];
  rows: (string | null)[][];
  nextToken?: string;
}

/** Athena's query executions and workgroups. */
export interface AthenaService {
  /** Named queries and prepared statements (`saved.prepared` is what SQL's PREPARE and EXECUTE use). */
  readonly saved: SavedQueries;
  /** Makes the account's default results bucket and primary workgroup; fails executions left unfinished. */
  init(accountId: string): Promise<void>;
  /** Admits the queries that waited for their workgroup's slots: call once the job runtime has recovered. */
  resume(): Promise<void>;
  /** StartQueryExecution: queues the query and answers its id (the earlier one for a repeated token). */
  start(input: StartInput): Promise<string>;
  /** The query execution with this id; InvalidRequestException when there is none. */
  get(id: string): Promise<QueryRow>;
  /**
   * GetQueryExecution: the execution with this id; one still queued or running is answered once its state
   * changes, or after the limits' stateChangeWaitMs at most, so a client polling it learns of the change at once.
   */
  poll(id: string): Promise<QueryRow>;
  /** The query execution with this id, if there is one. */
  find(id: string): Promise<QueryRow | undefined>;
  /** Ids of the workgroup's query executions, newest first. */
  list(workgroupName: string, offset: number, limit: number): Promise<string[]>;
  /** StopQueryExecution: a queued query never runs; a running one is interrupted (its engine killed if it lingers). */
  stop(id: string): Promise<void>;
  /**
   * A page of a succeeded query's results, read back from its CSV in the results bucket: at most
   * `maxResults` rows and, past the first row, about 4 MB of text. `reserve` is called for
   * each chunk held, so the caller's memory budget bounds the page.
   */
  results(
    id: string,
    token: string | undefined,
    maxResults: number,
    reserve: (bytes: number) => void,
    /** The caller's KMS checks, for results sealed under a KMS key (kms:Decrypt, as S3 asks of a reader). */
    keyAccess?: KeyAccess,
  ): Promise<ResultsPage>;
  /** The workgroup with this name; InvalidRequestException when there is none. */
  workgroup(name: string): Promise<WorkgroupRow>;
  workgroups(): Promise<WorkgroupRow[]>;
  createWorkgroup(input: WorkgroupInput): Promise<void>;
  updateWorkgroup(name: string, update: WorkgroupUpdate): Promise<void>;
  /** Refused for the primary workgroup, one with unfinished queries, or (unless `recursive`) a non-empty one. */
  deleteWorkgroup(name: string, recursive: boolean): Promise<void>;
  workgroupTags(name: string): Promise<WorkgroupTag[]>;
  /** Replaces the workgroup's tags, and with them its query timeout. */
  setWorkgroupTags(name: string, tags: WorkgroupTag[]): Promise<void>;
  /** Stops the running queries' job and the engine pool. */
  close(): Promise<void>;
}
