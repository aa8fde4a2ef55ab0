import type { CatalogService } from '../catalog/index.js';
import { parseS3Url } from '../catalog/index.js';
import { EngineFailure, type EngineLauncher, reusableEngine, startEngine } from '../engine/index.js';
import { AppError, insufficientCapacity, isOutOfSpace } from '../errors.js';
import { formatDuration, type JobKind, JobStopped } from '../jobs/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Authorizer } from '../lib/operation.js';
import type { StorageService } from '../storage/index.js';
import { engineMessage } from './engine-messages.js';
import type { EnginePool } from './engine-pool.js';
import { prepareSelect, type SqlParser } from './prepare.js';
import { callerOf, checkQueryAccess, tableLookupCheck } from './query-access.js';
import { BytesCutoffExceeded, resultObject, runQuery } from './query-runner.js';
import type { QueryRow, QueryStore } from './query-store.js';
import { prepareWithViews } from './query-views.js';
import { QueryRejected } from './sandbox.js';
import { executeStatement } from './statement-job.js';
import { type PreparedStatements, parseStatement } from './statements/index.js';

export const QUERY_JOB = 'athena-query';

/** Athena's AthenaError categories and the error types Seawall reports. */
const SYSTEM = 1;
const USER = 2;
const ERROR_TYPES = {
  exhausted: 0,
  internal: 100,
  timeout: 210,
  user: 1000,
  data: 1001,
} as const;

interface Failure {
  reason: string;
  category: number;
  type: number;
}

/** Turns what stopped a query into Athena's StateChangeReason and AthenaError. */
function failureOf(error: unknown, logger: Logger, queryId: string, query: string): Failure {
  if (error instanceof JobStopped) {
    if (error.reason === 'timeout')
      return {
        reason: `Query timeout: the query ran longer than its limit of ${formatDuration(error.limitMs)}.`,
        category: SYSTEM,
        type: ERROR_TYPES.timeout,
      };
    return { reason: `Query was stopped: ${error.message}.`, category: SYSTEM, type: ERROR_TYPES.internal };
  }
  if (error instanceof QueryRejected || error instanceof AppError)
    return { reason: error.message, category: USER, type: ERROR_TYPES.user };
  if (isOutOfSpace(error)) {
    logger.error({ err: error, queryId }, 'query failed: the disk is full');
    return { reason: insufficientCapacity(error).message, category: SYSTEM, type: ERROR_TYPES.exhausted };
  }
  if (error instanceof EngineFailure) {
    const type =
      error.kind === 'memory'
        ? ERROR_TYPES.exhausted
        : error.kind === 'crashed'
          ? ERROR_TYPES.data
          : ERROR_TYPES.user;
    if (error.kind === 'crashed' || error.kind === 'memory')
      logger.warn({ queryId, kind: error.kind }, 'query engine stopped');
    if (error.kind !== 'engine') return { reason: error.message, category: USER, type };
    const said = engineMessage(error.message, query);
    return { reason: said.reason, category: USER, type: said.type ?? type };
  }
  logger.error({ err: error, queryId }, 'query failed unexpectedly');
  return { reason: 'The query failed: internal error.', category: SYSTEM, type: ERROR_TYPES.internal };
}

/**
 * Parses queries for the sandbox in an engine of its own: DuckDB's parser reads hostile text, so it runs where
 * a crash costs only a relaunch.
 */
