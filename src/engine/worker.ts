/**
 * An engine worker: a child process that hosts one DuckDB instance and runs what the server sends it. Engine
 * work that reads user files runs here, so a file that crashes DuckDB (a JSON nested 200,000 deep) or a result
 * that would exhaust memory ends this process, never the server. Nothing here trusts the results: every value
 * is measured in DuckDB's memory before any of it becomes a JavaScript string.
 */
import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBResult,
  type DuckDBType,
  type DuckDBTypeId,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';
import { quoteIdent } from '../lib/sql.js';
import type {
  EngineErrorKind,
  EngineReply,
  EngineRequest,
  ResultLimits,
  StreamOpened,
  StreamPage,
} from './protocol.js';
import { type ColumnInfo, columnInfo, csvField, formatValue, namedRowsType } from './result-format.js';
import { measureChunk, ValueSizeUnknown } from './value-size.js';

class LimitExceeded extends Error {}

interface OpenStream {
  connection: DuckDBConnection;
  result: DuckDBResult;
  types: DuckDBType[];
  typeIds: DuckDBTypeId[];
  limits: ResultLimits;
  chunk: DuckDBDataChunk | null;
  sizes: Float64Array;
  next: number;
  done: boolean;
}

let instance: DuckDBInstance | undefined;
/** Connections by the id of the request (or stream) using them, so an interrupt can find them. */
const connections = new Map<number, DuckDBConnection>();
const streams = new Map<number, OpenStream>();

function engine(): DuckDBInstance {
  if (!instance) throw new Error('the engine is not open');
  return instance;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

/** Athena's own limit and wording: a row or column larger than the limit fails the query. */
function checkRows(sizes: Float64Array, limits: ResultLimits): void {
  for (const size of sizes) {
    if (size > limits.rowBytes)
      throw new LimitExceeded(
        `EXCEEDED_ROW_SIZE_LIMIT: a result row is about ${mib(size)}; the size of a single row or its columns cannot exceed ${mib(limits.rowBytes)}.`,
      );
  }
}

async function open(settings: Record<string, string>, setup: string[]): Promise<void> {
  if (instance) throw new Error('the engine is already open');
  instance = await DuckDBInstance.create(':memory:', settings);
  const connection = await instance.connect();
  try {
    for (const statement of setup) await connection.run(statement);
  } finally {
    connection.closeSync();
  }
}

async function rows(
  id: number,
  sql: string,
  params: (string | number | boolean | null)[],
  limitBytes: number,
): Promise<Record<string, unknown>[]> {
  const connection = await engine().connect();
  connections.set(id, connection);
  try {
    const result = await connection.stream(sql, params);
    const names = result.columnNames();
    const types = result.columnTypes();
    const out: Record<string, unknown>[] = [];
    let total = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return out;
      for (const size of measureChunk(chunk, types).rows) total += size;
      if (total > limitBytes) throw new LimitExceeded(`the result is larger than ${mib(limitBytes)}`);
      for (const row of chunk.convertRows(JsonDuckDBValueConverter))
        out.push(Object.fromEntries(names.map((name, i) => [name, row[i] ?? null])));
    }
  } finally {
    connections.delete(id);
    connection.closeSync();
  }
}

async function openStream(id: number, sql: string, limits: ResultLimits): Promise<StreamOpened> {
  const connection = await engine().connect();
  connections.set(id, connection);
  try {
    const result = await streamWithNamedRows(connection, sql);
    const types = result.columnTypes();
    const columns: ColumnInfo[] = result
      .columnNames()
      .map((name, i) => columnInfo(name, types[i] as DuckDBType));
    const stream: OpenStream = {
      connection,
      result,
      types,
      typeIds: types.map((t) => t.typeId),
      limits,
      chunk: null,
      sizes: new Float64Array(0),
      next: 0,
      done: false,
    };
    streams.set(id, stream);
    return { stream: id, columns, first: await fillPage(id, stream) };
  } catch (error) {
    streams.delete(id);
    connections.delete(id);
    connection.closeSync();
    throw error;
  }
}

