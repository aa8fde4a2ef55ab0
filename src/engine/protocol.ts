import type { ColumnInfo } from './result-format.js';

/** A value bound to a `$n` parameter. */
export type EngineParam = string | number | boolean | null;

/** Messages from the server to an engine worker. Each carries an id its reply repeats. */
export type EngineRequest =
  | {
      id: number;
      op: 'open';
      /** DuckDB configuration at creation (threads, memory_limit, temp_directory…). */
      settings: Record<string, string>;
      /** Statements run once on the fresh instance, in order (views, sandbox settings, the lock). */
      setup: string[];
    }
  | { id: number; op: 'rows'; sql: string; params: EngineParam[]; limitBytes: number }
  | { id: number; op: 'stream'; sql: string; limits: ResultLimits }
  | { id: number; op: 'next'; stream: number }
  | { id: number; op: 'close-stream'; stream: number }
  | { id: number; op: 'interrupt'; target: number };

/** What a result may weigh on its way into JavaScript. */
export interface ResultLimits {
  /** A row (or a single value) larger than this once printed fails the query. */
  rowBytes: number;
  /** How much CSV one `next` returns, at most (one row may exceed it, up to rowBytes). */
  pageBytes: number;
}

export interface StreamOpened {
  stream: number;
  columns: ColumnInfo[];
  /** The first page, read at once: a small result needs no further request. */
  first: StreamPage;
}

export interface StreamPage {
  /** Athena-style CSV lines (none when the result has no rows). */
  data: Uint8Array;
  rows: number;
  /** The result is exhausted and the worker has closed it: there is no next page to ask for. */
  last: boolean;
}

export type EngineReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; kind: EngineErrorKind } };

/**
 * Why an engine request failed: the engine's own error (a user's bad SQL or data, or a result of a type Seawall
 * cannot print), a result over its limits (refused after the engine built it), or the request's interruption.
 */
export type EngineErrorKind = 'engine' | 'limit' | 'interrupted';