function createParser(deps: {
  launcher: EngineLauncher;
  storage: StorageService;
}): SqlParser & { warm(): Promise<void>; close(): Promise<void> } {
  const engine = reusableEngine(() =>
    startEngine(deps.launcher, () => deps.storage.filesForEngine([]), {
      label: 'athena-parser',
      threads: 1,
      memoryLimitMb: 256,
      maxTempMb: 64,
      setup: ['SET enable_external_access = false', 'SET lock_configuration = true'],
    }),
  );
  return {
    async serialize(sql: string): Promise<string> {
      const [row] = await engine.use((parser) =>
        parser.rows('SELECT json_serialize_sql($1::VARCHAR) AS tree', {
          params: [sql],
          limitBytes: 256 * 2 ** 20,
        }),
      );
      return String(row?.tree ?? '{}');
    },
    async rewrite(json: string): Promise<{ sql: string; tree: string }> {
      const [row] = await engine.use((parser) =>
        parser.rows(
          'SELECT json_deserialize_sql($1::JSON) AS sql, json_serialize_sql(json_deserialize_sql($1::JSON)) AS tree',
          { params: [json], limitBytes: 256 * 2 ** 20 },
        ),
      );
      return { sql: String(row?.sql ?? ''), tree: String(row?.tree ?? '{}') };
    },
    async deserialize(json: string): Promise<string> {
      const [row] = await engine.use((parser) =>
        parser.rows('SELECT json_deserialize_sql($1::JSON) AS sql', {
          params: [json],
          limitBytes: 256 * 2 ** 20,
        }),
      );
      return String(row?.sql ?? '');
    },
    /** Starts the parser's engine now rather than under the first query. */
    warm: () => engine.use(async () => undefined),
    close: () => engine.close(),
  };
}

export interface QueryLimits {
  /** Queries running at once; a query running longer than longAfterMs moves out of its slot (see JobKind). */
  concurrency: number;
  longConcurrency: number;
  longAfterMs: number;
}

