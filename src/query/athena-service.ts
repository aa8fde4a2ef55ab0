import { type CatalogService, parseS3Url } from '../catalog/index.js';
import type { ColumnInfo, EngineLauncher } from '../engine/index.js';
import { type AppError, badRequest } from '../errors.js';
import type { JobRuntime } from '../jobs/index.js';
import type { Clock } from '../lib/clock.js';
import { uuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { Authorizer } from '../lib/operation.js';
import { decodeOffset, encodeOffset } from '../lib/page-token.js';
import type { KeyAccess, StorageService } from '../storage/index.js';
import { createEnginePool } from './engine-pool.js';
import { createQueryJob, QUERY_JOB, type QueryLimits } from './query-job.js';
import { resultObject } from './query-runner.js';
import type { QueryRow, QueryStore, WorkgroupRow } from './query-store.js';
import type {
  AthenaService,
  ResultsPage,
  StartInput,
  WorkgroupInput,
  WorkgroupTag,
  WorkgroupUpdate,
} from './query-types.js';
import { readResultLines } from './result-reader.js';
import { createSavedQueries } from './saved-queries.js';
import type { SavedQueryStore } from './saved-query-store.js';
import { statementColumns } from './statement-job.js';
import { createWorkgroupGate } from './workgroup-gate.js';
import { settingsOfTags } from './workgroup-tags.js';

export const PRIMARY_WORKGROUP = 'primary';
const MAX_QUERY_LENGTH = 262_144;
/** A results page stops growing past this many bytes of CSV (a single row may pass it, up to 32 MB). */
const RESULTS_PAGE_BYTES = 4 * 2 ** 20;

/** What Seawall gives each query unless its workgroup says otherwise. */
export interface AthenaLimits extends QueryLimits {
  /** Athena's default DML query timeout is 30 minutes. */
  timeoutMs: number;
  /** Each engine's DuckDB memory_limit, and how much it may spill. */
  engineMemoryMb: number;
  maxSpillMb: number;
  threads: number;
  /**
   * How long GetQueryExecution holds its answer for a queued or running query, waiting for its state to change.
   * Clients poll in a loop: held, a poll answers the moment the query finishes rather than at the next poll, and
   * a query runs beside a few polls instead of one every few milliseconds taking the engine's CPU.
   */
  stateChangeWaitMs: number;
}

function invalid(message: string): AppError {
  return badRequest('InvalidRequestException', message);
}

/** The bucket Athena's console would offer for a workgroup's results; Seawall makes it at start-up. */
export function defaultResultsBucket(accountId: string, region: string): string {
  return `aws-athena-query-results-${accountId}-${region}`;
}

/**
 * Athena's query executions: each is a job on the shared runtime (queued durably, limited in time, memory and
 * concurrency, cancellable); all state is in the store.
 */
export function createAthenaService(deps: {
  store: QueryStore;
  /** Named queries and prepared statements. */
  savedStore: SavedQueryStore;
  catalog: CatalogService;
  storage: StorageService;
  launcher: EngineLauncher;
  runtime: JobRuntime;
  clock: Clock;
  logger: Logger;
  region: string;
  limits: AthenaLimits;
  authorizer: Authorizer;
  /** Start the engine that parses queries at once (a server's), not under the first query. */
  warmParser?: boolean;
}): AthenaService {
  const { store, clock, limits } = deps;
  const pool = createEnginePool({
    catalog: deps.catalog,
    storage: deps.storage,
    launcher: deps.launcher,
    logger: deps.logger,
    threads: limits.threads,
    memoryLimitMb: limits.engineMemoryMb,
    maxTempMb: limits.maxSpillMb,
  });
  const gate = createWorkgroupGate({
    store,
    runtime: deps.runtime,
    jobKind: QUERY_JOB,
    defaultTimeoutMs: limits.timeoutMs,
    logger: deps.logger,
  });
  // Named queries and prepared statements; SQL's PREPARE, EXECUTE and DEALLOCATE share the latter.
  const saved = createSavedQueries({ store: deps.savedStore, clock, workgroupExists: workgroup });
  // Each finished query frees a slot of its workgroup for the next one waiting.
  const job = createQueryJob({
    ...deps,
    pool,
    limits,
    prepared: saved.prepared,
    settled: (name) => void gate.admit(name),
  });
  deps.runtime.register(job.kind);

  async function get(id: string): Promise<QueryRow> {
    const row = await store.find(id);
    if (!row) throw invalid(`QueryExecution ${id} was not found`);
    return row;
  }

  async function workgroup(name: string): Promise<WorkgroupRow> {
    const row = await store.findWorkgroup(name);
    if (!row) throw invalid(`WorkGroup ${name} is not found.`);
    return row;
  }

  return {
    saved,

    async init(accountId: string): Promise<void> {
      const bucket = defaultResultsBucket(accountId, deps.region);
      await deps.storage.ensureBucket({ name: bucket, accountId, region: deps.region });
      await store.ensureWorkgroup({
        name: PRIMARY_WORKGROUP,
        description: 'The default workgroup',
        output_location: `s3://${bucket}/`,
        enforce: 0,
        create_time: clock.now().getTime(),
        ...settingsOfTags([]),
        state: 'ENABLED',
        bytes_cutoff: null,
        publish_metrics: 0,
      });
      // Executions left unfinished by a version without the durable queue have no job to finish them.
      await store.failUnqueued(
        QUERY_JOB,
        'Seawall stopped before the query finished.',
        clock.now().getTime(),
      );
    },

    async start(input: StartInput): Promise<string> {
      if (input.query.length === 0 || input.query.length > MAX_QUERY_LENGTH)
        throw invalid(`QueryString must be 1 to ${MAX_QUERY_LENGTH} characters long.`);
      const group = await workgroup(input.workgroup ?? PRIMARY_WORKGROUP);
      if (group.state === 'DISABLED') throw invalid(`WorkGroup ${group.name} is disabled.`);
      if (input.clientRequestToken !== undefined) {
        const previous = await store.findByToken(input.clientRequestToken);
        if (previous) {
          if (previous.query !== input.query || previous.workgroup !== group.name)
            throw invalid(
              'Idempotent parameters do not match: the ClientRequestToken was used with another query or workgroup.',
            );
          return previous.id;
        }
      }
      const base = group.enforce || !input.outputLocation ? group.output_location : input.outputLocation;
      if (base === '')
        throw invalid(
          'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.',
        );
      parseS3Url(base);
      const id = uuid();
      await store.insert({
        id,
        account_id: input.accountId,
        workgroup: group.name,
        query: input.query,
        database: input.database ?? null,
        client_request_token: input.clientRequestToken ?? null,
        state: 'QUEUED',
        state_change_reason: null,
        output_location: `${base.endsWith('/') ? base : `${base}/`}${id}.csv`,
        columns: null,
        data_scanned: 0,
        submitted_at: clock.now().getTime(),
        started_at: null,
        completed_at: null,
        engine_ms: 0,
        error_category: null,
        error_type: null,
        caller: JSON.stringify(input.caller),
        execution_parameters: input.executionParameters ? JSON.stringify(input.executionParameters) : null,
        reuse_max_age: input.reuseMaxAgeMinutes ?? null,
        reused: 0,
        output_rows: null,
        output_bytes: null,
        admitted: 0,
        ...statementColumns(input.query),
      });
      await gate.admit(group.name);
      return id;
    },

    get,

    async poll(id: string): Promise<QueryRow> {
      // Waiting starts before the read, so a change between the two is not missed.
      const change = store.nextChange(id, limits.stateChangeWaitMs);
      try {
        const row = await get(id);
        if (row.state !== 'QUEUED' && row.state !== 'RUNNING') return row;
        await change.settled;
        return await get(id);
      } finally {
        change.cancel();
      }
    },

    find: (id: string) => store.find(id),

    async list(workgroupName: string, offset: number, limit: number): Promise<string[]> {
      await workgroup(workgroupName);
      return (await store.list(workgroupName, offset, limit)).map((r) => r.id);
    },

    async stop(id: string): Promise<void> {
      await get(id);
      if (
        await store.transition(id, ['QUEUED', 'RUNNING'], {
          state: 'CANCELLED',
          completed_at: clock.now().getTime(),
          state_change_reason: 'Query was cancelled by the user.',
        })
      ) {
        await deps.runtime.cancel(QUERY_JOB, id);
        await gate.admit((await get(id)).workgroup);
      }
    },

    resume: () => gate.admitAll(),

    async results(
      id: string,
      token: string | undefined,
      maxResults: number,
      reserve: (bytes: number) => void,
      keyAccess?: KeyAccess,
    ): Promise<ResultsPage> {
      const row = await get(id);
      if (row.state !== 'SUCCEEDED') throw invalid(`Query has not yet finished. Current state: ${row.state}`);
      const columns = JSON.parse(row.columns ?? '[]') as ColumnInfo[];
      // A reused result is the earlier execution's file; a statement's output (`<id>.txt`) is Athena's DDL
      // text: tab-separated lines, no header.
      const { bucket, key } = resultObject(row.output_location);
      const textColumns = key.endsWith('.txt') ? columns.length : undefined;
      const offset = decodeOffset(token, () => invalid('NextToken is not valid.'));
      const { object, body } = await deps.storage.openObject(
        bucket,
        key,
        (o) => (offset < o.size ? { start: offset, end: o.size - 1 } : undefined),
        undefined,
        keyAccess,
      );
      if (offset >= object.size) {
        body.destroy();
        return { columns, rows: [] };
      }
      const { rows, consumed } = await readResultLines(
        body,
        maxResults,
        RESULTS_PAGE_BYTES,
        reserve,
        textColumns,
      ).finally(() => body.destroy());
      const next = offset + consumed;
      return {
        columns,
        rows,
        ...(next < object.size ? { nextToken: encodeOffset(next) } : {}),
      };
    },

    workgroup,
    workgroups: () => store.listWorkgroups(),

    async createWorkgroup(input: WorkgroupInput): Promise<void> {
      if (input.outputLocation !== undefined) parseS3Url(input.outputLocation);
      const created = await store.insertWorkgroup({
        name: input.name,
        description: input.description,
        // Without one, each query must name its own (as in Athena).
        output_location: input.outputLocation ?? '',
        enforce: input.enforce ? 1 : 0,
        create_time: clock.now().getTime(),
        ...settingsOfTags(input.tags),
        state: 'ENABLED',
        bytes_cutoff: input.bytesCutoff ?? null,
        publish_metrics: input.publishMetrics ? 1 : 0,
      });
      if (!created) throw invalid('WorkGroup is already created');
    },

    async updateWorkgroup(name: string, update: WorkgroupUpdate): Promise<void> {
      await workgroup(name);
      if (typeof update.outputLocation === 'string') parseS3Url(update.outputLocation);
      const changes: Partial<WorkgroupRow> = {
        ...(update.description !== undefined ? { description: update.description } : {}),
        ...(update.state !== undefined ? { state: update.state } : {}),
        ...(update.outputLocation !== undefined ? { output_location: update.outputLocation ?? '' } : {}),
        ...(update.enforce !== undefined ? { enforce: update.enforce ? 1 : 0 } : {}),
        ...(update.bytesCutoff !== undefined ? { bytes_cutoff: update.bytesCutoff } : {}),
        ...(update.publishMetrics !== undefined ? { publish_metrics: update.publishMetrics ? 1 : 0 } : {}),
      };
      if (Object.keys(changes).length > 0) await store.updateWorkgroup(name, changes);
    },

    async deleteWorkgroup(name: string, recursive: boolean): Promise<void> {
      await workgroup(name);
      if (name === PRIMARY_WORKGROUP) throw invalid('The primary workgroup cannot be deleted.');
      if (await store.hasUnfinished(name))
        throw invalid(`WorkGroup ${name} has queries that have not finished.`);
      if (!recursive && ((await store.list(name, 0, 1)).length > 0 || (await store.hasSavedQueries(name))))
        throw invalid(`WorkGroup ${name} is not empty; delete it with RecursiveDeleteOption.`);
      await store.deleteWorkgroup(name);
    },

    async workgroupTags(name: string): Promise<WorkgroupTag[]> {
      return JSON.parse((await workgroup(name)).tags) as WorkgroupTag[];
    },

    async setWorkgroupTags(name: string, tags: WorkgroupTag[]): Promise<void> {
      await store.updateWorkgroup(name, settingsOfTags(tags));
      // A raised concurrency limit lets waiting queries run now.
      await gate.admit(name);
    },

    async close(): Promise<void> {
      await job.close();
      await pool.close();
    },
  };
}
