import { availableParallelism } from 'node:os';
import { type CatalogService, openTableForEngine, type ReadableTable } from '../catalog/index.js';
import { withDuckDb } from '../lib/duckdb.js';
import { quoteIdent, quoteList, quoteLiteral } from '../lib/sql.js';
import type { StorageService } from '../storage/index.js';
import { type ColumnInfo, columnInfo, csvField, formatExpression } from './result-format.js';
import { QueryRejected, type TableReference } from './sandbox.js';

export interface RunRequest {
  sql: string;
  database: string | undefined;
  tables: TableReference[];
  output: { bucket: string; key: string };
  /** Receives the function that interrupts the running query (StopQueryExecution). */
  onInterruptible(interrupt: () => void): void;
}

export interface RunResult {
  columns: ColumnInfo[];
  dataScanned: number;
  rows: number;
}

export interface RunnerDeps {
  catalog: CatalogService;
  storage: StorageService;
  threads?: number;
  memoryLimit?: string;
}

/** User SQL goes inside a subquery; a trailing semicolon or line comment must not break the wrapping. */
function bare(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

async function openTables(deps: RunnerDeps, tables: TableReference[]): Promise<Map<string, ReadableTable>> {
  const opened = new Map<string, ReadableTable>();
  try {
    for (const ref of tables) {
      const table = await openTableForEngine(deps, ref.database, ref.table).catch(
        (error: { code?: string; message: string }) => {
          if (error.code === 'EntityNotFoundException')
            throw new QueryRejected(
              `TABLE_NOT_FOUND: Table 'awsdatacatalog.${ref.database}.${ref.table}' does not exist`,
            );
          throw error;
        },
      );
      opened.set(`${ref.database}.${ref.table}`, table);
    }
  } catch (error) {
    await Promise.all([...opened.values()].map((t) => t.release()));
    throw error;
  }
  return opened;
}

/**
 * Runs one analysed query in a DuckDB of its own that can read exactly the files of the tables it names
 * (as views in schemas named after their databases), with external access off and the configuration locked
 * before the user's SQL is first bound. Result rows stream into the results object as Athena's CSV.
 */
export async function runQuery(deps: RunnerDeps, request: RunRequest): Promise<RunResult> {
  const tables = await openTables(deps, request.tables);
  const scratch = await deps.storage.filesForEngine([]);
  const paths = [...tables.values()].flatMap((t) => t.paths);
  try {
    return await withDuckDb(
      { threads: deps.threads ?? availableParallelism(), memoryLimit: deps.memoryLimit ?? '4GB' },
      async (connection) => {
        const schemas = new Set([
          ...request.tables.map((t) => t.database),
          ...(request.database ? [request.database.toLowerCase()] : []),
        ]);
        const setup = [
          `SET temp_directory = ${quoteLiteral(`${scratch.dir}/spill`)}`,
          `SET allowed_paths = ${quoteList(paths)}`,
          'SET enable_external_access = false',
          'SET autoinstall_known_extensions = false',
          'SET autoload_known_extensions = false',
          ...[...schemas].map((schema) => `CREATE SCHEMA ${quoteIdent(schema)}`),
          ...request.tables.map(
            (ref) =>
              `CREATE VIEW ${quoteIdent(ref.database)}.${quoteIdent(ref.table)} AS SELECT * FROM ${(tables.get(`${ref.database}.${ref.table}`) as ReadableTable).relation}`,
          ),
          ...(request.database ? [`SET schema = ${quoteLiteral(request.database.toLowerCase())}`] : []),
          'SET lock_configuration = true',
        ];
        for (const statement of setup) await connection.run(statement);
        request.onInterruptible(() => connection.interrupt());

        const sql = bare(request.sql);
        const prepared = await connection.prepare(sql);
        const columns: ColumnInfo[] = [];
        const formats: string[] = [];
        for (let i = 0; i < prepared.columnCount; i++) {
          columns.push(columnInfo(prepared.columnName(i), prepared.columnType(i)));
          formats.push(formatExpression(i + 1, prepared.columnType(i), `c${i}`));
        }
        prepared.destroySync();
        const result = await connection.stream(`SELECT ${formats.join(', ')} FROM (${sql}\n) AS q`);
        let rows = 0;
        async function* csv(): AsyncGenerator<Buffer> {
          yield Buffer.from(`${columns.map((c) => csvField(c.Name)).join(',')}\n`);
          for (;;) {
            const chunk = await result.fetchChunk();
            if (!chunk || chunk.rowCount === 0) return;
            const lines: string[] = [];
            for (const row of chunk.getRows())
              lines.push(`${row.map((v) => csvField(v === null ? null : String(v))).join(',')}\n`);
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
        return { columns, dataScanned: [...tables.values()].reduce((n, t) => n + t.bytes, 0), rows };
      },
    );
  } finally {
    await Promise.all([...tables.values()].map((t) => t.release()));
    await scratch.release();
  }
}
