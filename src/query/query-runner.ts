import type { DuckDBType, DuckDBTypeId } from '@duckdb/node-api';
import type { StorageService } from '../storage/index.js';
import type { EnginePool } from './engine-pool.js';
import { type ColumnInfo, columnInfo, csvField, formatValue } from './result-format.js';
import type { TableReference } from './sandbox.js';

export interface RunRequest {
  sql: string;
  database: string | undefined;
  tables: TableReference[];
  output: { bucket: string; key: string };
  /** Receives the function that interrupts the running query (StopQueryExecution). */
  onInterruptible(interrupt: () => void): void;
}

export interface RunResult {
  /** Milliseconds to get a ready engine, and to run the query and store its result. */
  timings: { engineMs: number; executeMs: number };
  columns: ColumnInfo[];
  dataScanned: number;
  rows: number;
}

/**
 * Runs one analysed query on a sandboxed engine that reads exactly the tables it names. Values are printed
 * by DuckDB as Athena prints them, and the rows stream into the results object as Athena's CSV.
 */
export async function runQuery(
  deps: { pool: EnginePool; storage: StorageService },
  request: RunRequest,
): Promise<RunResult> {
  const started = performance.now();
  const lease = await deps.pool.acquire(request.tables, request.database);
  const ready = performance.now();
  try {
    const { connection } = lease;
    request.onInterruptible(() => connection.interrupt());
    const sql = request.sql;
    const result = await connection.stream(sql);
    const types = result.columnTypes();
    const columns: ColumnInfo[] = result
      .columnNames()
      .map((name, i) => columnInfo(name, types[i] as DuckDBType));
    const typeIds = types.map((t) => t.typeId);
    let rows = 0;
    async function* csv(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${columns.map((c) => csvField(c.Name)).join(',')}\n`);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        const lines: string[] = [];
        for (const row of chunk.getRows())
          lines.push(
            `${row.map((v, i) => csvField(formatValue(v, typeIds[i] as DuckDBTypeId))).join(',')}\n`,
          );
        rows += chunk.rowCount;
        yield Buffer.from(lines.join(''));
      }
    }
    await deps.storage.putObject({
      bucket: request.output.bucket,
      key: request.output.key,
      body: csv(),
      contentType: 'text/csv',
      userMetadata: {},
      headers: {},
    });
    return {
      timings: { engineMs: ready - started, executeMs: performance.now() - ready },
      columns,
      dataScanned: lease.bytes,
      rows,
    };
  } finally {
    lease.release();
  }
}
