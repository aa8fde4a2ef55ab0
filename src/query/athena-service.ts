import { availableParallelism } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { DuckDBInstance } from '@duckdb/node-api';
import { type CatalogService, parseS3Url } from '../catalog/index.js';
import { AppError, badRequest } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { redactEnginePaths } from '../lib/duckdb.js';
import { uuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { StorageService } from '../storage/index.js';
import { createEnginePool } from './engine-pool.js';
import { runQuery } from './query-runner.js';
import type { QueryRow, QueryStore } from './query-store.js';
import type { ColumnInfo } from './result-format.js';
import { parseCsvRows } from './result-format.js';
import { analyzeQuery, QueryRejected, serializerFor } from './sandbox.js';

export const PRIMARY_WORKGROUP = 'primary';
const MAX_QUERY_LENGTH = 262_144;

export interface StartInput {
  accountId: string;
  query: string;
  database?: string;
  workgroup?: string;
  outputLocation?: string;
  clientRequestToken?: string;
}

export interface ResultsPage {
  columns: ColumnInfo[];
  rows: (string | null)[][];
  nextToken?: string;
}

function invalid(message: string): AppError {
  return badRequest('InvalidRequestException', message);
}

/** Athena's query executions: a queue of at most `concurrency` running queries, all state in the store. */
export function createAthenaService(deps: {
  store: QueryStore;
  catalog: CatalogService;
  storage: StorageService;
  clock: Clock;
  logger: Logger;
  region: string;
  concurrency?: number;
}) {
  const { store, clock, logger } = deps;
  const concurrency = deps.concurrency ?? 2;
  const queue: string[] = [];
  const interrupts = new Map<string, () => void>();
  const running = new Set<Promise<void>>();
  let parserInstance: Promise<DuckDBInstance> | undefined;
  const pool = createEnginePool({
    catalog: deps.catalog,
    storage: deps.storage,
    logger,
    threads: availableParallelism(),
  });

  const parser = async () => {
    parserInstance ??= DuckDBInstance.create(':memory:', { threads: '1' });
    return (await parserInstance).connect();
  };

  async function execute(row: QueryRow): Promise<void> {
    const started = clock.now().getTime();
    if (!(await store.transition(row.id, ['QUEUED'], { state: 'RUNNING', started_at: started }))) return;
    let outcome: Partial<QueryRow>;
    try {
      const connection = await parser();
      const tables = await analyzeQuery(
        serializerFor(connection),
        row.query,
        row.database ?? undefined,
      ).finally(() => connection.closeSync());
      const { bucket, prefix } = parseS3Url(
        row.output_location.slice(0, row.output_location.lastIndexOf('/') + 1),
      );
      await deps.storage.ensureBucket({ name: bucket, accountId: row.account_id, region: deps.region });
      const result = await runQuery(
        { pool, storage: deps.storage },
        {
          sql: row.query,
          database: row.database ?? undefined,
          tables,
          output: { bucket, key: `${prefix}${row.id}.csv` },
          onInterruptible: (interrupt) => interrupts.set(row.id, interrupt),
        },
      );
      logger.debug({ queryId: row.id, ...result.timings, rows: result.rows }, 'query succeeded');
      outcome = {
        state: 'SUCCEEDED',
        columns: JSON.stringify(result.columns),
        data_scanned: result.dataScanned,
      };
    } catch (error) {
      const message =
        error instanceof QueryRejected || error instanceof AppError
          ? error.message
          : ((error as Error).message ?? 'The query failed.');
      if (!(error instanceof QueryRejected) && !(error instanceof AppError) && !/Error:/.test(message))
        logger.warn({ err: error, queryId: row.id }, 'query failed');
      outcome = {
        state: 'FAILED',
        state_change_reason: redactEnginePaths(message.split('\n')[0] ?? 'failed').slice(0, 4096),
      };
    } finally {
      interrupts.delete(row.id);
    }
    const completed = clock.now().getTime();
    await store.transition(row.id, ['RUNNING'], {
      ...outcome,
      completed_at: completed,
      engine_ms: completed - started,
    });
  }

  function pump(): void {
    while (running.size < concurrency && queue.length > 0) {
      const id = queue.shift() as string;
      const task = store
        .find(id)
        .then((row) => (row ? execute(row) : undefined))
        .catch((error: unknown) => logger.error({ err: error, queryId: id }, 'query execution crashed'))
        .finally(() => {
          running.delete(task);
          pump();
        });
      running.add(task);
    }
  }

  async function get(id: string): Promise<QueryRow> {
    const row = await store.find(id);
    if (!row) throw invalid(`QueryExecution ${id} was not found`);
    return row;
  }

  return {
    async init(accountId: string): Promise<void> {
      await store.ensureWorkgroup({
        name: PRIMARY_WORKGROUP,
        description: 'The default workgroup',
        output_location: `s3://aws-athena-query-results-${accountId}-${deps.region}/`,
        enforce: 0,
        create_time: clock.now().getTime(),
      });
      await store.failUnfinished('Seawall stopped before the query finished.', clock.now().getTime());
    },

    async start(input: StartInput): Promise<string> {
      if (input.query.length === 0 || input.query.length > MAX_QUERY_LENGTH)
        throw invalid(`QueryString must be 1 to ${MAX_QUERY_LENGTH} characters long.`);
      const workgroup = await store.findWorkgroup(input.workgroup ?? PRIMARY_WORKGROUP);
      if (!workgroup) throw invalid(`WorkGroup ${input.workgroup} is not found.`);
      if (input.clientRequestToken !== undefined) {
        const previous = await store.findByToken(input.clientRequestToken);
        if (previous) {
          if (previous.query !== input.query)
            throw invalid(
              'Idempotent parameters do not match: the ClientRequestToken was used with another query.',
            );
          return previous.id;
        }
      }
      const base =
        workgroup.enforce || !input.outputLocation ? workgroup.output_location : input.outputLocation;
      parseS3Url(base);
      const id = uuid();
      await store.insert({
        id,
        account_id: input.accountId,
        workgroup: workgroup.name,
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
      });
      queue.push(id);
      pump();
      return id;
    },

    get,

    async list(workgroup: string, offset: number, limit: number): Promise<string[]> {
      if (!(await store.findWorkgroup(workgroup))) throw invalid(`WorkGroup ${workgroup} is not found.`);
      return (await store.list(workgroup, offset, limit)).map((r) => r.id);
    },

    async stop(id: string): Promise<void> {
      await get(id);
      const now = clock.now().getTime();
      const index = queue.indexOf(id);
      if (index >= 0) queue.splice(index, 1);
      if (
        await store.transition(id, ['QUEUED', 'RUNNING'], {
          state: 'CANCELLED',
          completed_at: now,
          state_change_reason: 'Query was cancelled by the user.',
        })
      ) {
        interrupts.get(id)?.();
      }
    },

    /** A page of a succeeded query's results, read back from its CSV in the results bucket. */
    async results(id: string, token: string | undefined, maxResults: number): Promise<ResultsPage> {
      const row = await get(id);
      if (row.state !== 'SUCCEEDED') throw invalid(`Query has not yet finished. Current state: ${row.state}`);
      const columns = JSON.parse(row.columns ?? '[]') as ColumnInfo[];
      const { bucket, prefix } = parseS3Url(
        row.output_location.slice(0, row.output_location.lastIndexOf('/') + 1),
      );
      const key = `${prefix}${row.id}.csv`;
      const offset = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString());
      if (!Number.isSafeInteger(offset) || offset < 0) throw invalid('NextToken is not valid.');
      const { object, body } = await deps.storage.openObject(bucket, key, (o) =>
        offset < o.size ? { start: offset, end: o.size - 1 } : undefined,
      );
      if (offset >= object.size) {
        body.destroy();
        return { columns, rows: [] };
      }
      // Rows are parsed as the bytes arrive, each only once; a row cut by a chunk waits for the next one.
      const decoder = new StringDecoder('utf8');
      const rows: (string | null)[][] = [];
      let text = '';
      let consumed = 0;
      for await (const chunk of body) {
        text += decoder.write(chunk as Buffer);
        const parsed = parseCsvRows(text, 0, maxResults - rows.length);
        rows.push(...parsed.rows);
        consumed += Buffer.byteLength(text.slice(0, parsed.next));
        text = text.slice(parsed.next);
        if (rows.length >= maxResults) break;
      }
      body.destroy();
      const next = offset + consumed;
      return {
        columns,
        rows,
        ...(next < object.size ? { nextToken: Buffer.from(String(next)).toString('base64url') } : {}),
      };
    },

    async workgroup(name: string) {
      const row = await store.findWorkgroup(name);
      if (!row) throw invalid(`WorkGroup ${name} is not found.`);
      return row;
    },

    workgroups: () => store.listWorkgroups(),

    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all(running);
      if (parserInstance) (await parserInstance).closeSync();
      parserInstance = undefined;
      await pool.close();
    },
  };
}

export type AthenaService = ReturnType<typeof createAthenaService>;
