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
  type DuckDBPreparedStatement,
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
  /** Runs on the kept session (see Session), which outlives the stream. */
  shared: boolean;
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

/**
 * The connection streamed queries run on, kept between them with the statements prepared on it. The server
 * gives an engine to one query at a time, and dashboards repeat their queries: binding a translated query costs
 * about as much as running a small one. A stream opened while another holds the session gets a connection of
 * its own; a stream that fails or is closed before its end takes the session down with it.
 */
interface Session {
  connection: DuckDBConnection;
  /** By SQL text, least recently used first. */
  prepared: Map<string, DuckDBPreparedStatement>;
}
const PREPARED_KEPT = 32;
let session: Promise<Session> | undefined;
let sessionBusy = false;

function endSession(): void {
  const ending = session;
  session = undefined;
  sessionBusy = false;
  // A session whose connection never opened has nothing to close.
  ending?.then(
    (s) => {
      for (const prepared of s.prepared.values()) prepared.destroySync();
      s.connection.closeSync();
    },
    () => undefined,
  );
}

/** The statement for `sql` on the session, prepared once and kept. */
async function preparedOnSession(s: Session, sql: string): Promise<DuckDBPreparedStatement> {
  const known = s.prepared.get(sql);
  if (known) {
    s.prepared.delete(sql);
    s.prepared.set(sql, known);
    return known;
  }
  const prepared = await prepareWithNamedRows(s.connection, sql);
  s.prepared.set(sql, prepared);
  for (const [key, oldest] of s.prepared) {
    if (s.prepared.size <= PREPARED_KEPT) break;
    s.prepared.delete(key);
    oldest.destroySync();
  }
  return prepared;
}

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
  const shared = !sessionBusy;
  let connection: DuckDBConnection | undefined;
  try {
    let result: DuckDBResult;
    if (shared) {
      sessionBusy = true;
      session ??= engine()
        .connect()
        .then((c) => ({ connection: c, prepared: new Map() }));
      const s = await session;
      connection = s.connection;
      connections.set(id, connection);
      result = await (await preparedOnSession(s, sql)).stream();
    } else {
      connection = await engine().connect();
      connections.set(id, connection);
      const prepared = await prepareWithNamedRows(connection, sql);
      try {
        result = await prepared.stream();
      } finally {
        prepared.destroySync();
      }
    }
    const types = result.columnTypes();
    const columns: ColumnInfo[] = result
      .columnNames()
      .map((name, i) => columnInfo(name, types[i] as DuckDBType));
    const stream: OpenStream = {
      connection,
      shared,
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
    if (shared) endSession();
    else connection?.closeSync();
    throw error;
  }
}

/**
 * Prepares one statement; a result column holding rows with unnamed fields is cast to rows whose fields are
 * named as Trino names them, so every value can be read and printed (see namedRowsType). Types are known once
 * the statement is prepared, before anything runs.
 */
async function prepareWithNamedRows(
  connection: DuckDBConnection,
  sql: string,
): Promise<DuckDBPreparedStatement> {
  const prepared = await connection.prepare(sql);
  const casts = Array.from({ length: prepared.columnCount }, (_, i) => namedRowsType(prepared.columnType(i)));
  if (casts.every((cast) => cast === undefined)) return prepared;
  const columns = casts.map((cast, i) => {
    const name = quoteIdent(prepared.columnName(i));
    return cast === undefined ? `#${i + 1} AS ${name}` : `CAST(#${i + 1} AS ${cast}) AS ${name}`;
  });
  prepared.destroySync();
  return connection.prepare(`SELECT ${columns.join(', ')} FROM (${sql})`);
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
  if (!stream.shared) stream.connection.closeSync();
  // A result read to its end leaves the session as it found it; one left half read, or failed, ends it.
  else if (stream.done) sessionBusy = false;
  else endSession();
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
  if (error instanceof LimitExceeded) return 'limit';
  // Refused before any value is read: the query as written cannot be answered, like DuckDB's own errors.
  if (error instanceof ValueSizeUnknown) return 'engine';
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
