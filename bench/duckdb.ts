import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export type { DuckDBConnection } from '@duckdb/node-api';

export interface DuckDbOptions {
  threads?: number;
  memoryLimit?: string;
  /** Extra settings at creation (DuckDB configuration option names). */
  settings?: Record<string, string>;
}

/**
 * Runs `work` on a fresh in-process DuckDB and always closes it: the benchmarks' baseline, plain DuckDB with
 * none of Seawall around it (Seawall itself runs DuckDB in engine processes, src/engine).
 */
export async function withDuckDb<T>(
  options: DuckDbOptions,
  work: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const settings: Record<string, string> = { ...options.settings };
  if (options.threads !== undefined) settings.threads = String(options.threads);
  if (options.memoryLimit !== undefined) settings.memory_limit = options.memoryLimit;
  const instance = await DuckDBInstance.create(':memory:', settings);
  const connection = await instance.connect();
  try {
    // Times without an offset are UTC, whatever the machine's zone (needs ICU, built in, loaded on first use).
    await connection.run("SET TimeZone = 'UTC'");
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** All rows of a query as plain JSON-friendly objects. */
export async function queryRows(
  connection: DuckDBConnection,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}