/** The job kind that runs Athena query executions, one per job. */
export function createQueryJob(deps: {
  store: QueryStore;
  pool: EnginePool;
  launcher: EngineLauncher;
  storage: StorageService;
  clock: Clock;
  logger: Logger;
  limits: QueryLimits;
  authorizer: Authorizer;
  catalog: CatalogService;
  region: string;
  /** Called once an execution of the workgroup has finished, however it ended. */
  settled(workgroup: string): void;
  /** The workgroups' prepared statements (PREPARE, EXECUTE, DEALLOCATE); without them those are refused. */
  prepared?: PreparedStatements;
  /** Start the parser's engine at once (a server), so that the first query finds it, and the launcher's spare, up. */
  warmParser?: boolean;
}) {
  const { store, clock, logger } = deps;
  const parser = createParser(deps);
  if (deps.warmParser)
    parser.warm().catch((error: unknown) => {
      // The first query starts it again, and says why if it still cannot; a start that fails closes it under
      // this one, which is no news.
      logger.debug({ err: error }, 'could not start the query parser ahead of need');
    });

  async function outputBucketExists(bucket: string): Promise<boolean> {
    return deps.storage.headBucket(bucket).then(
      () => true,
      (error: { code?: string }) => {
        if (error.code === 'NoSuchBucket') return false;
        throw error;
      },
    );
  }

  /**
   * A previous result this execution may answer with (ResultReuseByAgeConfiguration): the newest succeeded
   * one of the same query, database, workgroup and parameters, young enough, whose result file still exists.
   */
  async function reusable(row: QueryRow): Promise<QueryRow | undefined> {
    if (row.reuse_max_age === null) return undefined;
    const since = clock.now().getTime() - row.reuse_max_age * 60_000;
    const previous = await store.findReusable(row, since);
    if (!previous) return undefined;
    const { bucket, key } = resultObject(previous.output_location);
    const exists = await deps.storage.headObject(bucket, key).then(
      () => true,
      () => false,
    );
    return exists ? previous : undefined;
  }

  async function execute(row: QueryRow, signal: AbortSignal): Promise<Partial<QueryRow>> {
    // Athena's data usage control: the workgroup's BytesScannedCutoffPerQuery holds for every statement.
    const cutoff = (await store.findWorkgroup(row.workgroup))?.bytes_cutoff ?? undefined;
    const statement = parseStatement(row.query);
    if (statement) return executeStatement({ ...deps, parser, bytesCutoff: cutoff }, row, statement, signal);
    const parameters = row.execution_parameters
      ? (JSON.parse(row.execution_parameters) as string[])
      : undefined;
    const caller = callerOf(row.caller, row.account_id);
    const mayLookUp = tableLookupCheck({ authorizer: deps.authorizer, region: deps.region, caller });
    const { sql, tables, views, reads, columns } = await prepareWithViews(
      { catalog: deps.catalog, parser, prepareSelect, mayLookUp },
      row.query,
      row.database ?? undefined,
      parameters ? { parameters } : {},
    );
    const directory = row.output_location.slice(0, row.output_location.lastIndexOf('/') + 1);
    const { bucket, prefix } = parseS3Url(directory);
    // Reusing a result still takes the caller's access to every table the query reads.
    await checkQueryAccess({
      authorizer: deps.authorizer,
      storage: deps.storage,
      catalog: deps.catalog,
      region: deps.region,
      caller,
      tables: reads,
      output: row.output_location,
    });
    const previous = await reusable(row);
    if (previous)
      return {
        state: 'SUCCEEDED',
        reused: 1,
        output_location: previous.output_location,
        columns: previous.columns,
        data_scanned: 0,
        output_rows: previous.output_rows,
        output_bytes: previous.output_bytes,
      };
    if (!(await outputBucketExists(bucket)))
      throw new QueryRejected(`Unable to verify/create output bucket ${bucket}`);
    const result = await runQuery(
      { pool: deps.pool, storage: deps.storage },
      {
        sql,
        database: row.database ?? undefined,
        tables,
        columns,
        views,
        output: { bucket, key: `${prefix}${row.id}.csv` },
        signal,
        ...(cutoff !== undefined ? { bytesCutoff: cutoff } : {}),
      },
    );
    logger.debug({ queryId: row.id, ...result.timings, rows: result.rows }, 'query succeeded');
    return {
      state: 'SUCCEEDED',
      columns: JSON.stringify(result.columns),
      data_scanned: result.dataScanned,
      output_rows: result.rows,
      output_bytes: result.outputBytes,
    };
  }

  /** What a query that did not succeed records: Athena cancels one over its bytes cutoff, and fails the rest. */
  function unsuccessful(error: unknown, signal: AbortSignal, row: QueryRow): Partial<QueryRow> {
    // Athena's per-query data usage control cancels the query once it has read more than the cutoff.
    if (error instanceof BytesCutoffExceeded && !signal.aborted)
      return { state: 'CANCELLED', state_change_reason: error.message, data_scanned: error.scanned };
    const failure = failureOf(signal.aborted ? signal.reason : error, logger, row.id, row.query);
    return {
      state: 'FAILED',
      state_change_reason: deps.storage
        .redactEnginePaths(failure.reason.split('\n')[0] ?? 'failed')
        .slice(0, 4096),
      error_category: failure.category,
      error_type: failure.type,
    };
  }

  const kind: JobKind = {
    name: QUERY_JOB,
    concurrency: deps.limits.concurrency,
    longConcurrency: deps.limits.longConcurrency,
    longAfterMs: deps.limits.longAfterMs,

    async run({ ref, signal }) {
      const row = await store.find(ref);
      const started = clock.now().getTime();
      if (!row || !(await store.transition(ref, ['QUEUED'], { state: 'RUNNING', started_at: started })))
        return;
      let outcome: Partial<QueryRow>;
      try {
        outcome = await execute(row, signal);
      } catch (error) {
        outcome = unsuccessful(error, signal, row);
      }
      const completed = clock.now().getTime();
      // A query cancelled meanwhile stays CANCELLED: the transition only applies while it is RUNNING.
      await store
        .transition(ref, ['RUNNING'], {
          ...outcome,
          completed_at: completed,
          engine_ms: outcome.reused ? 0 : completed - started,
        })
        .finally(() => deps.settled(row.workgroup));
    },

    async abandoned(ref) {
      await store.transition(ref, ['QUEUED', 'RUNNING'], {
        state: 'FAILED',
        state_change_reason: 'Seawall stopped before the query finished.',
        completed_at: clock.now().getTime(),
        error_category: SYSTEM,
        error_type: ERROR_TYPES.internal,
      });
    },
  };

  return { kind, close: () => parser.close() };
}