/**
 * Runs one statement; a result column holding rows with unnamed fields is cast to rows whose fields are named
 * as Trino names them, so every value can be read and printed (see namedRowsType). Types are known once the
 * statement is prepared, before anything runs.
 */
async function streamWithNamedRows(connection: DuckDBConnection, sql: string): Promise<DuckDBResult> {
  let prepared = await connection.prepare(sql);
  try {
    const casts = Array.from({ length: prepared.columnCount }, (_, i) =>
      namedRowsType(prepared.columnType(i)),
    );
    if (casts.some((cast) => cast !== undefined)) {
      const columns = casts.map((cast, i) => {
        const name = quoteIdent(prepared.columnName(i));
        return cast === undefined ? `#${i + 1} AS ${name}` : `CAST(#${i + 1} AS ${cast}) AS ${name}`;
      });
      prepared.destroySync();
      prepared = await connection.prepare(`SELECT ${columns.join(', ')} FROM (${sql})`);
    }
    return await prepared.stream();
  } finally {
    prepared.destroySync();
  }
}

/**
 * The next page of CSV lines: rows are converted one at a time, each already known to be within limits. The
 * page that exhausts the result says so and closes it, sparing the server a round trip to learn it.
 */
async function nextPage(id: number): Promise<StreamPage> {
  const stream = streams.get(id);
  if (!stream) throw new Error(`no open result ${id}`);
  try {
    return await fillPage(id, stream);
  } catch (error) {
    closeStream(id);
    throw error;
  }
}

async function fillPage(id: number, stream: OpenStream): Promise<StreamPage> {
  const lines: string[] = [];
  let bytes = 0;
  while (bytes < stream.limits.pageBytes && !stream.done) {
    if (!stream.chunk || stream.next >= stream.chunk.rowCount) {
      const chunk = await stream.result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) {
        stream.done = true;
        break;
      }
      stream.sizes = measureChunk(chunk, stream.types).rows;
      checkRows(stream.sizes, stream.limits);
      stream.chunk = chunk;
      stream.next = 0;
    }
    const chunk = stream.chunk;
    while (stream.next < chunk.rowCount && bytes < stream.limits.pageBytes) {
      const values = chunk.getRowValues(stream.next);
      const line = `${values.map((v, i) => csvField(formatValue(v, stream.typeIds[i] as DuckDBTypeId, stream.types[i]))).join(',')}\n`;
      lines.push(line);
      bytes += stream.sizes[stream.next] as number;
      stream.next++;
    }
  }
  if (stream.done) closeStream(id);
  return { data: Buffer.from(lines.join('')), rows: lines.length, last: stream.done };
}

function closeStream(id: number): void {
  const stream = streams.get(id);
  if (!stream) return;
  streams.delete(id);
  connections.delete(id);
  stream.connection.closeSync();
}

async function handle(request: EngineRequest): Promise<unknown> {
  switch (request.op) {
    case 'open':
      return open(request.settings, request.setup);
    case 'rows':
      return rows(request.id, request.sql, request.params, request.limitBytes);
    case 'stream':
      return openStream(request.id, request.sql, request.limits);
    case 'next':
      return nextPage(request.stream);
    case 'close-stream':
      closeStream(request.stream);
      return null;
    case 'interrupt':
      connections.get(request.target)?.interrupt();
      return null;
  }
}

function kindOf(error: unknown): EngineErrorKind {
  if (error instanceof LimitExceeded || error instanceof ValueSizeUnknown) return 'limit';
  if (/^INTERRUPT Error/.test((error as Error).message ?? '')) return 'interrupted';
  return 'engine';
}

function reply(message: EngineReply): void {
  process.send?.(message);
}

process.on('message', (request: EngineRequest) => {
  handle(request).then(
    (result) => reply({ id: request.id, ok: true, result }),
    (error: unknown) =>
      reply({
        id: request.id,
        ok: false,
        error: { message: String((error as Error).message ?? error), kind: kindOf(error) },
      }),
  );
});
// The server went away (crashed or killed): an engine has no reason to outlive it.
process.on('disconnect', () => process.exit(0));
